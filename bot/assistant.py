"""The one entry point for every channel: a line of text or a client event in, a Reply out.

One turn: lock the session → understand.classify → policy → present → store → record.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from typing import Any

from bot.config import AssistantConfig
from bot.flow.loader import FlowSet, load_flows
from bot.flow.runner import FlowRunner
from bot.flow.simulator import Simulator
from bot.paths import data_dir, package_data
from bot.policy.dispatch import Policy
from bot.policy.respond import Context
from bot.present.english import English
from bot.present.messages import Messages
from bot.records.privacy import mask_pii, session_hash
from bot.records.transcript import Transcript
from bot.records.unanswered import UnansweredLog
from bot.session.sealing import Sealer
from bot.session.store import MemoryStore, SessionStore
from bot.turn import Reply, Turn, new_state
from bot.understand.chitchat import SmallTalk
from bot.understand.classify import Understander
from bot.understand.commands import Commands
from bot.understand.followup import FollowUpCues, FollowUps
from bot.understand.lang import DEFAULT, canonical
from bot.understand.refusal import Refusals
from bot.understand.rules import Rules, load_lawful
from bot.understand.social import Social
from bot.understand.understanding import Understanding
from knowledge.engine import KnowledgeEngine

log = logging.getLogger("daoban.dialogue")
_SESSION_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,128}$")


class FlowError(ValueError):
    """The flow files do not validate; the message lists every problem."""

    def __init__(self, flows: FlowSet) -> None:
        super().__init__("flow files have errors:\n" + "\n".join(str(p) for p in flows.errors))
        self.flows = flows


def new_session_id() -> str:
    return secrets.token_urlsafe(16)


def _sealer(config: AssistantConfig, store: SessionStore) -> Sealer:
    if config.session_key:
        return Sealer(config.session_key)
    env = os.environ.get("DAOBAN_SESSION_KEY")
    if env:
        return Sealer(env.encode())
    if isinstance(store, MemoryStore):
        return Sealer.random()
    return Sealer.from_file(data_dir() / "session.key")


class Assistant:
    def __init__(self, engine: KnowledgeEngine | None = None, store: SessionStore | None = None,
                 config: AssistantConfig | None = None) -> None:
        self.engine = engine if engine is not None else KnowledgeEngine.load()
        self.store: SessionStore = store if store is not None else MemoryStore()
        self.config = config or AssistantConfig()
        flows = load_flows(self.config.flows_dir)
        if not flows.ok:
            raise FlowError(flows)
        self.flows = flows.flows
        data = package_data()
        messages = Messages.load(data / "messages.yaml")
        commands = Commands.load(data / "commands.yaml")
        english = English.load(data)
        self.simulator = Simulator()
        runner = FlowRunner(self.flows, messages, commands, _sealer(self.config, self.store),
                            builtins={"site_name": self.engine.site.name, "duty_phone": self.engine.site.duty_phone,
                                      "handover": self.engine.site.handover,
                                      "self_service_hours": self.engine.site.self_service_hours})
        self.unanswered = UnansweredLog(self.config.unanswered_path)
        self.transcript = Transcript(self.config.transcript_path) if self.config.transcript_path else None
        english_terms = self.engine.english
        followups = FollowUps(FollowUpCues.load(), self.engine.vocabulary(),
                              names_subject=lambda text: english_terms.expand(text) != text)
        rules = Rules(commands, Refusals.load(), Social.load(), SmallTalk.load(), load_lawful())
        self.understander = Understander(self.engine, rules, followups, runner, answer_cache=self.config.answer_cache)
        self.context = Context(self.engine, runner, messages, commands, english, rules.social, rules.refusals,
                               rules.smalltalk, self.unanswered, self.config, self.simulator,
                               self.config.backend or self.simulator)
        self.policy = Policy(self.context, self.understander)

    def handle(self, session_id: str | None, text: str | None = None, event: dict[str, Any] | None = None,
               lang: str | None = None, channel: str = "web") -> Reply:
        """One turn. A well-formed session id the store has never seen starts that session silently (a kiosk or
        robot names its own); an id that expired is told so once; a missing or malformed one, or one naming a record
        that is not a session, gets a new id."""
        return self.turn(session_id, text, event, lang, channel)[0]

    def turn(self, session_id: str | None, text: str | None = None, event: dict[str, Any] | None = None,
             lang: str | None = None, channel: str = "web") -> tuple[Reply, Understanding | None]:
        """One turn, with what it was understood as (None when the turn failed)."""
        channel = channel if isinstance(channel, str) and channel else "web"
        named = isinstance(session_id, str) and bool(_SESSION_ID.match(session_id))
        sid = session_id if named and isinstance(session_id, str) else new_session_id()
        understood: Understanding | None = None
        with self.store.lock(sid):
            state = self.store.get(sid)
            if state is not None and not isinstance(state.get("lang"), str):
                log.warning("session id %s names a record that is not a session; a new session starts",
                            session_hash(sid))
                sid, state, named = new_session_id(), None, False
            restarted = state is None and named and self.store.expired(sid)
            if state is None:
                state = new_state(sid, channel, canonical(lang) or self.config.default_lang or DEFAULT)
            before = dict(state)
            turn = Turn(state=state, reply=Reply(session_id=sid, lang=str(state["lang"])), channel=channel,
                        simulate=channel in self.config.simulate)
            try:
                understood = self.policy.run(turn, text, event if isinstance(event, dict) else None, lang, restarted)
            except Exception:
                log.exception("turn failed for session %s", session_hash(sid))
                state.clear()
                state.update(before)
                turn.reply = Reply(session_id=sid, lang=str(state.get("lang", DEFAULT)))
                turn.reply.messages.append(self.context.msg.message("error", turn.reply.lang))
            if turn.wipe:
                self.store.delete(sid)
            else:
                self.store.put(sid, state, self.config.ttl_for(channel))
        self._record(sid, channel, text, event, turn)
        return turn.reply, understood

    def _record(self, sid: str, channel: str, text: str | None, event: dict[str, Any] | None, turn: Turn) -> None:
        if self.transcript is not None:
            self.transcript.write(sid, channel, text if isinstance(text, str) else None,
                                  event if isinstance(event, dict) else None, turn.expected, turn.reply)
        if log.isEnabledFor(logging.DEBUG):
            shown = "[" + turn.expected + "]" if turn.expected in ("id_number", "phone", "plate", "digits6") else \
                mask_pii(text[:200]) if isinstance(text, str) else None
            log.debug("session %s %s in=%r flow=%s step=%s item=%s handoff=%s", session_hash(sid), channel, shown,
                      turn.reply.flow, turn.reply.step, turn.reply.item_id, turn.reply.handoff)

    def end_session(self, session_id: str) -> None:
        """Wipe a session now (a kiosk's 'finish' button, a robot walking away)."""
        with self.store.lock(session_id):
            self.store.delete(session_id)


__all__ = ["Assistant", "AssistantConfig", "FlowError", "Reply"]
