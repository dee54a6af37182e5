"""The session store as a dependency that comes and goes: a probe with backoff that drives readiness, and a journal
of the sessions a store outage may have cost their flow, so their citizen is told instead of misunderstood."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.session.store import SessionStore, State, StoreUnavailable
from bot.turn import Message

log = logging.getLogger("daoban.server")

Probe = Callable[[], "str | None"]
"""One check of the store: an identity of the running server (changes when it restarts), or None when it does not
answer."""


class StoreMonitor:
    """Probes the store every `interval_s` while it answers; while it does not, retries after 0.25 s, 0.5 s, 1 s, …
    up to `backoff_max_s`. `epoch` grows each time the store goes away or comes back as a new server: state written in
    an older epoch may be gone."""

    def __init__(self, probe: Probe, on_change: Callable[[bool], None] | None = None, interval_s: float = 1.0,
                 backoff_min_s: float = 0.25, backoff_max_s: float = 5.0, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self._probe = probe
        self._on_change = on_change
        self.interval_s = interval_s
        self.backoff_min_s = backoff_min_s
        self.backoff_max_s = backoff_max_s
        self._clock = clock
        self.up = False
        self.epoch = 0
        self.reason: str | None = "not checked yet"
        self.down_since: float | None = clock()
        self._instance: str | None = None
        self._guard = threading.Lock()
        self._wake = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None

    def check(self) -> bool:
        """Probe once now and update `up`; True when the store answered."""
        try:
            instance = self._probe()
        except Exception as exc:
            instance, error = None, f"{type(exc).__name__}: {exc}"
        else:
            error = "no answer"
        if instance is None:
            self.mark_down(error)
            return False
        with self._guard:
            restarted = self._instance is not None and instance != self._instance
            self._instance = instance
            if restarted:
                self.epoch += 1
            was_up, self.up, self.reason = self.up, True, None
            since, self.down_since = self.down_since, None
        if restarted:
            log.warning("session store restarted: sessions written before may be gone",
                        extra={"event": "store_restarted"})
        if not was_up:
            log.info("session store available", extra={
                "event": "store_up", "down_s": round(self._clock() - since, 3) if since is not None else None})
            self._changed(True)
        return True

    def mark_down(self, reason: str) -> None:
        """The store failed (a probe, or a turn that reached it): not ready until a probe succeeds again."""
        with self._guard:
            was_up, self.up, self.reason = self.up, False, reason
            if was_up:
                self.epoch += 1
                self.down_since = self._clock()
        if was_up:
            log.warning("session store unavailable; answering 503 until it is back",
                        extra={"event": "store_down", "reason": reason})
            self._changed(False)
            self._wake.set()

    def _changed(self, up: bool) -> None:
        if self._on_change is not None:
            self._on_change(up)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="daoban-store-monitor", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        backoff: float | None = None
        while True:
            self._wake.wait(self.interval_s if self.up else backoff or self.backoff_min_s)
            self._wake.clear()
            if self._stopped:
                return
            if self.check():
                backoff = None
            else:
                backoff = self.backoff_min_s if backoff is None else min(self.backoff_max_s, backoff * 2)


class FlowJournal:
    """The sessions this instance left waiting in a flow: id → (epoch written, deadline, language). Bounded; an entry
    lives as long as the session's TTL."""

    def __init__(self, limit: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: dict[str, tuple[int, float, str]] = {}
        self._limit = limit
        self._clock = clock
        self._guard = threading.Lock()

    def note(self, session_id: str, state: State, ttl_s: int, epoch: int) -> None:
        with self._guard:
            if not state.get("flow"):
                self._entries.pop(session_id, None)
                return
            if len(self._entries) >= self._limit:
                self._purge()
            self._entries[session_id] = (epoch, self._clock() + ttl_s, str(state.get("lang") or "zh-Hans"))

    def forget(self, session_id: str) -> None:
        with self._guard:
            self._entries.pop(session_id, None)

    def suspect(self, session_id: str, epoch: int) -> str | None:
        """The session's language when it was in a flow before the store went away (its state may be lost)."""
        with self._guard:
            entry = self._entries.get(session_id)
            if entry is None:
                return None
            if entry[1] <= self._clock():
                del self._entries[session_id]
                return None
            return entry[2] if entry[0] < epoch else None

    def _purge(self) -> None:
        now = self._clock()
        live = {k: v for k, v in self._entries.items() if v[1] > now}
        if len(live) >= self._limit:
            live = dict(sorted(live.items(), key=lambda kv: kv[1][1])[len(live) // 2:])
        self._entries = live

    def __len__(self) -> int:
        return len(self._entries)


class WatchedStore:
    """A store that comes and goes (Redis): each failure marks it down at once, and each write is journalled."""

    def __init__(self, inner: SessionStore, monitor: StoreMonitor, journal: FlowJournal) -> None:
        self.inner = inner
        self.monitor = monitor
        self.journal = journal

    @contextmanager
    def _watch(self) -> Iterator[None]:
        try:
            yield
        except StoreUnavailable as exc:
            self.monitor.mark_down(str(exc))
            raise

    def get(self, session_id: str) -> State | None:
        with self._watch():
            return self.inner.get(session_id)

    def put(self, session_id: str, state: State, ttl_s: int) -> None:
        with self._watch():
            self.inner.put(session_id, state, ttl_s)
        self.journal.note(session_id, state, ttl_s, self.monitor.epoch)

    def delete(self, session_id: str) -> None:
        with self._watch():
            self.inner.delete(session_id)
        self.journal.forget(session_id)

    def expired(self, session_id: str) -> bool:
        with self._watch():
            return self.inner.expired(session_id)

    @contextmanager
    def lock(self, session_id: str) -> Iterator[None]:
        with self._watch(), self.inner.lock(session_id):
            yield

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()


def probe_of(store: Any) -> Probe | None:
    """The store's probe (`instance()`), when it is one that can go away and come back (Redis)."""
    probe = getattr(store, "instance", None)
    return probe if callable(probe) else None


@lru_cache(maxsize=1)
def _notices() -> dict[str, Any]:
    data = yaml.safe_load((Path(__file__).parent / "data" / "notices.yaml").read_text(encoding="utf-8"))
    return dict(data)


def notice(key: str, lang: str | None) -> Message:
    """A service notice (`store_unavailable`, `session_lost`, `busy`) in zh-Hans, zh-Hant or English."""
    entry = _notices()[key]
    lang = lang if lang in ("zh-Hans", "zh-Hant", "en") else "zh-Hans"
    speech = entry.get("speech") or {}
    text = str(entry.get(lang) or entry["zh-Hans"])
    return Message(text, str(speech.get(lang) or text))
