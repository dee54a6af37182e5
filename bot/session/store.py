"""Session state behind one small interface: in memory (default), SQLite (survives a restart), Redis (service)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from bot.session.locks import KeyedLocks

State = dict[str, Any]
ENDED_MEMORY_S = 86400
"""How long the store remembers that a session expired, to tell its client once that it ended."""


class StoreUnavailable(RuntimeError):
    """The session store did not answer (down, hung or refusing): the turn cannot be served now, retry later."""


@runtime_checkable
class SessionStore(Protocol):
    """State is a plain JSON-serialisable dict; `lock` serialises turns of one session."""

    def get(self, session_id: str) -> State | None: ...

    def put(self, session_id: str, state: State, ttl_s: int) -> None: ...

    def delete(self, session_id: str) -> None: ...

    def expired(self, session_id: str) -> bool:
        """True once after the session's state expired; False for a deleted or never-seen session."""
        ...

    def lock(self, session_id: str) -> AbstractContextManager[None]: ...


def _dump(state: State) -> str:
    return json.dumps(state, ensure_ascii=False, separators=(",", ":"))


class MemoryStore:
    """A dict of JSON strings with expiry times: what comes back is always a fresh copy."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._data: dict[str, tuple[float, str]] = {}
        self._ended: dict[str, float] = {}
        self._guard = threading.Lock()
        self._locks = KeyedLocks()

    def get(self, session_id: str) -> State | None:
        with self._guard:
            entry = self._data.get(session_id)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                self._end(session_id)
                return None
            return dict(json.loads(entry[1]))

    def _end(self, session_id: str) -> None:
        del self._data[session_id]
        now = self._clock()
        if len(self._ended) >= 65536:
            self._ended = {k: t for k, t in self._ended.items() if t > now}
        self._ended[session_id] = now + ENDED_MEMORY_S

    def expired(self, session_id: str) -> bool:
        with self._guard:
            entry = self._data.get(session_id)
            if entry is not None and entry[0] <= self._clock():
                self._end(session_id)
            until = self._ended.pop(session_id, None)
            return until is not None and until > self._clock()

    def put(self, session_id: str, state: State, ttl_s: int) -> None:
        text = _dump(state)
        with self._guard:
            self._data[session_id] = (self._clock() + ttl_s, text)
            if len(self._data) % 256 == 0:
                self._purge()

    def delete(self, session_id: str) -> None:
        with self._guard:
            self._data.pop(session_id, None)

    def lock(self, session_id: str) -> AbstractContextManager[None]:
        return self._locks.hold(session_id)

    def _purge(self) -> None:
        now = self._clock()
        for key in [k for k, (exp, _) in self._data.items() if exp <= now]:
            self._end(key)

    def __len__(self) -> int:
        with self._guard:
            self._purge()
            return len(self._data)


class SqliteStore:
    """One table in a WAL-mode database; one connection per thread; wall-clock expiry so it survives restarts."""

    def __init__(self, path: Path | str, clock: Any = time.time) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._local = threading.local()
        self._locks = KeyedLocks()
        with self._conn() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, state TEXT NOT NULL, "
                         "expires REAL NOT NULL)")
            conn.execute("CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires)")
            conn.execute("CREATE TABLE IF NOT EXISTS ended (id TEXT PRIMARY KEY, until REAL NOT NULL)")

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=10000")
            self._local.conn = conn
        return conn

    def get(self, session_id: str) -> State | None:
        row = self._conn().execute("SELECT state, expires FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            return None
        if row[1] <= self._clock():
            self._end(session_id)
            return None
        return dict(json.loads(row[0]))

    def _end(self, session_id: str) -> None:
        conn = self._conn()
        conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        conn.execute("INSERT OR REPLACE INTO ended (id, until) VALUES (?, ?)",
                     (session_id, self._clock() + ENDED_MEMORY_S))

    def expired(self, session_id: str) -> bool:
        row = self._conn().execute("SELECT expires FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is not None and row[0] <= self._clock():
            self._end(session_id)
        cur = self._conn().execute("DELETE FROM ended WHERE id = ? AND until > ?", (session_id, self._clock()))
        return cur.rowcount > 0

    def put(self, session_id: str, state: State, ttl_s: int) -> None:
        self._conn().execute("INSERT INTO sessions (id, state, expires) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE "
                             "SET state = excluded.state, expires = excluded.expires",
                             (session_id, _dump(state), self._clock() + ttl_s))

    def delete(self, session_id: str) -> None:
        self._conn().execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    def lock(self, session_id: str) -> AbstractContextManager[None]:
        return self._locks.hold(session_id)

    def purge_expired(self) -> int:
        conn, now = self._conn(), self._clock()
        conn.execute("INSERT OR REPLACE INTO ended (id, until) SELECT id, ? FROM sessions WHERE expires <= ?",
                     (now + ENDED_MEMORY_S, now))
        conn.execute("DELETE FROM ended WHERE until <= ?", (now,))
        cur = conn.execute("DELETE FROM sessions WHERE expires <= ?", (now,))
        return int(cur.rowcount)

    def close(self) -> None:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def make_store(kind: str = "memory", path: Path | str | None = None) -> SessionStore:
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        from bot.paths import data_dir

        return SqliteStore(path or data_dir() / "sessions.sqlite3")
    raise ValueError(f"unknown session store {kind!r}: use memory or sqlite")
