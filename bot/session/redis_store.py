"""Session state in Redis, so several `daoban serve` instances behind a load balancer share conversations."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, TypeVar

from bot.session.store import ENDED_MEMORY_S, StoreUnavailable

if TYPE_CHECKING:
    import redis

T = TypeVar("T")
DEFAULT_TIMEOUT_S = 0.3
"""Connect and read timeout: a hung Redis fails a turn in this long instead of holding it (a healthy one answers in
well under a millisecond)."""


class SessionLockTimeout(RuntimeError):
    """Another instance kept the session locked for longer than `wait_s`."""


class RedisStore:
    """JSON state under `<prefix>:s:<id>` with a TTL; a distributed per-session lock (SET NX PX + token).

    Every Redis failure (refused, reset, timed out, loading) is raised as `StoreUnavailable`, once, without retries:
    the service answers 503 and its monitor decides when the store is back."""

    def __init__(self, url: str = "redis://127.0.0.1:6379/0", prefix: str = "daoban", lock_ttl_s: float = 10.0,
                 wait_s: float = 5.0, client: redis.Redis | None = None, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self.client = client or redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s,
                                                     retry=Retry(NoBackoff(), 0), health_check_interval=30)
        self._redis_error: type[Exception] = redis.RedisError
        self.prefix = prefix
        self.lock_ttl_s = lock_ttl_s
        self.wait_s = wait_s
        self._orphans: list[tuple[str, str]] = []
        """Locks whose acquisition timed out: a hung server may still apply them when it resumes."""
        self._orphans_guard = threading.Lock()

    def _call(self, what: Callable[[], T]) -> T:
        try:
            return what()
        except self._redis_error as exc:
            raise StoreUnavailable(f"redis: {type(exc).__name__}: {exc}") from exc

    def _key(self, session_id: str) -> str:
        return f"{self.prefix}:s:{session_id}"

    def get(self, session_id: str) -> dict[str, Any] | None:
        raw = self._call(lambda: self.client.get(self._key(session_id)))
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
        self._call(pipe.execute)

    def delete(self, session_id: str) -> None:
        self._call(lambda: self.client.delete(self._key(session_id), self._seen_key(session_id)))

    def expired(self, session_id: str) -> bool:
        if self._call(lambda: self.client.exists(self._key(session_id))):
            return False
        return bool(self._call(lambda: self.client.delete(self._seen_key(session_id))))

    @contextmanager
    def lock(self, session_id: str) -> Iterator[None]:
        """Held by one process at a time across every instance; expires by itself if its holder dies."""
        name = f"{self.prefix}:lock:{session_id}"
        lock = self.client.lock(name, timeout=self.lock_ttl_s, sleep=0.005, blocking_timeout=self.wait_s)
        token = uuid.uuid4().hex
        try:
            acquired = self._call(lambda: lock.acquire(token=token))
        except StoreUnavailable:
            with self._orphans_guard:
                self._orphans.append((name, token))
            raise
        if not acquired:
            raise SessionLockTimeout(f"session busy for more than {self.wait_s:g} s")
        try:
            yield
        finally:
            with suppress(self._redis_error):
                lock.release()

    def ping(self) -> bool:
        return self.instance() is not None

    def instance(self) -> str | None:
        """The server's run id (a restarted Redis has a new one and, without persistence, no sessions); None while
        it does not answer."""
        try:
            info = self.client.info("server")
        except self._redis_error:
            return None
        self._release_orphans()
        return str(info.get("run_id") or "") if isinstance(info, dict) else ""

    def _release_orphans(self) -> None:
        """Release the locks a hung server took for turns that had already failed, so their sessions are not busy
        for `lock_ttl_s` after it resumes (only where the lock still holds our token)."""
        with self._orphans_guard:
            orphans, self._orphans = self._orphans, []
        for name, token in orphans:
            lock = self.client.lock(name, timeout=self.lock_ttl_s)
            lock.local.token = token.encode()
            with suppress(self._redis_error):
                lock.release()

    def close(self) -> None:
        self.client.close()
