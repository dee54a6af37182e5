"""GET /health (the process answers), /ready (the engine is loaded), /metrics (Prometheus)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from bot.server.service import Service

router = APIRouter(tags=["operations"])


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


@router.get("/health", summary="Liveness: the process is up")
async def health(request: Request) -> JSONResponse:
    service = _service(request)
    if service.failure:
        return JSONResponse({"status": "failed", "detail": "startup failed; see the server log"}, status_code=503)
    return JSONResponse({"status": "ok", "uptime_s": round(time.monotonic() - service.started, 1)})


@router.get("/ready", summary="Readiness: 200 while the knowledge base and flows are loaded and the session store "
            "answers")
async def ready(request: Request) -> JSONResponse:
    service = _service(request)
    if not service.ready:
        body: dict[str, Any]
        if service.failure:
            body = {"status": "failed", "detail": service.failure_detail or "start-up failed"}
        elif service.loaded:
            body = {"status": "unavailable", "detail": "session store unavailable; retrying"}
        else:
            body = {"status": "loading"}
        return JSONResponse(body, status_code=503, headers={"Retry-After": "2"})
    body = {"status": "ready", "store": service.config.store}
    if service.engine is not None:
        body["items"] = len(getattr(service.engine, "items", {}))
    return JSONResponse(body)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    return Response(_service(request).metrics.render(), media_type=CONTENT_TYPE_LATEST)
