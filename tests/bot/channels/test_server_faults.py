"""Faults with the real parts: a redis-server stopped, hung (SIGSTOP) and restarted under a running service and at
start-up; a knowledge base with a missing item file at start and on reload."""

from __future__ import annotations

import itertools
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from bot.channels.app import create_app
from bot.server.config import ServiceConfig
from knowledge.loader import default_data_dir

ClientFactory = Callable[..., TestClient]
BUSY = "系统繁忙，请稍后再试或到人工窗口办理"
KEY = "session-key-shared-by-fault-tests"
HZ1_IDS = [f"HZ-{n:03d}" for n in range(1, 36)]


class RedisServer:
    """A redis-server of our own on a fixed loopback port, to kill, hang, resume and start again (no persistence:
    a restart loses every session, as a crashed cache would)."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed (apt-get install redis-server)")
        self.binary = binary
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        self.proc = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.workdir)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1)
        _until(lambda: _pings(client), 10, "redis-server did not start")
        client.close()
        return self

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.proc = None

    def pause(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def close(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pings(client: Any) -> bool:
    import redis

    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def _until(check: Callable[[], bool], seconds: float, message: str) -> float:
    """Poll `check` until it holds; the seconds it took."""
    t0 = time.monotonic()
    while not check():
        if time.monotonic() - t0 > seconds:
            raise AssertionError(message)
        time.sleep(0.05)
    return time.monotonic() - t0


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    yield server
    server.close()


def _redis_client(make_client: ClientFactory, server: RedisServer) -> TestClient:
    return make_client(store="redis", redis_url=server.url, session_key=KEY, store_retry_max_s=0.5)


def _status(client: TestClient, path: str = "/ready") -> int:
    return client.get(path).status_code


def _metric(client: TestClient, name: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"metric {name} not found")


def _assert_busy(r: Any, seconds: float) -> None:
    assert r.status_code == 503, r.text
    assert int(r.headers["Retry-After"]) > 0
    assert BUSY in r.json()["detail"]
    assert seconds < 1.0, f"took {seconds:.2f} s"


def _timed_post(client: TestClient, path: str, **kwargs: Any) -> tuple[Any, float]:
    t0 = time.monotonic()
    r = client.post(path, **kwargs)
    return r, time.monotonic() - t0


def _rasa(client: TestClient, sender: str, message: str) -> tuple[Any, float]:
    token = client.app.state.service.config.rasa_token_value  # type: ignore[attr-defined]
    return _timed_post(client, "/webhooks/rest/webhook", json={"sender": sender, "message": message},
                       params={"token": token})


def test_started_while_redis_is_down_it_becomes_ready_when_redis_comes_up(
        warm_engine: Any, config_factory: Callable[..., ServiceConfig], redis_server: RedisServer) -> None:
    config = config_factory(warmup=True, store="redis", redis_url=redis_server.url, session_key=KEY,
                            store_retry_max_s=0.5)
    with TestClient(create_app(config, engine=warm_engine), raise_server_exceptions=False) as client:
        service = client.app.state.service  # type: ignore[attr-defined]
        _until(lambda: service.loaded or service.failure, 60, "the service did not load")
        assert service.failure is None
        assert client.get("/health").status_code == 200
        ready = client.get("/ready")
        assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
        assert _metric(client, "daoban_ready") == 0.0 and _metric(client, "daoban_store_up") == 0.0
        r, took = _timed_post(client, "/v1/chat", json={"text": "补办身份证要带什么材料"})
        _assert_busy(r, took)

        redis_server.start()
        waited = _until(lambda: _status(client) == 200, 5, "not ready after Redis came up")
        assert waited < 2.0
        assert _metric(client, "daoban_ready") == 1.0
        r = client.post("/v1/chat", json={"text": "补办身份证要带什么材料"})
        assert r.status_code == 200 and r.json()["item_id"] == "HZ-003"


def test_redis_killed_under_a_running_service_answers_503_then_tells_the_citizen_the_flow_was_lost(
        make_client: ClientFactory, redis_server: RedisServer) -> None:
    redis_server.start()
    client = _redis_client(make_client, redis_server)
    start = {"event": {"type": "start_flow", "flow": "id_card_reissue"}}
    started = client.post("/v1/chat", json=start).json()
    sid = started["session_id"]
    assert started["flow"] == "id_card_reissue" and started["step"]
    on_socket = client.post("/v1/chat", json=start).json()["session_id"]
    assert _rasa(client, "kiosk-3", "我要补办身份证")[0].json()[-1]["custom"]["flow"] == "id_card_reissue"

    redis_server.kill()
    assert _until(lambda: _status(client) == 503, 3, "/ready stayed 200 with Redis down") < 2.0
    assert _metric(client, "daoban_ready") == 0.0
    assert client.get("/ready").json()["status"] == "unavailable"
    _assert_busy(*_timed_post(client, "/v1/chat", json={"session_id": sid, "text": "13812345678"}))
    _assert_busy(*_rasa(client, "kiosk-3", "重复"))
    english, took = _timed_post(client, "/v1/chat", json={"text": "How do I replace a lost ID card?"})
    assert english.status_code == 503 and "busy" in english.json()["detail"] and took < 1.0
    with client.websocket_connect("/v1/ws") as ws:
        ws.send_json({"session_id": sid, "text": "13812345678"})
        error = ws.receive_json()
        assert error["type"] == "error" and error["status"] == 503 and BUSY in error["detail"]
        assert error["retry_after"] > 0
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}

    redis_server.start()
    _until(lambda: _status(client) == 200, 5, "not ready after Redis came back")
    lost = client.post("/v1/chat", json={"session_id": sid, "text": "13812345678"})
    assert lost.status_code == 200
    body = lost.json()
    assert body["kind"] == "session_lost" and body["session_id"] == sid
    assert "中断" in body["messages"][0]["text"] and body["item_id"] is None and body["flow"] is None
    again = client.post("/v1/chat", json={"session_id": sid, "text": "补办身份证要带什么材料"}).json()
    assert again["kind"] != "session_lost" and again["item_id"] == "HZ-003"
    with client.websocket_connect(f"/v1/ws?session_id={on_socket}") as ws:
        ws.send_json({"text": "13812345678"})
        assert ws.receive_json()["kind"] == "session_lost"
    rasa_after, _ = _rasa(client, "kiosk-3", "13812345678")
    assert rasa_after.status_code == 200 and rasa_after.json()[-1]["custom"]["kind"] == "session_lost"


def test_redis_hung_fails_fast_and_the_flow_goes_on_when_it_resumes(make_client: ClientFactory,
                                                                    redis_server: RedisServer) -> None:
    redis_server.start()
    client = _redis_client(make_client, redis_server)
    started = client.post("/v1/chat", json={"event": {"type": "start_flow", "flow": "id_card_reissue"}}).json()
    sid, step = started["session_id"], started["step"]

    redis_server.pause()
    try:
        _assert_busy(*_timed_post(client, "/v1/chat", json={"session_id": sid, "text": "重复"}))
        assert _until(lambda: _status(client) == 503, 3, "/ready stayed 200 with Redis hung") < 2.0
        with client.websocket_connect("/v1/ws") as ws:
            t0 = time.monotonic()
            ws.send_json({"session_id": sid, "text": "重复"})
            assert ws.receive_json()["status"] == 503 and time.monotonic() - t0 < 1.0
    finally:
        redis_server.resume()
    _until(lambda: _status(client) == 200, 5, "not ready after Redis resumed")
    again = client.post("/v1/chat", json={"session_id": sid, "text": "重复"}).json()
    assert again["kind"] == "command:repeat" and again["flow"] == "id_card_reissue" and again["step"] == step


def test_a_turn_that_meets_a_dead_redis_marks_the_service_unready_at_once(make_client: ClientFactory,
                                                                           redis_server: RedisServer) -> None:
    redis_server.start()
    client = _redis_client(make_client, redis_server)
    service = client.app.state.service  # type: ignore[attr-defined]
    service.monitor.interval_s = 60.0
    redis_server.kill()
    r, took = _timed_post(client, "/v1/chat", json={"text": "补办身份证要带什么材料"})
    _assert_busy(r, took)
    assert client.get("/ready").status_code == 503


@pytest.fixture
def kb_without_hz1(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(default_data_dir(), target)
    (target / "items" / "hz-1.yaml").unlink()
    return target


@contextmanager
def _loaded(config: ServiceConfig) -> Iterator[TestClient]:
    with TestClient(create_app(config), raise_server_exceptions=False) as client:
        service = client.app.state.service  # type: ignore[attr-defined]
        _until(lambda: service.loaded or service.failure is not None, 120, "the service neither loaded nor failed")
        yield client


def test_a_base_missing_an_item_file_is_refused_at_start(config_factory: Callable[..., ServiceConfig],
                                                         kb_without_hz1: Path) -> None:
    with _loaded(config_factory(kb_dir=kb_without_hz1)) as client:
        ready = client.get("/ready")
        assert ready.status_code == 503 and ready.json()["status"] == "failed"
        assert "35 catalogue item(s) missing" in ready.json()["detail"] and "HZ-001–HZ-035" in ready.json()["detail"]
        assert client.get("/health").status_code == 503
        assert client.post("/v1/chat", json={"text": "我要补办身份证"}).status_code == 503


def test_items_the_station_does_not_offer_are_referred_to_a_window(config_factory: Callable[..., ServiceConfig],
                                                                   kb_without_hz1: Path) -> None:
    site_path = kb_without_hz1 / "site.yaml"
    site = yaml.safe_load(site_path.read_text(encoding="utf-8"))
    site["not_offered"] = HZ1_IDS
    site_path.write_text(yaml.safe_dump(site, allow_unicode=True), encoding="utf-8")
    with _loaded(config_factory(kb_dir=kb_without_hz1)) as client:
        assert client.get("/ready").status_code == 200
        reply = client.post("/v1/chat", json={"text": "我要补办身份证"}).json()
        assert reply["item_id"] is None and reply["handoff"] is True
        assert reply["redirect"] == "本所暂不办理的业务"
        assert "暂不办理" in reply["messages"][0]["text"]
        english = client.post("/v1/chat", json={"text": "I lost my ID card, how do I get a new one?"}).json()
        assert english["item_id"] is None and english["handoff"] is True
        assert "another government department" not in english["messages"][0]["text"]
        other = client.post("/v1/chat", json={"text": "护照怎么办理"}).json()
        assert other["item_id"] and other["item_id"].startswith("CRJ")


def test_reload_refuses_a_base_missing_an_item_file_and_keeps_serving(make_client: ClientFactory,
                                                                      tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(default_data_dir(), kb)
    client = make_client(admin_token="reload-token", kb_dir=kb)
    before = client.app.state.service.engine  # type: ignore[attr-defined]
    (kb / "items" / "hz-1.yaml").unlink()
    r = client.post("/admin/reload", headers={"Authorization": "Bearer reload-token"})
    assert r.status_code == 422
    body = r.json()
    assert body["ok"] is False
    missing = next(e for e in body["errors"] if e.get("missing_ids"))
    assert missing["missing_ids"] == HZ1_IDS and "HZ-001–HZ-035" in missing["text"]
    assert client.app.state.service.engine is before  # type: ignore[attr-defined]
    reply = client.post("/v1/chat", json={"text": "我要补办身份证"}).json()
    assert reply["item_id"] == "HZ-003"


def test_the_store_monitor_backs_off_while_down_and_notices_a_restarted_server() -> None:
    from bot.server.outage import StoreMonitor

    answers: list[str | None] = [None] * 6 + ["run-1"] * 3 + ["run-2"] * 1000
    calls: list[float] = []
    changes: list[bool] = []

    def probe() -> str | None:
        calls.append(time.monotonic())
        return answers[min(len(calls) - 1, len(answers) - 1)]

    monitor = StoreMonitor(probe, on_change=changes.append, interval_s=0.05, backoff_min_s=0.02, backoff_max_s=0.08)
    assert monitor.check() is False and not monitor.up
    monitor.start()
    try:
        _until(lambda: len(calls) >= 11, 10, "the monitor stopped probing")
    finally:
        monitor.stop()
    gaps = [b - a for a, b in itertools.pairwise(calls[1:7])]
    for gap, least in zip(gaps, [0.02, 0.04, 0.08, 0.08, 0.08], strict=True):
        assert gap >= least * 0.9, gaps
    assert changes[0] is True and monitor.up
    assert monitor.epoch == 1, "a new run id means the sessions written before may be gone"


def test_the_flow_journal_suspects_only_sessions_in_a_flow_written_before_the_outage() -> None:
    from bot.server.outage import FlowJournal

    now = [0.0]
    journal = FlowJournal(limit=4, clock=lambda: now[0])
    journal.note("in-flow", {"flow": {"name": "id_card_reissue"}, "lang": "en"}, ttl_s=120, epoch=0)
    journal.note("no-flow", {"flow": None, "lang": "zh-Hans"}, ttl_s=120, epoch=0)
    assert journal.suspect("in-flow", epoch=0) is None
    assert journal.suspect("in-flow", epoch=1) == "en"
    assert journal.suspect("no-flow", epoch=1) is None
    journal.note("in-flow", {"flow": None, "lang": "en"}, ttl_s=120, epoch=1)
    assert journal.suspect("in-flow", epoch=2) is None
    journal.note("expires", {"flow": {"name": "x"}}, ttl_s=10, epoch=0)
    now[0] = 11.0
    assert journal.suspect("expires", epoch=1) is None
    for n in range(10):
        journal.note(f"s{n}", {"flow": {"name": "x"}}, ttl_s=100 + n, epoch=0)
    assert len(journal) <= 4 and journal.suspect("s9", epoch=1) == "zh-Hans"
