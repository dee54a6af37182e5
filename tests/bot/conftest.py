"""Shared fixtures: one knowledge engine per test session, assistants writing only under a temporary data dir."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.config import AssistantConfig
from bot.reply import Reply
from bot.session_store import MemoryStore, SessionStore
from bot.simulator import SAMPLE_ID
from knowledge.engine import KnowledgeEngine

VALID_ID = SAMPLE_ID
OTHER_ID = "110105198506120018"
PHONE = "13812345678"


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every file daoban writes in these tests lands here (checked for personal data at the end)."""
    path = tmp_path_factory.mktemp("daoban-data")
    old = os.environ.get("DAOBAN_DATA_DIR")
    os.environ["DAOBAN_DATA_DIR"] = str(path)
    yield path
    if old is None:
        os.environ.pop("DAOBAN_DATA_DIR", None)
    else:
        os.environ["DAOBAN_DATA_DIR"] = old


@pytest.fixture(scope="session")
def assistant(engine: KnowledgeEngine, data_dir: Path) -> Assistant:
    config = AssistantConfig(transcript_path=data_dir / "transcript.jsonl")
    return Assistant(engine, MemoryStore(), config)


@pytest.fixture
def make_assistant(engine: KnowledgeEngine, data_dir: Path) -> Callable[..., Assistant]:
    def make(store: SessionStore | None = None, **config: object) -> Assistant:
        config.setdefault("transcript_path", data_dir / "transcript.jsonl")
        return Assistant(engine, store if store is not None else MemoryStore(), AssistantConfig(**config))  # type: ignore[arg-type]

    return make


class Chat:
    """One conversation: remembers the session id and the last reply."""

    def __init__(self, assistant: Assistant, channel: str = "web", lang: str | None = None) -> None:
        self.assistant = assistant
        self.channel = channel
        self.lang = lang
        self.session: str | None = None
        self.reply: Reply | None = None

    def say(self, text: str | None = None, event: dict[str, object] | None = None, lang: str | None = None) -> Reply:
        self.reply = self.assistant.handle(self.session, text, event=event, lang=lang or self.lang,
                                           channel=self.channel)
        self.session = self.reply.session_id
        return self.reply

    def start(self, flow: str, item: str | None = None) -> Reply:
        event: dict[str, object] = {"type": "start_flow", "flow": flow}
        if item:
            event["item"] = item
        return self.say(event=event)

    @property
    def text(self) -> str:
        assert self.reply is not None
        return "\n".join(m.text for m in self.reply.messages)

    def state(self) -> dict[str, object]:
        assert self.session is not None
        state = self.assistant.store.get(self.session)
        assert state is not None
        return state


@pytest.fixture
def chat(assistant: Assistant) -> Callable[..., Chat]:
    def make(channel: str = "web", lang: str | None = None, on: Assistant | None = None) -> Chat:
        return Chat(on or assistant, channel, lang)

    return make
