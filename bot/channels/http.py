"""POST /v1/chat and POST /v1/feedback."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from bot.channels.wire import ChatRequest, ErrorOut, FeedbackOut, FeedbackRequest, ReplyOut, ValidationErrorOut
from bot.server.errors import internal_error, validation_response
from bot.server.outage import notice
from bot.server.service import NotReady, Service, StoreDown
from bot.session.redis_store import SessionLockTimeout
from bot.understand.lang import canonical, detect

router = APIRouter(tags=["chat"])

ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorOut, "description": "Body too large"},
    422: {"model": ValidationErrorOut, "description": "Schema error, with a readable `detail`"},
    429: {"model": ErrorOut, "description": "Rate limited; see Retry-After"},
    503: {"model": ErrorOut, "description": "Still loading the knowledge base, or the session store is away: "
                                            "`detail` is a message for the citizen; see Retry-After"},
}
STORE_RETRY_AFTER_S = 5


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def text_too_long(text: str | None, limit: int, loc: list[str]) -> JSONResponse | None:
    if text is not None and len(text) > limit:
        return validation_response([{"loc": loc, "msg": f"text longer than {limit} characters", "type": "too_long"}])
    return None


async def run_turn(service: Service, session_id: str | None, text: str | None, event: dict[str, Any] | None,
                   lang: str | None, channel: str) -> dict[str, Any]:
    """The turn in a worker thread (the engine is CPU-bound and the stores block); raises NotReady while loading."""
    reply = await to_thread.run_sync(service.turn, session_id, text, event, lang, channel)
    return reply.to_dict()


def not_ready(exc: NotReady) -> JSONResponse:
    return JSONResponse({"detail": f"not ready: {exc}"}, status_code=503, headers={"Retry-After": "2"})


def citizen_lang(lang: str | None, text: str | None) -> str:
    """The language to tell a citizen about a failure in: the one asked for, else the one they wrote in."""
    return canonical(lang) or (detect(text) if text else None) or "zh-Hans"


def store_unavailable(lang: str) -> JSONResponse:
    return JSONResponse({"detail": notice("store_unavailable", lang).text}, status_code=503,
                        headers={"Retry-After": str(STORE_RETRY_AFTER_S)})


def turn_failure(exc: Exception, where: str, lang: str = "zh-Hans") -> JSONResponse:
    if isinstance(exc, StoreDown):
        return store_unavailable(lang)
    if isinstance(exc, NotReady):
        return not_ready(exc)
    if isinstance(exc, SessionLockTimeout):
        return JSONResponse({"detail": "this session is busy with another message; retry"}, status_code=409)
    return internal_error(where, exc)


@router.post("/v1/chat", response_model=ReplyOut, responses=ERRORS,
             summary="One turn: text or a client event in, the assistant's reply out")
async def chat(body: ChatRequest, request: Request) -> Any:
    service = service_of(request)
    too_long = text_too_long(body.text, service.config.limits.max_text_chars, ["body", "text"])
    if too_long is not None:
        return too_long
    event = body.event.model_dump() if body.event is not None else None
    try:
        reply = await run_turn(service, body.session_id, body.text, event, body.lang, body.channel)
    except Exception as exc:
        return turn_failure(exc, "/v1/chat", citizen_lang(body.lang, body.text))
    return JSONResponse(reply)


@router.post("/v1/feedback", response_model=FeedbackOut, responses=ERRORS, summary="👍/👎 on an answer")
async def feedback(body: FeedbackRequest, request: Request) -> FeedbackOut:
    service = service_of(request)
    await to_thread.run_sync(lambda: service.records.add_feedback(body.session_id, body.rating, body.item_id,
                                                                  body.flow, body.comment, body.channel))
    service.metrics.feedback.labels(body.rating).inc()
    return FeedbackOut()
