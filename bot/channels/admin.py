"""Token-protected operations: reload content, export the unanswered log and feedback, analytics.

Mounted only when an admin token is configured (admin_token in the config file, or DAOBAN_ADMIN_TOKEN)."""

from __future__ import annotations

import csv
import hmac
import io
import json
from typing import Annotated, Any, Literal

from anyio import to_thread
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.channels.wire import ErrorOut, ReloadOut, ValidationErrorOut
from bot.records.privacy import mask_pii
from bot.server.service import Service

bearer = HTTPBearer(auto_error=False, description="The admin token (admin_token / DAOBAN_ADMIN_TOKEN)")
FEEDBACK_FIELDS = ("ts", "rating", "item_id", "flow", "channel", "session", "comment")


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def require_token(request: Request,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
    expected = _service(request).config.admin_token_value
    given = credentials.credentials if credentials else request.headers.get("x-admin-token", "")
    if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(401, "admin token missing or wrong", headers={"WWW-Authenticate": "Bearer"})


ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Admin token missing or wrong"},
    429: {"model": ErrorOut, "description": "Rate limited; see Retry-After"},
}
BAD_QUERY: dict[int | str, dict[str, Any]] = {
    422: {"model": ValidationErrorOut, "description": "Bad query parameter, with a readable `detail`"}}
EXPORT: dict[int | str, dict[str, Any]] = {200: {"description": "The records: JSON (`count`, `entries`), CSV with "
                                                 "a header row, or JSON lines, by `format`",
                                                 "content": {"application/json": {"schema": {"type": "object"}},
                                                             "text/csv": {"schema": {"type": "string"}},
                                                             "application/x-ndjson": {"schema": {"type": "string"}}}}}
router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_token)], responses=ADMIN_ERRORS)


def _masked(value: Any) -> Any:
    return mask_pii(value) if isinstance(value, str) else value


def _export(rows: list[dict[str, Any]], fields: tuple[str, ...], fmt: str, name: str) -> Response:
    """Every text field passes the masking again on the way out, records written by older versions included."""
    rows = [{k: _masked(v) for k, v in row.items()} for row in rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if fmt == "jsonl":
        body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        return Response(body, media_type="application/x-ndjson")
    return JSONResponse({"count": len(rows), "entries": rows})


@router.post("/reload", summary="Validate the knowledge base and flows on disk, then swap them in",
             response_model=ReloadOut,
             responses={422: {"model": ReloadOut, "description": "Did not validate: the content that was serving "
                                                                 "stays, `errors` says why"}})
async def reload(request: Request) -> JSONResponse:
    result = await to_thread.run_sync(_service(request).reload)
    return JSONResponse(result.to_dict(), status_code=200 if result.ok else 422)


@router.get("/unanswered", summary="The unanswered-question log (PII masked)", response_class=Response,
            responses={**EXPORT, **BAD_QUERY})
async def unanswered(request: Request, format: Literal["json", "csv", "jsonl"] = Query("json")) -> Response:
    from bot.records.unanswered import FIELDS

    rows = await to_thread.run_sync(lambda: _service(request).unanswered().read())
    return _export(rows, FIELDS, format, "unanswered")


@router.get("/feedback", summary="👍/👎 feedback on answers", response_class=Response,
            responses={**EXPORT, **BAD_QUERY})
async def feedback(request: Request, format: Literal["json", "csv", "jsonl"] = Query("json")) -> Response:
    rows = await to_thread.run_sync(lambda: list(_service(request).records.feedback.read()))
    return _export(rows, FEEDBACK_FIELDS, format, "feedback")


@router.get("/analytics", summary="Turns, top items, hand-over rate, unanswered by day, feedback",
            responses=BAD_QUERY)
async def analytics(request: Request, top: int = Query(10, ge=1, le=100)) -> JSONResponse:
    service = _service(request)

    def compute() -> dict[str, Any]:
        return service.records.analytics(service.unanswered().read(), top=top)

    return JSONResponse(await to_thread.run_sync(compute))
