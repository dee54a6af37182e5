from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.channels.app import create_app
from bot.server.config import ServiceConfig

ClientFactory = Callable[..., TestClient]

QUESTION = "补办身份证要带什么材料"


def test_new_session_answer_card_and_follow_up(client: TestClient) -> None:
    r = client.post("/v1/chat", json={"text": QUESTION})
    assert r.status_code == 200
    reply = r.json()
    assert reply["session_id"]
    assert reply["item_id"] == "HZ-003"
    assert reply["card"]["title"] and reply["card"]["materials"]
    assert reply["messages"][0]["text"] and reply["messages"][0]["speech"]
    assert reply["buttons"]

    r = client.post("/v1/chat", json={"session_id": reply["session_id"], "text": "那要多少钱？"})
    follow = r.json()
    assert follow["session_id"] == reply["session_id"]
    assert follow["item_id"] == "HZ-003" and follow["field"] == "fee"
    assert "40" in follow["messages"][0]["text"]


def test_a_session_id_the_client_names_starts_that_session_silently(client: TestClient) -> None:
    first = client.post("/v1/chat", json={"session_id": "kiosk-7-new", "text": QUESTION}).json()
    assert first["session_id"] == "kiosk-7-new"
    assert not any("会话已结束" in m["text"] for m in first["messages"])
    follow = client.post("/v1/chat", json={"session_id": "kiosk-7-new", "text": "那要多少钱"}).json()
    assert not any("会话已结束" in m["text"] for m in follow["messages"])
    assert follow["item_id"] == first["item_id"] and follow["field"] == "fee"


def test_a_malformed_session_id_is_a_clear_error(client: TestClient) -> None:
    r = client.post("/v1/chat", json={"session_id": "no such/session", "text": QUESTION})
    assert r.status_code == 422 and "session_id" in r.text


def test_event_turn_and_language_choice(client: TestClient) -> None:
    r = client.post("/v1/chat", json={"event": {"type": "no_input"}, "channel": "kiosk"})
    assert r.status_code == 200
    r = client.post("/v1/chat", json={"text": "How do I replace a lost ID card?", "lang": "en"})
    assert r.status_code == 200 and r.json()["lang"] == "en"


@pytest.mark.parametrize(("body", "where"), [
    ({}, "body"),
    ({"text": "a", "event": {"type": "payment_done"}}, "body"),
    ({"text": ""}, "body.text"),
    ({"text": "hi", "lang": "fr"}, "body.lang"),
    ({"text": "hi", "channel": "fax"}, "body.channel"),
    ({"text": "hi", "extra": 1}, "body.extra"),
    ({"text": "hi", "session_id": "bad id with spaces"}, "body.session_id"),
    ({"event": {"type": "1bad"}}, "body.event.type"),
    ({"event": {"name": "payment_done"}}, "body.event.type"),
    ({"text": 5}, "body.text"),
])
def test_schema_errors_are_422_with_a_readable_message(client: TestClient, body: dict, where: str) -> None:
    r = client.post("/v1/chat", json=body)
    assert r.status_code == 422
    data = r.json()
    assert data["detail"].startswith(where)
    assert data["errors"] and all("input" not in e for e in data["errors"])


def test_malformed_json_is_422(client: TestClient) -> None:
    r = client.post("/v1/chat", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_text_length_and_body_size_limits(make_client: ClientFactory) -> None:
    client = make_client(limits={"max_text_chars": 50, "max_body_bytes": 1024})
    r = client.post("/v1/chat", json={"text": "办" * 51})
    assert r.status_code == 422 and "longer than 50" in r.json()["detail"]
    r = client.post("/v1/chat", json={"text": "x", "event": None, "lang": None, "pad": "y" * 2000})
    assert r.status_code == 413
    chunks = (b"{\"text\": \"" + b"a" * 600 for _ in range(3))
    r = client.post("/v1/chat", content=chunks, headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_rate_limit_per_client(make_client: ClientFactory) -> None:
    client = make_client(rate_limit={"enabled": True, "rate": 0.5, "burst": 3})
    codes = [client.post("/v1/chat", json={"text": QUESTION}).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    r = client.post("/v1/chat", json={"text": QUESTION})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert client.get("/health").status_code == 200
    other = client.post("/v1/chat", json={"text": QUESTION}, headers={"x-forwarded-for": "10.0.0.9"})
    assert other.status_code == 429


def test_cors_for_configured_origins_only(make_client: ClientFactory) -> None:
    client = make_client(cors_origins=["https://www.example.gov.cn"])
    pre = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    ok = client.options("/v1/chat", headers={"Origin": "https://www.example.gov.cn", **pre})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "https://www.example.gov.cn"
    bad = client.options("/v1/chat", headers={"Origin": "https://evil.example", **pre})
    assert "access-control-allow-origin" not in bad.headers
    r = client.post("/v1/chat", json={"text": QUESTION}, headers={"Origin": "https://www.example.gov.cn"})
    assert r.headers["access-control-allow-origin"] == "https://www.example.gov.cn"


def test_health_ready_metrics_docs(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"
    assert client.get("/ready").json()["status"] == "ready"
    client.post("/v1/chat", json={"text": QUESTION})
    client.post("/v1/chat", json={"text": "我要跟人工说"})
    text = client.get("/metrics").text
    assert 'daoban_turns_total{channel="web",kind="text"}' in text
    assert "daoban_turn_latency_seconds_bucket" in text
    assert "daoban_handoffs_total" in text and "daoban_errors_total" in text
    assert "process_resident_memory_bytes" in text
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/chat", "/webhooks/rest/webhook", "/v1/feedback", "/health", "/ready", "/metrics"} <= set(paths)


def test_not_ready_until_loaded(config_factory: Callable[..., ServiceConfig]) -> None:
    app = create_app(config_factory())
    client = TestClient(app)
    assert client.get("/health").status_code == 200
    r = client.get("/ready")
    assert r.status_code == 503 and r.json()["status"] == "loading"
    r = client.post("/v1/chat", json={"text": QUESTION})
    assert r.status_code == 503 and r.headers["retry-after"]


def test_internal_errors_hide_the_stack_trace(make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    client = make_client()
    service = client.app.state.service  # type: ignore[attr-defined]

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret detail 110101199003077777")

    monkeypatch.setattr(service.assistant, "handle", boom)
    r = client.post("/v1/chat", json={"text": QUESTION})
    assert r.status_code == 500
    assert set(r.json()) == {"detail", "error_id"}
    assert "secret" not in r.text and "Traceback" not in r.text
    assert 'daoban_errors_total{kind="turn"} 1.0' in client.get("/metrics").text


def test_demo_page_and_widget_files(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "示例市公安局便民服务中心" in page.text and "示例" in page.text
    assert '<script src="/widget.js"' in page.text
    js = client.get("/widget.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert client.get("/widget.css").status_code == 200


def test_kiosk_drives_a_flow_with_events(client: TestClient) -> None:
    from bot.flow.simulator import SAMPLE_ID

    def turn(sid: str | None, **body: object) -> dict:
        r = client.post("/v1/chat", json={"channel": "kiosk", **({"session_id": sid} if sid else {}), **body})
        assert r.status_code == 200, r.text
        return r.json()

    reply = turn(None, text="我要补办身份证")
    sid = reply["session_id"]
    assert reply["actions"] == [{"type": "kiosk", "do": "read_id_card"}] and reply["wait_event"] == "id_card_read"
    for event in ({"type": "id_card_read", "id_number": SAMPLE_ID}, {"type": "photo_ok"}, {"type": "fingerprint_ok"}):
        reply = turn(sid, event=event)
    assert reply["step"] == "confirm" and SAMPLE_ID not in str(reply)
    reply = turn(sid, text="确认")
    assert reply["actions"][0]["type"] == "show_qr" and reply["wait_event"] == "payment_done"
    reply = turn(sid, event={"type": "payment_done", "amount": reply["actions"][0]["amount"]})
    reply = turn(sid, text="到受理点领取")
    reply = turn(sid, event={"type": "printed"})
    assert any("办理完成" in m["text"] for m in reply["messages"])
    fresh = turn(sid, text="你好")
    assert fresh["kind"] == "social:greeting" and fresh["flow"] is None
    assert not any("重新开始" in m["text"] for m in fresh["messages"])


def test_a_broken_knowledge_base_fails_health_and_readiness(config_factory: Callable[..., ServiceConfig],
                                                            tmp_path: Path) -> None:
    empty = tmp_path / "empty-kb"
    empty.mkdir()
    with TestClient(create_app(config_factory(kb_dir=empty))) as client:
        for _ in range(200):
            if client.get("/health").status_code == 503:
                break
            time.sleep(0.02)
        assert client.get("/health").json()["status"] == "failed"
        assert client.get("/ready").json()["status"] == "failed"
        r = client.post("/v1/chat", json={"text": QUESTION})
        assert r.status_code == 503 and "Traceback" not in r.text
