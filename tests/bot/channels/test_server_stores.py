from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.flow.simulator import SAMPLE_ID
from bot.session.redis_store import RedisStore, SessionLockTimeout

ClientFactory = Callable[..., TestClient]
KEY = "shared-session-key-for-all-instances"


def test_redis_store_roundtrip_and_ttl(redis_url: str) -> None:
    store = RedisStore(redis_url, prefix="t1")
    assert store.get("s1") is None
    store.put("s1", {"lang": "zh-Hant", "slots": {"n": 1}}, ttl_s=1)
    assert store.get("s1") == {"lang": "zh-Hant", "slots": {"n": 1}}
    assert 0 < store.client.ttl("t1:s:s1") <= 1
    time.sleep(1.2)
    assert store.get("s1") is None
    store.put("s2", {"a": 1}, ttl_s=60)
    store.delete("s2")
    assert store.get("s2") is None
    store.client.set("t1:s:junk", b"\xff not json")
    assert store.get("junk") is None
    assert store.ping()


def test_redis_lock_is_shared_across_instances(redis_url: str) -> None:
    a = RedisStore(redis_url, prefix="t2")
    b = RedisStore(redis_url, prefix="t2", wait_s=0.2)
    order: list[str] = []
    with a.lock("s"):
        with pytest.raises(SessionLockTimeout), b.lock("s"):
            pass
        worker = threading.Thread(target=lambda: _locked(RedisStore(redis_url, prefix="t2"), order))
        worker.start()
        time.sleep(0.1)
        order.append("a")
    worker.join(5)
    assert order == ["a", "b"]
    with b.lock("s"):
        pass


def _locked(store: RedisStore, order: list[str]) -> None:
    with store.lock("s"):
        order.append("b")


def test_redis_lock_expires_when_its_holder_dies(redis_url: str) -> None:
    dead = RedisStore(redis_url, prefix="t3", lock_ttl_s=0.3)
    dead.client.lock("t3:lock:s", timeout=0.3).acquire()
    with RedisStore(redis_url, prefix="t3", wait_s=2).lock("s"):
        pass


def _step(client: TestClient, sid: str | None, text: str) -> dict:
    body = {"text": text} if sid is None else {"session_id": sid, "text": text}
    r = client.post("/v1/chat", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def _button(reply: dict, title_part: str) -> str:
    return next(b["payload"] for b in reply["buttons"] if title_part in b["title"])


def test_flow_started_on_one_instance_continues_on_another(make_client: ClientFactory, redis_url: str,
                                                           tmp_path: Path) -> None:
    a = make_client(store="redis", redis_url=redis_url, session_key=KEY, data_dir=tmp_path / "a")
    b = make_client(store="redis", redis_url=redis_url, session_key=KEY, data_dir=tmp_path / "b")
    assert a.app.state.service.assistant is not b.app.state.service.assistant  # type: ignore[attr-defined]

    start = _step(a, None, "我要补办身份证")
    sid = start["session_id"]
    assert start["flow"] == "id_card_reissue" and start["step"] == "id_number"
    confirm = _step(b, sid, SAMPLE_ID)
    assert confirm["session_id"] == sid and confirm["step"] == "confirm"
    delivery = _step(a, sid, _button(confirm, "确认"))
    assert delivery["step"] == "delivery"
    done = _step(b, sid, _button(delivery, "领取"))
    assert any("办理完成" in m["text"] for m in done["messages"])

    raw = RedisStore(redis_url).client.get(f"daoban:s:{sid}")
    assert raw is None or SAMPLE_ID.encode() not in raw


def test_parallel_turns_on_one_session_do_not_corrupt_it(make_client: ClientFactory, redis_url: str,
                                                         tmp_path: Path) -> None:
    a = make_client(store="redis", redis_url=redis_url, session_key=KEY, data_dir=tmp_path / "a")
    b = make_client(store="redis", redis_url=redis_url, session_key=KEY, data_dir=tmp_path / "b")
    sid = _step(a, None, "补办身份证要带什么材料")["session_id"]
    results: list[int] = []

    def ask(client: TestClient) -> None:
        for _ in range(5):
            results.append(client.post("/v1/chat", json={"session_id": sid, "text": "那要多少钱？"}).status_code)

    threads = [threading.Thread(target=ask, args=(c,)) for c in (a, b, a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 20
    assert _step(b, sid, "在哪办")["item_id"] == "HZ-003"


def test_sqlite_store_survives_a_restart_mid_flow(live_server: Callable, tmp_path: Path) -> None:
    db = tmp_path / "sessions.sqlite3"
    first = live_server(store="sqlite", db_path=db)
    with httpx.Client(base_url=first.url, timeout=10) as http:
        start = http.post("/v1/chat", json={"text": "我要补办身份证"}).json()
        sid = start["session_id"]
        confirm = http.post("/v1/chat", json={"session_id": sid, "text": SAMPLE_ID}).json()
        assert confirm["step"] == "confirm"
    first.stop()

    second = live_server(port=first.port, store="sqlite", db_path=db)
    assert second.url == first.url
    with httpx.Client(base_url=second.url, timeout=10) as http:
        delivery = http.post("/v1/chat", json={"session_id": sid, "text": _button(confirm, "确认")}).json()
        assert delivery["session_id"] == sid and delivery["step"] == "delivery"
        done = http.post("/v1/chat", json={"session_id": sid, "text": _button(delivery, "领取")}).json()
        assert any("办理完成" in m["text"] for m in done["messages"])
    assert SAMPLE_ID.encode() not in db.read_bytes()
