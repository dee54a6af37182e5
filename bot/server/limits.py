"""Request hardening: body size cap, a per-client token bucket, and the uvicorn settings and read deadline that
bound what a client can make the server hold (frame sizes, slow or unfinished requests, idle connections)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import OrderedDict
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.server.config import ServiceConfig
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

    FREE_PREFIXES = ("/health", "/ready", "/metrics", "/widget.", "/demo.", "/docs", "/static/", "/favicon")

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


def _base_protocol() -> type[Any]:
    """uvicorn's own choice of HTTP protocol (httptools when installed, else h11)."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    return AutoHTTPProtocol


def deadline_protocol(timeout_s: float) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol with a read deadline: a connection gets `timeout_s` from its first byte (or from
    opening, for one that sends nothing) until its request is in, headers and body; past it, 408 and closed.

    uvicorn itself waits forever for headers and bodies that never finish, so a few hundred such connections would
    hold the service's sockets and memory."""
    base = _base_protocol()

    class DeadlineProtocol(base):  # type: ignore[misc, valid-type]
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            cycle = getattr(self, "cycle", None)
            if cycle is None or cycle.response_complete or cycle.more_body:
                self._arm()
            else:
                self._disarm()

        def on_response_complete(self) -> None:
            self._disarm()
            super().on_response_complete()

        def handle_websocket_upgrade(self, *args: Any) -> Any:
            self._disarm()
            return super().handle_websocket_upgrade(*args)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            if self._deadline is None and not self.transport.is_closing():
                self._deadline = self.loop.call_later(timeout_s, self._expired)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expired(self) -> None:
            self._deadline = None
            if self.transport.is_closing():
                return
            cycle = getattr(self, "cycle", None)
            if cycle is None or cycle.response_complete or not cycle.response_started:
                if cycle is not None and not cycle.response_complete:
                    cycle.disconnected = True
                    cycle.message_event.set()
                self.transport.write(_TIMEOUT_RESPONSE)
            self.transport.close()

    DeadlineProtocol.__name__ = DeadlineProtocol.__qualname__ = f"Deadline{base.__name__}"
    return DeadlineProtocol


_TIMEOUT_BODY = b'{"detail":"request not received in time"}'
_TIMEOUT_RESPONSE = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
                     b"content-length: " + str(len(_TIMEOUT_BODY)).encode() + b"\r\nconnection: close\r\n\r\n"
                     + _TIMEOUT_BODY)


def uvicorn_options(config: ServiceConfig) -> dict[str, Any]:
    """The uvicorn settings that enforce `config.limits` below the app: WebSocket frames over the largest allowed
    message are refused while being read (uvicorn's default lets 16 MiB through), slow requests time out, idle
    keep-alive connections close."""
    limits = config.limits
    largest_frame = max(limits.max_body_bytes, config.voice.max_frame_bytes if config.voice.enabled else 0)
    return {"http": deadline_protocol(limits.request_timeout_s), "ws_max_size": largest_frame,
            "ws_max_queue": 8, "timeout_keep_alive": limits.keep_alive_s,
            "h11_max_incomplete_event_size": max(8_192, limits.max_body_bytes)}
