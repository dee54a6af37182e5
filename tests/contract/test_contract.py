"""The contract table (turns.yaml) through every front end — daoban ask, the chat engine, POST /v1/chat, /v1/ws,
/v1/voice and the Rasa REST webhook: each must report the same kind, item and body."""

from __future__ import annotations

import contextlib
import io
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from bot.assistant import Assistant
from bot.channels.app import create_app
from bot.cli.main import main as daoban
from bot.config import AssistantConfig
from bot.server.config import ServiceConfig
from bot.session.store import MemoryStore
from knowledge.engine import KnowledgeEngine

ROWS: list[dict[str, Any]] = yaml.safe_load((Path(__file__).with_name("turns.yaml")).read_text(encoding="utf-8"))
Outcome = dict[str, Any]
"""kind, item_id and the whole reply text, as one front end reported them."""


RASA_TOKEN = "contract-rasa-token"


@pytest.fixture(scope="module")
def client(engine: KnowledgeEngine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    config = ServiceConfig(data_dir=tmp_path_factory.mktemp("contract"), warmup=False,  # type: ignore[arg-type]
                           rate_limit={"enabled": False}, voice={"vad": "energy"}, rasa={"token": RASA_TOKEN})
    with TestClient(create_app(config, engine=engine)) as test_client:
        deadline = time.monotonic() + 60
        while test_client.get("/ready").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        yield test_client


@pytest.fixture(scope="module")
def assistant(engine: KnowledgeEngine, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    data = tmp_path_factory.mktemp("contract-chat")
    return Assistant(engine, MemoryStore(), AssistantConfig(unanswered_path=data / "unanswered.jsonl"))


def _text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(m.get("text", "")) for m in messages)


def via_chat_engine(assistant: Assistant, client: TestClient, text: str) -> Outcome:
    reply = assistant.handle(None, text).to_dict()
    return {"kind": reply["kind"], "item_id": reply["item_id"], "text": _text(reply["messages"])}


def via_http(assistant: Assistant, client: TestClient, text: str) -> Outcome:
    reply = client.post("/v1/chat", json={"text": text}).json()
    return {"kind": reply["kind"], "item_id": reply["item_id"], "text": _text(reply["messages"])}


def via_websocket(assistant: Assistant, client: TestClient, text: str) -> Outcome:
    with client.websocket_connect("/v1/ws") as ws:
        ws.send_json({"text": text})
        reply = ws.receive_json()
    return {"kind": reply["kind"], "item_id": reply["item_id"], "text": _text(reply["messages"])}


def via_voice_socket(assistant: Assistant, client: TestClient, text: str) -> Outcome:
    """/v1/voice with the line typed on the kiosk screen (speech would reach the same turn after recognition)."""
    with client.websocket_connect("/v1/voice?channel=kiosk") as ws:
        assert ws.receive_json()["type"] == "ready"
        ws.send_json({"text": text})
        reply = ws.receive_json()
    return {"kind": reply["kind"], "item_id": reply["item_id"], "text": _text(reply["messages"])}


def via_rasa_webhook(assistant: Assistant, client: TestClient, text: str) -> Outcome:
    sender = f"contract-{abs(hash(text))}-{time.monotonic_ns()}"
    messages = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text},
                           headers={"Authorization": f"Bearer {RASA_TOKEN}"}).json()
    custom = messages[-1].get("custom", {})
    return {"kind": custom.get("kind"), "item_id": custom.get("item_id"), "text": _text(messages)}


def via_ask(assistant: Assistant, client: TestClient, text: str) -> Outcome:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = daoban(["ask", text, "--json"])
    assert code == 0
    reply = json.loads(out.getvalue())
    return {"kind": reply["kind"], "item_id": reply["item_id"], "text": reply["answer"]}


FRONT_ENDS: dict[str, Callable[[Assistant, TestClient, str], Outcome]] = {
    "ask": via_ask, "chat": via_chat_engine, "http": via_http, "ws": via_websocket, "voice": via_voice_socket,
    "rasa": via_rasa_webhook,
}


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['lang']}:{r['text']}" for r in ROWS])
def test_every_front_end_understands_the_turn_alike(row: dict[str, Any], assistant: Assistant,
                                                    client: TestClient) -> None:
    outcomes = {name: run(assistant, client, row["text"]) for name, run in FRONT_ENDS.items()}
    kinds = {name: o["kind"] for name, o in outcomes.items()}
    assert set(kinds.values()) == {row["kind"]}, kinds
    items = {name: o["item_id"] for name, o in outcomes.items()}
    assert len(set(items.values())) == 1, items
    if "item" in row:
        wanted = row["item"] if isinstance(row["item"], list) else [row["item"]]
        assert items["chat"] in wanted, items
    if row["kind"] != "question":
        assert items["chat"] is None
    if "hotline" in row:
        missing = [name for name, o in outcomes.items() if row["hotline"] not in o["text"]]
        assert not missing, f"{row['hotline']} missing in {missing}"
    for name, o in outcomes.items():
        assert "会话已结束" not in o["text"], name
        if row["kind"] in ("chitchat", "social:greeting", "social:thanks", "social:goodbye"):
            assert "110" not in o["text"], name
