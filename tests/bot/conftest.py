"""Shared fixtures: one knowledge engine per test session, assistants writing only under a temporary data dir."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from chat_support import Chat

from bot.assistant import Assistant
from bot.config import AssistantConfig
from bot.server.logs import JsonFormatter
from bot.session.store import MemoryStore, SessionStore
from knowledge.engine import KnowledgeEngine


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


@pytest.fixture(scope="session", autouse=True)
def daoban_log(data_dir: Path) -> Iterator[Path]:
    """Every daoban log line of the run, as `daoban serve` writes them (JSON, masked), for the closing scan."""
    path = data_dir / "daoban.log.jsonl"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.DEBUG)
    logger = logging.getLogger("daoban")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield path
    logger.removeHandler(handler)
    logger.setLevel(level)
    handler.close()


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


@pytest.fixture
def chat(assistant: Assistant) -> Callable[..., Chat]:
    def make(channel: str = "web", lang: str | None = None, on: Assistant | None = None) -> Chat:
        return Chat(on or assistant, channel, lang)

    return make
