"""What every WebSocket route shares: the Origin check, one connection cap and gauge, and the per-message size and
rate limits (the frame size itself is capped by the server: `bot.server.limits.uvicorn_options`)."""

from __future__ import annotations

import re
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from fastapi import WebSocket

from bot.channels.wire import SESSION_ID_PATTERN
from bot.server.admission import Admission, is_ws_turn
from bot.server.limits import TokenBuckets, client_key
from bot.server.service import Service

_SESSION_ID = re.compile(SESSION_ID_PATTERN)


def origin_allowed(ws: WebSocket, allowed: list[str]) -> bool:
    """Browsers send Origin on WebSockets and CORS does not apply, so check it here; non-browser clients send none."""
    origin = ws.headers.get("origin")
    if not origin or "*" in allowed or origin in allowed:
        return True
    host = ws.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


def valid_session_id(value: Any) -> bool:
    return isinstance(value, str) and bool(_SESSION_ID.match(value))


class SocketGuard:
    """One socket's share of the limits: counted in `ws_open` and the gauge from accept to close."""

    def __init__(self, ws: WebSocket, service: Service) -> None:
        self.ws = ws
        self.service = service
        self.limits = service.config.limits
        self.buckets: TokenBuckets | None = ws.app.state.buckets
        self.admission: Admission | None = getattr(ws.app.state, "admission", None)
        self.key = client_key(ws.scope, service.config.rate_limit.trust_forwarded)
        self.counted = False

    async def accept(self) -> bool:
        """Accept the socket, or close it (1013 over the cap, 1008 for a foreign Origin) and return False."""
        state = self.ws.app.state
        if state.ws_open >= self.limits.max_ws_connections:
            self.service.metrics.rejected.labels("too_many_connections").inc()
            await self.ws.close(code=1013, reason="too many connections")
            return False
        if not origin_allowed(self.ws, self.service.config.cors_origins):
            self.service.metrics.rejected.labels("origin").inc()
            await self.ws.close(code=1008, reason="origin not allowed")
            return False
        await self.ws.accept()
        state.ws_open += 1
        self.service.metrics.ws_connections.inc()
        self.counted = True
        return True

    def release(self) -> None:
        if self.counted:
            self.counted = False
            self.ws.app.state.ws_open -= 1
            self.service.metrics.ws_connections.dec()

    def refuse_message(self, raw: str) -> dict[str, Any] | None:
        """The error for a text message over the body limit or over the client's rate, or for a turn while the
        process is busy (503 with `retry_after`, as /v1/chat answers), else None."""
        size = len(raw.encode("utf-8", "replace"))
        if size > self.limits.max_body_bytes:
            self.service.metrics.rejected.labels("body_too_large").inc()
            return error(413, f"message larger than {self.limits.max_body_bytes} bytes")
        if self.buckets is not None and self.buckets.take(self.key) > 0:
            self.service.metrics.rejected.labels("rate_limited").inc()
            return error(429, "too many requests; slow down and retry later")
        if self.admission is not None and self.admission.full() and is_ws_turn(raw):
            retry_after = self.admission.refuse()
            lang = self.ws.query_params.get("lang")
            return {"type": "error", "status": 503, **self.admission.busy_body(lang, retry_after)}
        return None

    def turn(self) -> AbstractContextManager[None]:
        """Counts a message being handled among the process's in-flight turns."""
        return self.admission.hold() if self.admission is not None else nullcontext()

    def refuse_text(self, text: str) -> dict[str, Any] | None:
        """422 for typed text longer than the chat limit: said, never cut and answered."""
        limit = self.limits.max_text_chars
        if len(text) > limit:
            return error(422, f"text: text longer than {limit} characters")
        return None


def error(status: int, detail: str) -> dict[str, Any]:
    return {"type": "error", "status": status, "detail": detail}
