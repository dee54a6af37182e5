from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

ClientFactory = Callable[..., TestClient]


def test_chat_over_websocket(client: TestClient) -> None:
    with client.websocket_connect("/v1/ws") as ws:
        ws.send_json({"text": "补办身份证要带什么材料"})
        first = ws.receive_json()
        assert first["type"] == "reply" and first["item_id"] == "HZ-003"
        ws.send_json({"text": "那要多少钱？"})
        second = ws.receive_json()
        assert second["session_id"] == first["session_id"] and second["field"] == "fee"
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}


def test_websocket_errors_keep_the_socket_open(client: TestClient) -> None:
    with client.websocket_connect("/v1/ws") as ws:
        ws.send_text("not json")
        assert ws.receive_json()["status"] == 422
        ws.send_json({"lang": "xx", "text": "hi"})
        error = ws.receive_json()
        assert error["type"] == "error" and error["status"] == 422 and error["detail"].startswith("lang")
        ws.send_json({"type": "dance"})
        assert ws.receive_json()["status"] == 422
        ws.send_json({"text": "补办身份证要带什么材料"})
        assert ws.receive_json()["type"] == "reply"


def test_idle_kiosk_gets_announcements(make_client: ClientFactory) -> None:
    client = make_client(idle={"after_s": 0.2, "interval_s": 0.2})
    with client.websocket_connect("/v1/ws?channel=kiosk&lang=en") as ws:
        first = ws.receive_json()
        second = ws.receive_json()
    assert first["type"] == second["type"] == "announcement"
    assert first["id"] != second["id"]
    assert first["lang"] == "en" and first["messages"][0]["text"].isascii()
    assert first["topic"] in {"反诈", "交通安全", "禁毒"}
    metrics = client.get("/metrics").text.splitlines()
    pushed = [line for line in metrics if line.startswith("daoban_announcements_total")]
    assert float(pushed[0].split()[-1]) >= 2


def test_web_channel_gets_no_announcements_by_default(make_client: ClientFactory) -> None:
    client = make_client(idle={"after_s": 0.1, "interval_s": 0.1})
    with client.websocket_connect("/v1/ws?channel=web") as ws:
        ws.send_json({"type": "ping"})
        assert ws.receive_json()["type"] == "pong"


def test_session_expired_is_pushed(make_client: ClientFactory) -> None:
    client = make_client(idle={"after_s": 30, "interval_s": 30})
    service = client.app.state.service  # type: ignore[attr-defined]
    with client.websocket_connect("/v1/ws?channel=kiosk") as ws:
        ws.send_json({"text": "我要补办身份证"})
        reply = ws.receive_json()
        assert reply["flow"] == "id_card_reissue"
        service.assistant.end_session(reply["session_id"])
        pushed = ws.receive_json()
    assert pushed == {"type": "session_expired", "session_id": reply["session_id"]}


def test_websocket_origin_check(make_client: ClientFactory) -> None:
    client = make_client(cors_origins=["https://www.example.gov.cn"])
    with client.websocket_connect("/v1/ws", headers={"origin": "https://www.example.gov.cn"}) as ws:
        ws.send_json({"type": "ping"})
        assert ws.receive_json()["type"] == "pong"
    with pytest.raises(WebSocketDisconnect) as refused, \
            client.websocket_connect("/v1/ws", headers={"origin": "https://evil.example"}) as ws:
        ws.receive_json()
    assert refused.value.code == 1008
