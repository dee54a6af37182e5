"""Who may speak for a session: Rasa senders need the channel token and live in sessions nobody else can name; the
WebSocket's session ids are checked like /v1/chat's."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from bot.flow.simulator import SAMPLE_ID

ClientFactory = Callable[..., TestClient]
WEBHOOK = "/webhooks/rest/webhook"
TOKEN = "channel-token-of-the-kiosk-connector"
QUESTION = "补办身份证要带什么材料"


@pytest.fixture(scope="module")
def rasa_client(module_clients: ClientFactory) -> TestClient:
    return module_clients(rasa={"token": TOKEN})


def rasa(client: TestClient, sender: str, message: str, token: str | None = TOKEN) -> list[dict]:
    r = client.post(WEBHOOK, json={"sender": sender, "message": message}, params={"token": token} if token else {})
    assert r.status_code == 200, r.text
    out: list[dict] = r.json()
    return out


def test_the_webhook_needs_the_channel_token(rasa_client: TestClient) -> None:
    body = {"sender": "kiosk-3", "message": QUESTION}
    missing = rasa_client.post(WEBHOOK, json=body)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
    assert rasa_client.post(WEBHOOK, json=body, params={"token": "guess"}).status_code == 401
    assert rasa_client.post(WEBHOOK, json=body, headers={"Authorization": "Bearer guess"}).status_code == 401
    assert rasa_client.post(WEBHOOK, json=body, params={"token": TOKEN}).status_code == 200
    by_header = rasa_client.post(WEBHOOK, json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert by_header.status_code == 200 and by_header.json()[-1]["custom"]["item_id"] == "HZ-003"


def test_without_a_configured_token_the_webhook_is_off_unless_the_bureau_opens_it(make_client: ClientFactory) -> None:
    off = make_client(rasa={})
    r = off.post(WEBHOOK, json={"sender": "kiosk-3", "message": QUESTION})
    assert r.status_code == 403 and "rasa.token" in r.json()["detail"]
    opened = make_client(rasa={"require_token": False})
    assert opened.post(WEBHOOK, json={"sender": "kiosk-3", "message": QUESTION}).status_code == 200


def test_a_senders_session_cannot_be_reached_from_elsewhere(rasa_client: TestClient) -> None:
    sender = "kiosk-3"
    rasa(rasa_client, sender, "我要补办身份证")
    out = rasa(rasa_client, sender, SAMPLE_ID)
    custom = out[-1]["custom"]
    assert custom.get("flow") == "id_card_reissue" and "session_id" not in custom

    for sid in (sender, "rasa-sender:" + hashlib.sha256(sender.encode()).hexdigest()[:32],
                "rasa-" + hashlib.sha256(sender.encode()).hexdigest()[:40]):
        r = rasa_client.post("/v1/chat", json={"session_id": sid, "text": "重复"})
        assert r.status_code == 200, r.text
        assert r.json()["flow"] is None and SAMPLE_ID[-4:] not in str(r.json())

    again = rasa(rasa_client, sender, "重复")
    assert again[-1]["custom"].get("flow") == "id_card_reissue"


def test_a_session_id_naming_a_record_that_is_not_a_session_starts_a_new_session(rasa_client: TestClient) -> None:
    service = rasa_client.app.state.service  # type: ignore[attr-defined]
    foreign = "rasa-sender:" + "ab" * 16
    service.store.put(foreign, {"session_id": "someone-elses"}, 60)
    r = rasa_client.post("/v1/chat", json={"session_id": foreign, "text": QUESTION})
    assert r.status_code == 200, r.text
    assert r.json()["session_id"] != foreign and r.json()["item_id"] == "HZ-003"
    assert service.store.get(foreign) == {"session_id": "someone-elses"}


BAD_IDS = ["../../etc/passwd", "x" * 10_000, "", "has space", 42, ["a"]]


@pytest.mark.parametrize("bad", BAD_IDS, ids=["traversal", "10k", "empty", "space", "number", "list"])
def test_hello_with_a_bad_session_id_is_refused_and_the_socket_stays_usable(client: TestClient, bad: object) -> None:
    chat_error = client.post("/v1/chat", json={"session_id": bad, "text": QUESTION})
    assert chat_error.status_code == 422
    with client.websocket_connect("/v1/ws") as ws:
        ws.send_json({"text": QUESTION})
        first = ws.receive_json()
        ws.send_json({"type": "hello", "session_id": bad})
        error = ws.receive_json()
        assert error["type"] == "error" and error["status"] == 422
        assert error["detail"].startswith("session_id")
        if isinstance(bad, str) and bad:
            assert bad not in str(error)
        ws.send_json({"text": "那要多少钱？"})
        follow = ws.receive_json()
        assert follow["type"] == "reply" and follow["session_id"] == first["session_id"]
        assert follow["field"] == "fee"


def test_hello_names_a_session_and_null_clears_it(client: TestClient) -> None:
    with client.websocket_connect("/v1/ws") as ws:
        ws.send_json({"type": "hello", "session_id": "kiosk-12.lobby:1"})
        assert ws.receive_json()["session_id"] == "kiosk-12.lobby:1"
        ws.send_json({"text": QUESTION})
        assert ws.receive_json()["session_id"] == "kiosk-12.lobby:1"
        ws.send_json({"type": "hello", "session_id": None})
        assert ws.receive_json()["session_id"] is None
        ws.send_json({"text": "那要多少钱？"})
        fresh = ws.receive_json()
        assert fresh["session_id"] != "kiosk-12.lobby:1"


def test_a_bad_session_id_in_the_query_is_refused_and_the_socket_stays_usable(client: TestClient) -> None:
    with client.websocket_connect("/v1/ws?session_id=..%2F..%2Fetc%2Fpasswd") as ws:
        error = ws.receive_json()
        assert error["type"] == "error" and error["status"] == 422 and "passwd" not in str(error)
        ws.send_json({"text": QUESTION})
        reply = ws.receive_json()
        assert reply["type"] == "reply" and "passwd" not in reply["session_id"] and reply["item_id"] == "HZ-003"
