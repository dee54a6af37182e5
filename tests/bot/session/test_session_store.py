import json
import threading
from pathlib import Path

import pytest

from bot.session.store import MemoryStore, SessionStore, SqliteStore, make_store


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "sqlite"])
def store_and_clock(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[SessionStore, Clock]:
    clock = Clock()
    if request.param == "memory":
        return MemoryStore(clock=clock), clock
    return SqliteStore(tmp_path / "s.sqlite3", clock=clock), clock


def test_put_get_delete(store_and_clock: tuple[SessionStore, Clock]) -> None:
    store, _ = store_and_clock
    assert store.get("a") is None
    store.put("a", {"x": 1, "nested": {"y": [1, 2]}}, ttl_s=60)
    assert store.get("a") == {"x": 1, "nested": {"y": [1, 2]}}
    store.delete("a")
    assert store.get("a") is None


def test_state_comes_back_as_a_copy(store_and_clock: tuple[SessionStore, Clock]) -> None:
    store, _ = store_and_clock
    store.put("a", {"x": [1]}, ttl_s=60)
    got = store.get("a")
    assert got is not None
    got["x"].append(2)
    assert store.get("a") == {"x": [1]}


def test_expiry(store_and_clock: tuple[SessionStore, Clock]) -> None:
    store, clock = store_and_clock
    store.put("a", {"x": 1}, ttl_s=120)
    clock.now += 119
    assert store.get("a") is not None
    clock.now += 2
    assert store.get("a") is None


def test_state_must_be_json(store_and_clock: tuple[SessionStore, Clock]) -> None:
    store, _ = store_and_clock
    with pytest.raises(TypeError):
        store.put("a", {"x": object()}, ttl_s=60)


def test_lock_serialises_one_session(store_and_clock: tuple[SessionStore, Clock]) -> None:
    store, _ = store_and_clock
    store.put("a", {"n": 0}, ttl_s=60)

    def bump() -> None:
        for _ in range(20):
            with store.lock("a"):
                state = store.get("a")
                assert state is not None
                state["n"] += 1
                store.put("a", state, ttl_s=60)

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.get("a") == {"n": 80}


def test_sqlite_survives_a_new_instance(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    SqliteStore(path).put("a", {"step": "confirm"}, ttl_s=60)
    again = SqliteStore(path)
    assert again.get("a") == {"step": "confirm"}
    assert again.purge_expired() == 0


def test_protocol_and_factory(tmp_path: Path) -> None:
    assert isinstance(MemoryStore(), SessionStore)
    assert isinstance(make_store("sqlite", tmp_path / "x.db"), SessionStore)
    with pytest.raises(ValueError):
        make_store("redis")
    assert json.dumps({}) == "{}"
