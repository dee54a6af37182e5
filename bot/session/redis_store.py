"""Session state in Redis, so several `daoban serve` instances behind a load balancer share conversations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

from bot.session.store import ENDED_MEMORY_S

if TYPE_CHECKING:
    import redis


class SessionLockTimeout(RuntimeError):
    """Another instance kept the session locked for longer than `wait_s`."""


class RedisStore:
    """JSON state under `<prefix>:s:<id>` with a TTL; a distributed per-session lock (SET NX PX + token)."""

    def __init__(self, url: str = "redis://127.0.0.1:6379/0", prefix: str = "daoban", lock_ttl_s: float = 10.0,
                 wait_s: float = 5.0, client: redis.Redis | None = None) -> None:
        import redis

        self.client = client or redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2,
                                                     health_check_interval=30)
        self._lock_error: type[Exception] = redis.exceptions.LockError
        self._redis_error: type[Exception] = redis.RedisError
        self.prefix = prefix
        self.lock_ttl_s = lock_ttl_s
        self.wait_s = wait_s

    def _key(self, session_id: str) -> str:
        return f"{self.prefix}:s:{session_id}"

    def get(self, session_id: str) -> dict[str, Any] | None:
        raw = self.client.get(self._key(session_id))
        if raw is None:
            return None
        try:
            state = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return None
        return state if isinstance(state, dict) else None

    def _seen_key(self, session_id: str) -> str:
        return f"{self.prefix}:seen:{session_id}"

    def put(self, session_id: str, state: dict[str, Any], ttl_s: int) -> None:
        """The state, and beside it for a day longer a marker that the session existed (see `expired`)."""
        payload = json.dumps(state, ensure_ascii=False, separators=(",", ":"), default=str)
        ttl = max(1, int(ttl_s))
        pipe = self.client.pipeline(transaction=False)
        pipe.set(self._key(session_id), payload, ex=ttl)
        pipe.set(self._seen_key(session_id), b"1", ex=ttl + ENDED_MEMORY_S)
        pipe.execute()

    def delete(self, session_id: str) -> None:
        self.client.delete(self._key(session_id), self._seen_key(session_id))

    def expired(self, session_id: str) -> bool:
        if self.client.exists(self._key(session_id)):
            return False
        return bool(self.client.delete(self._seen_key(session_id)))

    @contextmanager
    def lock(self, session_id: str) -> Iterator[None]:
        """Held by one process at a time across every instance; expires by itself if its holder dies."""
        lock = self.client.lock(f"{self.prefix}:lock:{session_id}", timeout=self.lock_ttl_s, sleep=0.005,
                                blocking_timeout=self.wait_s)
        if not lock.acquire():
            raise SessionLockTimeout(f"session busy for more than {self.wait_s:g} s")
        try:
            yield
        finally:
            with suppress(self._lock_error):
                lock.release()

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except self._redis_error:
            return False

    def close(self) -> None:
        self.client.close()
