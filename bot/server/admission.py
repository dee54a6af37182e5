"""Admission control: a turn that cannot be served within the target wait is told "busy" at once, before its body is
read, instead of queueing inside the event loop.

Turns are counted from the moment their request reaches the app until the reply is sent; the count lives on the event
loop (middleware and WebSocket handlers), so a plain integer suffices."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from bot.server.metrics import Metrics
from bot.server.outage import notice

TURN_ROUTES = frozenset({("POST", "/v1/chat"), ("POST", "/webhooks/rest/webhook")})
WS_TURN_KINDS = (None, "chat", "message")
RETRY_AFTER_S = (1, 3)
"""Retry-After is drawn from this range (whole seconds), so refused clients do not all come back together."""


class Admission:
    """The in-flight turn count of one app and the cap on it (`limits.max_in_flight`)."""

    def __init__(self, max_in_flight: int, metrics: Metrics,
                 jitter: Callable[[int, int], int] = random.randint) -> None:
        self.max_in_flight = max_in_flight
        self.metrics = metrics
        self.in_flight = 0
        self._jitter = jitter

    def full(self) -> bool:
        return self.in_flight >= self.max_in_flight

    @contextmanager
    def hold(self) -> Iterator[None]:
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1

    def refuse(self) -> int:
        """Count one refusal and return the seconds the client should wait before retrying."""
        self.metrics.rejected.labels("busy").inc()
        return self._jitter(*RETRY_AFTER_S)

    def busy_body(self, lang: str | None, retry_after: int) -> dict[str, Any]:
        return {"detail": notice("busy", lang).text, "retry_after": retry_after}


def accept_lang(scope: Scope) -> str:
    """The citizen's language from Accept-Language, the only hint available without reading the body."""
    for name, value in scope.get("headers", []):
        if name == b"accept-language":
            first = value.decode("latin-1").split(",")[0].strip().lower()
            if first.startswith(("zh-hant", "zh-tw", "zh-hk", "zh-mo")):
                return "zh-Hant"
            if first.startswith("en"):
                return "en"
            break
    return "zh-Hans"


def is_ws_turn(raw: str) -> bool:
    """True for a /v1/ws message that would start a dialogue turn (not ping or hello)."""
    try:
        data = json.loads(raw)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("type") in WS_TURN_KINDS


class AdmissionMiddleware:
    """The outermost layer: 503 with Retry-After for a turn route while `admission` is full; other routes pass."""

    def __init__(self, app: ASGIApp, admission: Admission) -> None:
        self.app = app
        self.admission = admission

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope.get("method"), scope.get("path")) not in TURN_ROUTES:
            await self.app(scope, receive, send)
            return
        if self.admission.full():
            retry_after = self.admission.refuse()
            body = json.dumps(self.admission.busy_body(accept_lang(scope), retry_after),
                              ensure_ascii=False).encode()
            await send({"type": "http.response.start", "status": 503, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(retry_after).encode()), (b"cache-control", b"no-store")]})
            await send({"type": "http.response.body", "body": body})
            return
        with self.admission.hold():
            await self.app(scope, receive, send)
