"""Rasa's REST channel, so clients written for Rasa work unchanged: POST /webhooks/rest/webhook.

Only a connector holding the shared channel token may speak for a sender (`?token=` as Rasa's HTTP API takes it, or
`Authorization: Bearer`). A sender talks in a session whose id is derived from the sender with the deployment's
secret: no mapping is stored, no client can name that session, and every instance with the same session key agrees."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.channels.http import ERRORS, citizen_lang, run_turn, service_of, text_too_long, turn_failure
from bot.channels.wire import ErrorOut, RasaMessage, RasaOut
from bot.server.service import Service

router = APIRouter(tags=["rasa"])
bearer = HTTPBearer(auto_error=False, description="The channel token (rasa.token / DAOBAN_RASA__TOKEN)")
CHANNELS = ("web", "kiosk", "robot", "terminal", "voice", "rasa")
WEBHOOK_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    401: {"model": ErrorOut, "description": "Channel token missing or wrong (`?token=` or `Authorization: Bearer`)"},
    403: {"model": ErrorOut, "description": "The webhook is off: no channel token configured (`rasa.token`)"},
}


def refused(service: Service, given: str | None) -> JSONResponse | None:
    """None when the request carries the channel token (or the bureau turned the requirement off)."""
    expected = service.config.rasa_token_value
    if expected is None:
        if not service.config.rasa.require_token:
            return None
        return JSONResponse({"detail": "the Rasa webhook is off: configure a channel token (rasa.token, "
                                       "DAOBAN_RASA__TOKEN)"}, status_code=403)
    if given and hmac.compare_digest(given.encode(), expected.encode()):
        return None
    return JSONResponse({"detail": "channel token missing or wrong"}, status_code=401,
                        headers={"WWW-Authenticate": "Bearer"})


def to_rasa(reply: dict[str, Any], recipient: str) -> list[dict[str, Any]]:
    """One Rasa message per screen message; buttons and the structured fields ride on the last one."""
    texts = [m["text"] for m in reply.get("messages", [])] or [""]
    out: list[dict[str, Any]] = [{"recipient_id": recipient, "text": t} for t in texts]
    last = out[-1]
    if reply.get("buttons"):
        last["buttons"] = [{"title": b["title"], "payload": b["payload"]} for b in reply["buttons"]]
    custom = {k: reply.get(k) for k in ("item_id", "item_title", "field", "actions", "flow", "step", "progress",
                                       "expect", "handoff", "lang", "card", "kind", "redirect", "speech_rate")}
    custom["speech"] = [m["speech"] for m in reply.get("messages", [])]
    last["custom"] = {k: v for k, v in custom.items() if v not in (None, [], {})} | {"handoff": reply.get("handoff")}
    return out


@router.post("/webhooks/rest/webhook", response_model=list[RasaOut], responses=WEBHOOK_ERRORS,
             summary="Rasa REST channel: {sender, message} in, a list of bot messages out (channel token required)")
async def webhook(body: RasaMessage, request: Request,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
                  token: Annotated[str | None, Query(description="The channel token, Rasa-style")] = None) -> Any:
    service = service_of(request)
    denied = refused(service, token or (credentials.credentials if credentials else None))
    if denied is not None:
        return denied
    too_long = text_too_long(body.message, service.config.limits.max_text_chars, ["body", "message"])
    if too_long is not None:
        return too_long
    channel = "web"
    lang = None
    if body.metadata:
        channel = str(body.metadata.get("channel") or channel)
        lang = body.metadata.get("lang")
        if channel not in CHANNELS:
            channel = "web"
        if lang not in (None, "zh-Hans", "zh-Hant", "en"):
            lang = None
    try:
        reply = await run_turn(service, service.channel_session("rasa", body.sender), body.message, None, lang,
                               channel)
    except Exception as exc:
        return turn_failure(exc, "/webhooks/rest/webhook", citizen_lang(lang, body.message))
    return JSONResponse(to_rasa(reply, body.sender))
