"""The FastAPI application: `create_app(config)`; the engine loads once, in a worker thread, from the lifespan."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi

from bot.channels import admin, http, ops, rasa_rest, static, ws
from bot.server import errors
from bot.server.admission import Admission, AdmissionMiddleware
from bot.server.announcements import load_announcements
from bot.server.config import ServiceConfig
from bot.server.headers import SecurityHeadersMiddleware
from bot.server.limits import BodyLimitMiddleware, RateLimitMiddleware, TokenBuckets
from bot.server.service import Service
from bot.session.store import SessionStore

log = logging.getLogger("daoban.server")

DESCRIPTION = """导办 (daoban): answers from the service guides, kiosk flows step by step, hand-over to a person.

* `POST /v1/chat` and `WS /v1/ws`: one turn in (text or a client event), the reply out.
* `POST /webhooks/rest/webhook`: Rasa's REST channel.
* `GET /health`, `GET /ready`, `GET /metrics`; `/admin/*` with the admin token.
"""


def create_app(config: ServiceConfig | None = None, engine: Any = None, store: SessionStore | None = None) -> FastAPI:
    """An app for `config`; pass a loaded knowledge engine or a store to share them (tests, benchmarks)."""
    config = config or ServiceConfig()
    service = Service(config, engine=engine, store=store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loader = asyncio.create_task(asyncio.to_thread(service.load))
        loader.add_done_callback(lambda task: task.cancelled() or task.exception())
        app.state.loader = loader
        try:
            yield
        finally:
            if not loader.done():
                loader.cancel()
            await asyncio.to_thread(service.close)

    app = FastAPI(title="daoban", version="0.1.0", description=DESCRIPTION, lifespan=lifespan, docs_url=None,
                  redoc_url=None)
    app.state.service = service
    service.records.known_items = lambda: service.engine.items if service.engine is not None else ()
    service.records.known_flows = lambda: service.assistant.flows if service.assistant is not None else ()
    app.state.announcements = load_announcements(config.idle.file) if config.idle.enabled else []
    app.state.ws_open = 0
    buckets = TokenBuckets(config.rate_limit.rate, config.rate_limit.burst) if config.rate_limit.enabled else None
    app.state.buckets = buckets
    admission = Admission(config.limits.max_in_flight, service.metrics)
    app.state.admission = admission

    errors.install(app)
    app.include_router(http.router)
    app.include_router(ws.router)
    app.include_router(rasa_rest.router)
    app.include_router(ops.router)
    app.include_router(static.router)
    if config.admin_token_value:
        app.include_router(admin.router)
    else:
        log.warning("admin routes are off: no admin token configured (set admin_token or DAOBAN_ADMIN_TOKEN)",
                    extra={"event": "admin_disabled"})
    voice_router = _voice_router() if config.voice.enabled else None
    if voice_router is not None:
        app.include_router(voice_router)

    if buckets is not None:
        app.add_middleware(RateLimitMiddleware, buckets=buckets, trust_forwarded=config.rate_limit.trust_forwarded,
                           metrics=service.metrics)
    app.add_middleware(BodyLimitMiddleware, max_bytes=config.limits.max_body_bytes, metrics=service.metrics)
    if config.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=config.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type", "Authorization"], max_age=600)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(AdmissionMiddleware, admission=admission)
    app.openapi = lambda: _openapi(app, config)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI, config: ServiceConfig) -> dict[str, Any]:
    """FastAPI's schema with this instance's text limit, so a client (or a fuzzer) learns it from the schema."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        models = schema.get("components", {}).get("schemas", {})
        for model, field in (("ChatRequest", "text"), ("RasaMessage", "message")):
            prop = models.get(model, {}).get("properties", {}).get(field)
            if prop is None:
                continue
            for option in prop.get("anyOf", [prop]):
                if option.get("type") == "string":
                    option["maxLength"] = config.limits.max_text_chars
        app.openapi_schema = schema
    return app.openapi_schema


def _voice_router() -> Any:
    """WS /v1/voice, when the voice package provides streaming recognition."""
    try:
        module = importlib.import_module("bot.channels.voice_ws")
    except ImportError:
        return None
    return module.router
