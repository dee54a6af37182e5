"""Request hardening: body size cap and a per-client token bucket, both in-process and dependency-free."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.server.metrics import Metrics


class TokenBuckets:
    """One bucket per client key; the least recently used keys are dropped past `max_keys`."""

    def __init__(self, rate: float, burst: int, max_keys: int = 50_000) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        """0.0 when allowed, else the seconds to wait before the next token."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return wait


def client_key(scope: Scope, trust_forwarded: bool) -> str:
    if trust_forwarded:
        for name, value in scope.get("headers", []):
            if name == b"x-forwarded-for":
                return value.decode("latin-1").split(",")[0].strip()
    client = scope.get("client")
    return client[0] if client else "unknown"


async def _send_json(send: Send, status: int, body: dict[str, object], headers: list[tuple[bytes, bytes]]) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": payload})


class BodyLimitMiddleware:
    """413 for a declared or streamed body larger than `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int, metrics: Metrics) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = self.max_bytes + 1
                if declared > self.max_bytes:
                    await self._reject(send)
                    return
        received = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if not too_large:
                await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not too_large:
                raise
        if too_large:
            await self._reject(send)

    async def _reject(self, send: Send) -> None:
        self.metrics.rejected.labels("body_too_large").inc()
        await _send_json(send, 413, {"detail": f"request body larger than {self.max_bytes} bytes"}, [])


class _TooLarge(Exception):
    pass


class RateLimitMiddleware:
    """429 with Retry-After once a client empties its bucket; health, readiness, metrics and static files are free."""

    FREE_PREFIXES = ("/health", "/ready", "/metrics", "/widget.", "/static/", "/favicon")

    def __init__(self, app: ASGIApp, buckets: TokenBuckets, trust_forwarded: bool, metrics: Metrics) -> None:
        self.app = app
        self.buckets = buckets
        self.trust_forwarded = trust_forwarded
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path == "/" or path.startswith(self.FREE_PREFIXES):
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(client_key(scope, self.trust_forwarded))
        if wait > 0:
            self.metrics.rejected.labels("rate_limited").inc()
            retry = str(max(1, int(wait + 0.999))).encode()
            await _send_json(send, 429, {"detail": "too many requests; slow down and retry later"},
                             [(b"retry-after", retry)])
            return
        await self.app(scope, receive, send)
