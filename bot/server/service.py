"""The service behind every route: loads the engine and the assistant once, runs turns, reloads content."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.records.privacy import mask_pii, session_hash
from bot.records.unanswered import UnansweredLog
from bot.server.config import ServiceConfig
from bot.server.content import KnowledgeBaseIncomplete, ReloadResult, load_engine, validate
from bot.server.metrics import Metrics
from bot.server.outage import FlowJournal, StoreMonitor, WatchedStore, notice, probe_of
from bot.server.records import Records, turn_record
from bot.session.store import MemoryStore, SessionStore, SqliteStore, StoreUnavailable
from bot.turn import Reply, new_state

if TYPE_CHECKING:
    from bot.assistant import Assistant
    from bot.config import AssistantConfig
    from knowledge.engine import KnowledgeEngine

log = logging.getLogger("daoban.server")


class NotReady(RuntimeError):
    pass


class StoreDown(NotReady):
    """The session store does not answer (down, hung): every turn is 503 until it is back."""


__all__ = ["KnowledgeBaseIncomplete", "NotReady", "ReloadResult", "Service", "StoreDown"]


def make_store(config: ServiceConfig) -> SessionStore:
    if config.store == "redis":
        from bot.session.redis_store import RedisStore

        return RedisStore(config.redis_url, timeout_s=config.redis_timeout_s)
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
        self.loaded = False
        """The engine, the flows and the assistant are in place (ready once the session store answers too)."""
        self.monitor: StoreMonitor | None = None
        """Watches a store that can go away (Redis); None for memory and SQLite."""
        self.journal = FlowJournal()
        self.failure: str | None = None
        self.failure_detail: str | None = None
        """The failure as /ready may show it."""
        self.loaded_at: float | None = None
        self.started = time.monotonic()
        self._reload_lock = threading.Lock()
        self._channel_secret = secrets.token_bytes(32)

    @property
    def ready(self) -> bool:
        """Loaded, and the session store answers: what /ready and `daoban_ready` report."""
        return self.loaded and (self.monitor is None or self.monitor.up)

    def load(self) -> None:
        """Build the engine (unless one was given), the store and the assistant; then warm up one turn. A store that
        does not answer yet is not a failure: the service waits for it, not ready, probing with backoff."""
        try:
            timings: dict[str, float] = {}
            t0 = time.perf_counter()
            self._watch_store(self.store if self.store is not None else make_store(self.config))
            if self.engine is None:
                self.engine = load_engine(self.config)
            timings["engine_s"] = time.perf_counter() - t0
            self.assistant = self._make_assistant(self.engine)
            timings["assistant_s"] = time.perf_counter() - t0 - timings["engine_s"]
            if self.config.warmup:
                self._warm_up()
            timings["load_s"] = time.perf_counter() - t0
        except Exception as exc:
            self.failure = f"{type(exc).__name__}: {mask_pii(str(exc))}"
            self.failure_detail = exc.public if isinstance(exc, KnowledgeBaseIncomplete) else \
                "start-up failed; see the server log"
            log.exception("startup failed", extra={"event": "startup_failed"})
            raise
        self.loaded = True
        self.loaded_at = time.monotonic()
        if self.monitor is not None:
            self.monitor.check()
            self.monitor.start()
        self.metrics.ready.set(1 if self.ready else 0)
        extra = {"store": self.config.store, "since_start_s": round(self.loaded_at - self.started, 3),
                 **{k: round(v, 3) for k, v in timings.items()}}
        if self.ready:
            log.info("ready", extra={"event": "ready", **extra})
        else:
            log.warning("loaded; not ready until the session store answers",
                        extra={"event": "waiting_for_store", "reason": self.monitor and self.monitor.reason, **extra})

    def _watch_store(self, store: SessionStore) -> None:
        probe = probe_of(store)
        if probe is None:
            self.store = store
            return
        self.monitor = StoreMonitor(probe, on_change=self._store_changed, backoff_max_s=self.config.store_retry_max_s)
        self.metrics.store_up.set(0)
        self.store = WatchedStore(store, self.monitor, self.journal)

    def _store_changed(self, up: bool) -> None:
        self.metrics.store_up.set(1 if up else 0)
        self.metrics.ready.set(1 if self.ready else 0)

    def _assistant_config(self) -> AssistantConfig:
        from bot.config import AssistantConfig

        values: dict[str, Any] = {"unanswered_path": self.unanswered_path, "flows_dir": self.config.flows_dir}
        for name, value in self.config.dialogue.model_dump(exclude_none=True).items():
            values[name] = frozenset(value) if name in ("simulate", "wipe_on_complete") else value
        secret = self.config.session_key.get_secret_value().encode() if self.config.session_key else None
        if secret is None and not isinstance(self.store, MemoryStore):
            secret = _key_file(self.config.data_dir / "session.key")
        values["session_key"] = secret
        if secret is not None:
            self._channel_secret = hmac.new(secret, b"daoban channel sessions", hashlib.sha256).digest()
        return AssistantConfig(**values)

    def channel_session(self, channel: str, name: str) -> str:
        """The session id a channel's own client name (a Rasa sender) talks in: keyed with this deployment's secret,
        so nobody can name it from outside, the same on every instance sharing the session key, and never stored."""
        digest = hmac.new(self._channel_secret, f"{channel}\0{name}".encode(), hashlib.sha256).hexdigest()
        return f"{channel}-{digest[:40]}"

    def _make_assistant(self, engine: KnowledgeEngine) -> Assistant:
        from bot.assistant import Assistant

        return Assistant(engine=engine, store=self.store, config=self._assistant_config())

    def _warm_up(self) -> None:
        """One question through every stage, so the first citizen does not wait for lazy loading; in a private
        memory store, so a session store that is not there yet does not stop the start."""
        assert self.assistant is not None
        store, self.assistant.store = self.assistant.store, MemoryStore()
        try:
            self.assistant.handle(None, text="补办身份证要带什么", channel="warmup")
        finally:
            self.assistant.store = store

    def turn(self, session_id: str | None, text: str | None, event: dict[str, Any] | None, lang: str | None,
             channel: str) -> Reply:
        """One turn with metrics and a masked log line. Raises NotReady while loading, StoreDown (a NotReady) while
        the session store is away (both 503); other exceptions propagate for the caller to answer 500."""
        if not self.loaded or self.assistant is None:
            raise NotReady("start-up failed" if self.failure else "still loading the knowledge base")
        if self.monitor is not None and not self.monitor.up:
            self.metrics.errors.labels("store").inc()
            raise StoreDown("session store unavailable")
        kind = "event" if event is not None else "text"
        t0 = time.perf_counter()
        try:
            reply: Reply | None = self._lost(session_id, lang, channel)
            if reply is None:
                reply = self.assistant.handle(session_id, text=text, event=event, lang=lang, channel=channel)
        except StoreUnavailable as exc:
            self.metrics.errors.labels("store").inc()
            raise StoreDown("session store unavailable") from exc
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
            "step": reply.step, "turn_kind": reply.kind, "handoff": reply.handoff, "ms": round(elapsed * 1000, 2)})
        return reply

    def _lost(self, session_id: str | None, lang: str | None, channel: str) -> Reply | None:
        """A session that was waiting in a flow when the store went away, and whose state did not come back: tell the
        citizen, start it afresh, and leave this input unanswered (a phone number is not a question)."""
        if self.monitor is None or not session_id or self.store is None or self.assistant is None:
            return None
        was = self.journal.suspect(session_id, self.monitor.epoch)
        if was is None:
            return None
        from bot.understand.lang import canonical

        reply_lang = canonical(lang) or was
        ttl = self.assistant.config.ttl_for(channel)
        with self.store.lock(session_id):
            state = self.store.get(session_id)
            if state is not None:
                self.journal.note(session_id, state, ttl, self.monitor.epoch)
                return None
            self.store.put(session_id, new_state(session_id, channel, reply_lang), ttl)
        log.warning("session state lost with the store", extra={"event": "session_lost",
                                                                "session": session_hash(session_id)})
        reply = Reply(session_id=session_id, lang=reply_lang, kind="session_lost")
        reply.messages.append(notice("session_lost", reply_lang))
        return reply

    def session_alive(self, session_id: str) -> bool:
        """False once the session's state is gone; True while the store cannot tell (away), and for a session whose
        flow a store outage may have lost (its next turn says so)."""
        if self.store is None:
            return False
        if self.monitor is not None and self.journal.suspect(session_id, self.monitor.epoch) is not None:
            return True
        try:
            return self.store.get(session_id) is not None
        except StoreUnavailable:
            return True

    @property
    def unanswered_path(self) -> Path:
        return self.config.data_dir / "unanswered.jsonl"

    def unanswered(self) -> UnansweredLog:
        return UnansweredLog(self.unanswered_path)

    def reload(self) -> ReloadResult:
        """Validate the knowledge base and the flows on disk, then swap them in; on any error keep what serves."""
        with self._reload_lock:
            t0 = time.perf_counter()
            result = validate(self.config)
            if result.ok:
                try:
                    engine = load_engine(self.config)
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

    def close(self) -> None:
        if self.monitor is not None:
            self.monitor.stop()
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
