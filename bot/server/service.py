"""The service behind every route: loads the engine and the assistant once, runs turns, reloads content."""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.records.privacy import mask_pii, session_hash
from bot.records.unanswered import UnansweredLog
from bot.server.config import ServiceConfig
from bot.server.metrics import Metrics
from bot.server.records import Records, turn_record
from bot.session.store import MemoryStore, SessionStore, SqliteStore
from bot.turn import Reply

if TYPE_CHECKING:
    from bot.assistant import Assistant
    from bot.config import AssistantConfig
    from knowledge.engine import KnowledgeEngine

log = logging.getLogger("daoban.server")


class NotReady(RuntimeError):
    pass


@dataclass
class ReloadResult:
    ok: bool
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    items: int = 0
    flows: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "errors": self.errors, "warnings": self.warnings, "items": self.items,
                "flows": self.flows, "seconds": round(self.seconds, 3)}


def make_store(config: ServiceConfig) -> SessionStore:
    if config.store == "redis":
        from bot.session.redis_store import RedisStore

        return RedisStore(config.redis_url)
    if config.store == "sqlite":
        return SqliteStore(config.sqlite_path)
    return MemoryStore()


class Service:
    """Holds what loads once (engine, assistant, store) and the per-turn bookkeeping (metrics, logs, analytics)."""

    def __init__(self, config: ServiceConfig, engine: KnowledgeEngine | None = None,
                 store: SessionStore | None = None) -> None:
        self.config = config
        self.metrics = Metrics()
        self.records = Records(config.data_dir, mask_pii)
        self.engine = engine
        self.store: SessionStore | None = store
        self.assistant: Assistant | None = None
        self.recognizer: Any = None
        """The speech recogniser for WS /v1/voice, loaded on first use."""
        self.ready = False
        self.failure: str | None = None
        self.loaded_at: float | None = None
        self.started = time.monotonic()
        self._reload_lock = threading.Lock()

    def load(self) -> None:
        """Build the engine (unless one was given), the store and the assistant; then warm up one turn."""
        try:
            timings: dict[str, float] = {}
            t0 = time.perf_counter()
            if self.store is None:
                self.store = make_store(self.config)
            if self.engine is None:
                self.engine = self._load_engine()
            timings["engine_s"] = time.perf_counter() - t0
            self.assistant = self._make_assistant(self.engine)
            timings["assistant_s"] = time.perf_counter() - t0 - timings["engine_s"]
            if self.config.warmup:
                self._warm_up()
            timings["load_s"] = time.perf_counter() - t0
            self.ready = True
            self.loaded_at = time.monotonic()
            self.metrics.ready.set(1)
            log.info("ready", extra={"event": "ready", "store": self.config.store,
                                     "since_start_s": round(self.loaded_at - self.started, 3),
                                     **{k: round(v, 3) for k, v in timings.items()}})
        except Exception as exc:
            self.failure = f"{type(exc).__name__}: {exc}"
            log.exception("startup failed", extra={"event": "startup_failed"})
            raise

    def _load_engine(self) -> KnowledgeEngine:
        from knowledge.engine import KnowledgeEngine

        return KnowledgeEngine.load(data_dir=self.config.kb_dir, encoder=self.config.encoder)

    def _assistant_config(self) -> AssistantConfig:
        from bot.config import AssistantConfig

        values: dict[str, Any] = {"unanswered_path": self.unanswered_path, "flows_dir": self.config.flows_dir}
        for name, value in self.config.dialogue.model_dump(exclude_none=True).items():
            values[name] = frozenset(value) if name in ("simulate", "wipe_on_complete") else value
        secret = self.config.session_key.get_secret_value().encode() if self.config.session_key else None
        if secret is None and not isinstance(self.store, MemoryStore):
            secret = _key_file(self.config.data_dir / "session.key")
        values["session_key"] = secret
        return AssistantConfig(**values)

    def _make_assistant(self, engine: KnowledgeEngine) -> Assistant:
        from bot.assistant import Assistant

        return Assistant(engine=engine, store=self.store, config=self._assistant_config())

    def _warm_up(self) -> None:
        """One question through every stage, so the first citizen does not wait for lazy loading."""
        assert self.assistant is not None
        reply = self.assistant.handle(None, text="补办身份证要带什么", channel="warmup")
        self.assistant.end_session(reply.session_id)

    def turn(self, session_id: str | None, text: str | None, event: dict[str, Any] | None, lang: str | None,
             channel: str) -> Reply:
        """One turn with metrics and a masked log line; exceptions propagate for the caller to answer 500."""
        if not self.ready or self.assistant is None:
            raise NotReady("start-up failed" if self.failure else "still loading the knowledge base")
        kind = "event" if event is not None else "text"
        t0 = time.perf_counter()
        try:
            reply: Reply = self.assistant.handle(session_id, text=text, event=event, lang=lang, channel=channel)
        except Exception:
            self.metrics.errors.labels("turn").inc()
            raise
        elapsed = time.perf_counter() - t0
        self.metrics.turns.labels(channel, kind).inc()
        self.metrics.latency.labels(channel).observe(elapsed)
        if reply.handoff:
            self.metrics.handoffs.labels(channel).inc()
        declined = reply.handoff and reply.item_id is None and reply.flow is None
        self.records.turns.append(turn_record(reply, channel, kind, elapsed, declined))
        log.info("turn", extra={
            "event": "turn", "session": session_hash(reply.session_id), "channel": channel, "kind": kind,
            "text": mask_pii(text or "")[:200] if text else None, "event_name": (event or {}).get("type"),
            "lang": reply.lang, "item_id": reply.item_id, "field": reply.field, "flow": reply.flow,
            "step": reply.step, "handoff": reply.handoff, "ms": round(elapsed * 1000, 2)})
        return reply

    def session_alive(self, session_id: str) -> bool:
        return self.store is not None and self.store.get(session_id) is not None

    @property
    def unanswered_path(self) -> Path:
        return self.config.data_dir / "unanswered.jsonl"

    def unanswered(self) -> UnansweredLog:
        return UnansweredLog(self.unanswered_path)

    def reload(self) -> ReloadResult:
        """Validate the knowledge base and the flows on disk, then swap them in; on any error keep what serves."""
        with self._reload_lock:
            t0 = time.perf_counter()
            result = self._validate()
            if result.ok:
                try:
                    engine = self._load_engine()
                    assistant = self._make_assistant(engine)
                except Exception as exc:
                    log.exception("reload failed", extra={"event": "reload_failed"})
                    result.ok = False
                    result.errors.append({"file": "-", "message": f"{type(exc).__name__}: {mask_pii(str(exc))}"})
                else:
                    self.engine, self.assistant = engine, assistant
                    result.items = len(engine.items)
            result.seconds = time.perf_counter() - t0
            self.metrics.kb_reloads.labels("ok" if result.ok else "failed").inc()
            log.info("reload", extra={"event": "reload", "ok": result.ok, "errors": len(result.errors),
                                      "s": round(result.seconds, 3)})
            return result

    def _validate(self) -> ReloadResult:
        from knowledge.check import check

        result = ReloadResult(ok=True)
        report = check(self.config.kb_dir)
        result.items = report.items
        result.errors.extend(e.to_dict() | {"text": str(e)} for e in report.errors)
        if report.missing_ids:
            result.warnings.append(f"catalogue ids missing from the base: {', '.join(report.missing_ids)}")
        if report.unknown_ids:
            result.warnings.append(f"ids not in the catalogue: {', '.join(report.unknown_ids)}")
        flow_errors, flows = _validate_flows(self.config.flows_dir)
        result.errors.extend(flow_errors)
        result.flows = flows
        result.ok = not result.errors
        return result

    def close(self) -> None:
        self.records.close()
        close = getattr(self.store, "close", None)
        if callable(close):
            close()


def _key_file(path: Path) -> bytes:
    """The sealing key shared by restarts of this instance: created once (mode 0600), then read."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
    return path.read_bytes()


def _validate_flows(flows_dir: Path | None) -> tuple[list[dict[str, Any]], int]:
    from bot.flow.loader import load_flows

    flow_set = load_flows(flows_dir)
    return [p.to_dict() | {"text": str(p)} for p in flow_set.errors], len(flow_set.flows)
