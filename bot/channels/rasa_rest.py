"""Rasa's REST channel, so clients written for Rasa work unchanged: POST /webhooks/rest/webhook."""

from __future__ import annotations

import hashlib
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from bot.channels.http import ERRORS, run_turn, service_of, text_too_long, turn_failure
from bot.channels.wire import RasaMessage, RasaOut
from bot.server.service import Service

router = APIRouter(tags=["rasa"])
SENDER_TTL_S = 24 * 3600


def sender_key(sender: str) -> str:
    return "rasa-sender:" + hashlib.sha256(sender.encode()).hexdigest()[:32]


def session_for(service: Service, sender: str) -> str | None:
    """The session this sender talks in; kept in the session store so every instance agrees."""
    if service.store is None:
        return None
    entry = service.store.get(sender_key(sender))
    return str(entry["session_id"]) if entry and entry.get("session_id") else None


def remember(service: Service, sender: str, session_id: str) -> None:
    if service.store is not None:
        service.store.put(sender_key(sender), {"session_id": session_id}, SENDER_TTL_S)


def to_rasa(reply: dict[str, Any], recipient: str) -> list[dict[str, Any]]:
    """One Rasa message per screen message; buttons and the structured fields ride on the last one."""
    texts = [m["text"] for m in reply.get("messages", [])] or [""]
    out: list[dict[str, Any]] = [{"recipient_id": recipient, "text": t} for t in texts]
    last = out[-1]
    if reply.get("buttons"):
        last["buttons"] = [{"title": b["title"], "payload": b["payload"]} for b in reply["buttons"]]
    custom = {k: reply.get(k) for k in ("session_id", "item_id", "item_title", "field", "actions", "flow", "step",
                                       "progress", "expect", "handoff", "lang", "card", "kind", "redirect",
                                       "speech_rate")}
    custom["speech"] = [m["speech"] for m in reply.get("messages", [])]
    last["custom"] = {k: v for k, v in custom.items() if v not in (None, [], {})} | {"handoff": reply.get("handoff")}
    return out


@router.post("/webhooks/rest/webhook", response_model=list[RasaOut], responses=ERRORS,
             summary="Rasa REST channel: {sender, message} in, a list of bot messages out")
async def webhook(body: RasaMessage, request: Request) -> Any:
    service = service_of(request)
    too_long = text_too_long(body.message, service.config.limits.max_text_chars, ["body", "message"])
    if too_long is not None:
        return too_long
    channel = "web"
    lang = None
    if body.metadata:
        channel = str(body.metadata.get("channel") or channel)
        lang = body.metadata.get("lang")
        if channel not in ("web", "kiosk", "robot", "terminal", "voice", "rasa"):
            channel = "web"
        if lang not in (None, "zh-Hans", "zh-Hant", "en"):
            lang = None
    try:
        known = await to_thread.run_sync(session_for, service, body.sender)
        reply = await run_turn(service, known, body.message, None, lang, channel)
        if reply["session_id"] != known:
            await to_thread.run_sync(remember, service, body.sender, reply["session_id"])
    except Exception as exc:
        return turn_failure(exc, "/webhooks/rest/webhook")
    return JSONResponse(to_rasa(reply, body.sender))

