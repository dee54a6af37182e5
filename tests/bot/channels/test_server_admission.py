"""Admission control: past `limits.max_in_flight` turns, a turn is told "busy" at once with Retry-After, before its
body is read; health, readiness, metrics and static files are never refused."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from bot.flow.simulator import SAMPLE_ID
from bot.server.admission import Admission, AdmissionMiddleware
from bot.server.metrics import Metrics

ClientFactory = Callable[..., TestClient]
BUSY = "系统繁忙，请稍后再试"


def _scope(method: str, path: str, headers: list[tuple[bytes, bytes]] | None = None) -> Scope:
    return {"type": "http", "method": method, "path": path, "headers": headers or []}


class StubApp:
    """An ASGI app that reads its body and answers 200, optionally waiting on `gate` first."""

    def __init__(self, gate: asyncio.Event | None = None) -> None:
        self.gate = gate
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        await receive()
        if self.gate is not None:
            await self.gate.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


async def _call(app: AdmissionMiddleware, scope: Scope) -> tuple[list[Message], int]:
    sent: list[Message] = []
    reads = 0

    async def receive() -> Message:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b'{"text": "x"}', "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent, reads


def test_middleware_refuses_turns_past_the_cap_without_reading_the_body() -> None:
    async def scenario() -> None:
        gate = asyncio.Event()
        metrics = Metrics()
        admission = Admission(1, metrics, jitter=lambda low, high: high)
        stub = StubApp(gate)
        app = AdmissionMiddleware(stub, admission)
        held = asyncio.create_task(_call(app, _scope("POST", "/v1/chat")))
        await asyncio.sleep(0)
        assert admission.in_flight == 1

        sent, reads = await _call(app, _scope("POST", "/webhooks/rest/webhook",
                                              [(b"accept-language", b"zh-TW,zh;q=0.8")]))
        assert reads == 0 and stub.calls == 1
        start, body = sent
        assert start["status"] == 503 and (b"retry-after", b"3") in start["headers"]
        assert body["body"].decode() == '{"detail": "系統繁忙，請稍後再試。", "retry_after": 3}'

        for method, path in (("GET", "/health"), ("GET", "/ready"), ("GET", "/metrics"), ("GET", "/widget.js"),
                             ("GET", "/v1/chat")):
            sent, _ = await _call(AdmissionMiddleware(StubApp(), admission), _scope(method, path))
            assert sent[0]["status"] == 200, path

        gate.set()
        sent, _ = await held
        assert sent[0]["status"] == 200 and admission.in_flight == 0
        sent, reads = await _call(app, _scope("POST", "/v1/chat"))
        assert sent[0]["status"] == 200 and reads == 1
        assert 'daoban_rejected_requests_total{reason="busy"} 1.0' in metrics.render().decode()

    asyncio.run(scenario())


def test_middleware_releases_a_turn_that_fails() -> None:
    async def failing(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    admission = Admission(1, Metrics())
    with pytest.raises(RuntimeError):
        asyncio.run(_call(AdmissionMiddleware(failing, admission), _scope("POST", "/v1/chat")))
    assert admission.in_flight == 0


def test_retry_after_is_jittered_between_one_and_three_seconds() -> None:
    admission = Admission(1, Metrics())
    assert {admission.refuse() for _ in range(200)} == {1, 2, 3}


def test_ws_turn_messages_get_503_while_busy(make_client: ClientFactory) -> None:
    client = make_client(limits={"max_in_flight": 1})
    admission: Admission = client.app.state.admission  # type: ignore[attr-defined]
    with client.websocket_connect("/v1/ws?lang=en") as ws:
        admission.in_flight = 1
        try:
            ws.send_json({"type": "chat", "text": "补办身份证要带什么"})
            refused = ws.receive_json()
            ws.send_json({"type": "ping"})
            pong = ws.receive_json()
        finally:
            admission.in_flight = 0
        ws.send_json({"type": "chat", "text": "补办身份证要带什么"})
        answered = ws.receive_json()
    assert refused["type"] == "error" and refused["status"] == 503 and 1 <= refused["retry_after"] <= 3
    assert refused["detail"].startswith("The system is busy")
    assert pong == {"type": "pong"}
    assert answered["type"] == "reply" and answered["item_id"]
    assert admission.in_flight == 0


@pytest.fixture
def held_server(live_server: Callable[..., Any]) -> Iterator[tuple[Any, threading.Event]]:
    """A live server with max_in_flight=1 whose turns on the robot channel wait until the event is set."""
    server = live_server(limits={"max_in_flight": 1})
    service = server.server.config.app.state.service
    release = threading.Event()
    real_turn: Callable[..., Any] = service.turn

    def turn(*args: Any) -> Any:
        if args[-1] == "robot":
            release.wait(timeout=30)
        return real_turn(*args)

    service.turn = turn
    yield server, release
    release.set()


def test_a_busy_server_answers_503_at_once_and_a_retried_turn_continues(
        held_server: tuple[Any, threading.Event]) -> None:
    server, release = held_server
    with httpx.Client(base_url=server.url, timeout=10) as http:
        first = http.post("/v1/chat", json={"channel": "kiosk", "text": "我要补办身份证"}).json()
        sid = first["session_id"]
        assert first["wait_event"] == "id_card_read"

        held = threading.Thread(target=http.post, args=("/v1/chat",),
                                kwargs={"json": {"channel": "robot", "text": "补办身份证要带什么"}})
        held.start()
        deadline = time.monotonic() + 5
        while b"busy" not in http.get("/metrics").content and time.monotonic() < deadline:
            http.post("/v1/chat", json={"text": "probe"})
        step = {"channel": "kiosk", "session_id": sid, "event": {"type": "id_card_read", "id_number": SAMPLE_ID}}
        refusals = []
        for _ in range(5):
            start = time.perf_counter()
            r = http.post("/v1/chat", json=step)
            refusals.append((r, time.perf_counter() - start))
        rasa = http.post("/webhooks/rest/webhook", json={"sender": "s1", "message": "你好"})
        others = [http.get(path).status_code for path in ("/health", "/ready", "/metrics", "/widget.js")]

        release.set()
        held.join(timeout=10)
        retried = http.post("/v1/chat", json=step)

    for r, elapsed in refusals:
        assert r.status_code == 503 and r.json()["detail"].startswith(BUSY)
        assert r.headers["retry-after"] in {"1", "2", "3"} and elapsed < 0.05, elapsed
    assert rasa.status_code == 503 and "retry-after" in rasa.headers
    assert others == [200, 200, 200, 200]
    assert retried.status_code == 200
    reply = retried.json()
    assert reply["session_id"] == sid and reply["flow"] == first["flow"] and reply["wait_event"] != "id_card_read"


def test_a_burst_gets_only_replies_and_busy_refusals(held_server: tuple[Any, threading.Event]) -> None:
    server, release = held_server

    async def burst() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=40)
        async with httpx.AsyncClient(base_url=server.url, timeout=10, limits=limits) as http:
            held = asyncio.create_task(http.post("/v1/chat", json={"channel": "robot", "text": "你好"}))
            await asyncio.sleep(0.2)
            replies = await asyncio.gather(*(http.post("/v1/chat", json={"text": "补办身份证要带什么"})
                                             for _ in range(40)))
            release.set()
            replies.append(await held)
            replies.append(await http.post("/v1/chat", json={"text": "补办身份证要带什么"}))
            return replies

    replies = asyncio.run(burst())
    statuses = [r.status_code for r in replies]
    assert statuses[-2:] == [200, 200]
    assert set(statuses[:-2]) == {503} and all(1 <= int(r.headers["retry-after"]) <= 3 for r in replies[:-2])
