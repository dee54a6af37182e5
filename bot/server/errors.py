"""Error responses: a clear 422 for schema problems, never a stack trace for anything else."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("daoban.server")
# FastAPI's 400 for a body it cannot decode; answered as the 422 every other malformed body gets
UNPARSEABLE_BODY = "There was an error parsing the body"


def describe(errors: list[dict[str, Any]] | Any) -> tuple[str, list[dict[str, Any]]]:
    """'body.text: String should have at least 1 character' per problem, without echoing the input back."""
    clean: list[dict[str, Any]] = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ())]
        msg = str(e.get("msg", "invalid value")).removeprefix("Value error, ")
        clean.append({"loc": loc, "msg": msg, "type": e.get("type", "value_error")})
    summary = "; ".join(f"{'.'.join(c['loc']) or 'body'}: {c['msg']}" for c in clean) or "invalid request"
    return summary, clean


def validation_response(errors: list[dict[str, Any]] | Any) -> JSONResponse:
    summary, clean = describe(errors)
    return JSONResponse({"detail": summary, "errors": clean}, status_code=422)


def internal_error(where: str, exc: BaseException | None = None) -> JSONResponse:
    error_id = uuid.uuid4().hex[:12]
    log.error("internal error", exc_info=exc or True,
              extra={"event": "internal_error", "where": where, "error_id": error_id})
    return JSONResponse({"detail": "internal error; the request was logged", "error_id": error_id}, status_code=500)


def install(app: FastAPI) -> None:
    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return validation_response(exc.errors())

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400 and exc.detail == UNPARSEABLE_BODY:
            return validation_response([{"loc": ["body"], "msg": "the body is not valid JSON in UTF-8",
                                         "type": "json_invalid"}])
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    async def on_any(request: Request, exc: Exception) -> JSONResponse:
        return internal_error(request.url.path, exc)

    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_any)
