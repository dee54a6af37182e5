"""WS /v1/ws: chat turns both ways, plus pushes: idle announcements and the session-expired notice."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from bot.channels.guard import SocketGuard
from bot.channels.http import STORE_RETRY_AFTER_S
from bot.channels.wire import ChatRequest
from bot.server.announcements import Rotation
from bot.server.errors import describe
from bot.server.outage import notice
from bot.server.service import NotReady, Service, StoreDown
from bot.session.redis_store import SessionLockTimeout

router = APIRouter()
log = logging.getLogger("daoban.server")
CHANNELS = ("web", "kiosk", "robot", "terminal", "voice", "rasa")


def session_id_problem(value: Any) -> tuple[str, list[dict[str, Any]]] | None:
    """Why `value` is not a session id /v1/chat would take (the same pattern, length and message), or None."""
    try:
        ChatRequest.model_validate({"session_id": value, "text": "-"})
    except ValidationError as exc:
        return describe(exc.errors(include_input=False))
    return None


class Connection:
    """What one socket remembers: its session, language, channel and when it last heard from the client."""

    def __init__(self, ws: WebSocket, service: Service, channel: str, lang: str, session_id: str | None) -> None:
        self.ws = ws
        self.service = service
        self.channel = channel
        self.lang = lang
        self.session_id = session_id
        self.last_seen = time.monotonic()
        self.last_push = 0.0
        self.rotation = Rotation(ws.app.state.announcements)
        self.send_lock = asyncio.Lock()

    async def send(self, message: dict[str, Any]) -> None:
        async with self.send_lock:
            await self.ws.send_text(json.dumps(message, ensure_ascii=False))

    async def error(self, status: int, detail: str, errors: list[dict[str, Any]] | None = None,
                    **extra: Any) -> None:
        body: dict[str, Any] = {"type": "error", "status": status, "detail": detail, **extra}
        if errors:
            body["errors"] = errors
        await self.send(body)

    async def handle(self, raw: str) -> None:
        self.last_seen = time.monotonic()
        try:
            data = json.loads(raw)
        except ValueError:
            await self.error(422, "messages must be JSON objects")
            return
        if not isinstance(data, dict):
            await self.error(422, "messages must be JSON objects")
            return
        kind = data.pop("type", None)
        if kind == "ping":
            await self.send({"type": "pong"})
            return
        if kind == "hello":
            await self.hello(data)
            return
        if kind not in (None, "chat", "message"):
            await self.error(422, f"unknown message type {kind!r}: use chat, hello or ping")
            return
        data.setdefault("session_id", self.session_id)
        data.setdefault("lang", None)
        data.setdefault("channel", self.channel)
        try:
            req = ChatRequest.model_validate(data)
        except ValidationError as exc:
            summary, clean = describe(exc.errors())
            await self.error(422, summary, clean)
            return
        limit = self.service.config.limits.max_text_chars
        if req.text is not None and len(req.text) > limit:
            await self.error(422, f"text: text longer than {limit} characters")
            return
        event = req.event.model_dump() if req.event is not None else None
        try:
            reply = await to_thread.run_sync(self.service.turn, req.session_id, req.text, event, req.lang,
                                             req.channel)
        except StoreDown:
            await self.error(503, notice("store_unavailable", req.lang or self.lang).text,
                             retry_after=STORE_RETRY_AFTER_S)
            return
        except NotReady as exc:
            await self.error(503, f"not ready: {exc}")
            return
        except SessionLockTimeout:
            await self.error(409, "this session is busy with another message; retry")
            return
        except Exception:
            self.service.metrics.errors.labels("ws").inc()
            log.exception("ws turn failed", extra={"event": "internal_error", "where": "/v1/ws"})
            await self.error(500, "internal error; the request was logged")
            return
        self.session_id = reply.session_id
        self.lang = reply.lang
        self.channel = req.channel
        self.last_seen = time.monotonic()
        await self.send({"type": "reply", **reply.to_dict()})

    async def hello(self, data: dict[str, Any]) -> None:
        """Names the session (validated like /v1/chat's), or with `"session_id": null` leaves it; a bad one changes
        nothing."""
        if data.get("session_id") is not None:
            problem = session_id_problem(data["session_id"])
            if problem is not None:
                await self.error(422, *problem)
                return
        if "session_id" in data:
            self.session_id = data["session_id"]
        if data.get("lang") in ("zh-Hans", "zh-Hant", "en"):
            self.lang = data["lang"]
        if data.get("channel") in CHANNELS:
            self.channel = data["channel"]
        await self.send({"type": "hello", "session_id": self.session_id, "channel": self.channel, "lang": self.lang})

    async def watch(self) -> None:
        try:
            await self._watch()
        except (WebSocketDisconnect, RuntimeError, OSError):
            return

    async def _watch(self) -> None:
        """Pushes while the client is quiet: session expiry first, then announcements on idle channels."""
        idle = self.service.config.idle
        tick = min(1.0, idle.after_s / 4, idle.interval_s / 4)
        while True:
            await asyncio.sleep(tick)
            if self.session_id and self.service.ready:
                alive = await to_thread.run_sync(self.service.session_alive, self.session_id)
                if not alive:
                    expired, self.session_id = self.session_id, None
                    await self.send({"type": "session_expired", "session_id": expired})
            if not (idle.enabled and self.channel in idle.channels and self.rotation.items):
                continue
            now = time.monotonic()
            quiet = now - self.last_seen
            if quiet >= idle.after_s and now - self.last_push >= idle.interval_s:
                self.last_push = now
                self.service.metrics.announcements.inc()
                await self.send(self.rotation.next(self.lang))


@router.websocket("/v1/ws")
async def chat_socket(ws: WebSocket, channel: str = "web", lang: str = "zh-Hans",
                      session_id: str | None = None) -> None:
    service: Service = ws.app.state.service
    guard = SocketGuard(ws, service)
    if not await guard.accept():
        return
    problem = session_id_problem(session_id) if session_id is not None else None
    conn = Connection(ws, service, channel if channel in CHANNELS else "web",
                      lang if lang in ("zh-Hans", "zh-Hant", "en") else "zh-Hans",
                      session_id if problem is None else None)
    watcher = asyncio.create_task(conn.watch())
    try:
        if problem is not None:
            await conn.error(422, *problem)
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
            raw = message.get("text") or (message.get("bytes") or b"").decode("utf-8", "replace")
            refused = guard.refuse_message(raw)
            if refused is not None:
                await conn.send(refused)
                continue
            with guard.turn():
                await conn.handle(raw)
    except WebSocketDisconnect:
        pass
    except Exception:
        log.exception("ws connection failed", extra={"event": "internal_error", "where": "/v1/ws"})
    finally:
        watcher.cancel()
        guard.release()
