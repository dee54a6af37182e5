"""The dialogue policy of one turn: commands, the active flow, follow-ups, knowledge answers, the human route."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.config import AssistantConfig, Backend
from bot.flow.runner import MAX_CHAIN, FlowRunner, FlowState, Output
from bot.flow.simulator import Simulator
from bot.flow.validators import SENSITIVE
from bot.present.answer import AnswerPresenter
from bot.present.english import English
from bot.present.messages import Messages
from bot.records.privacy import mask_pii
from bot.records.unanswered import UnansweredLog
from bot.turn import Button, Message, Reply
from bot.understand.commands import Commands, looks_like_question
from bot.understand.followup import FollowUps
from bot.understand.lang import canonical, detect, pick, render
from knowledge.engine import Answer, KnowledgeEngine
from knowledge.normalize import InvalidQuery, check_query, normalize

State = dict[str, Any]
_EVENT_TEXT = re.compile(r"^/([a-z_]+)\s*(\{.*\})?\s*$", re.DOTALL)


def new_state(session_id: str, channel: str, lang: str) -> State:
    return {"v": 1, "id": session_id, "channel": channel, "lang": lang, "flow": None, "focus": None,
            "fails": 0, "turns": 0, "last": None}


def parse_event_text(text: str) -> dict[str, Any] | None:
    """'/payment_done{"amount": 40}' → {"type": "payment_done", "amount": 40} (button payloads for events)."""
    m = _EVENT_TEXT.match(text.strip())
    if not m:
        return None
    event: dict[str, Any] = {}
    if m.group(2):
        try:
            loaded = json.loads(m.group(2))
        except json.JSONDecodeError:
            return None
        if not isinstance(loaded, dict):
            return None
        event.update(loaded)
    event["type"] = m.group(1)
    return event


@dataclass
class Turn:
    state: State
    reply: Reply
    channel: str
    simulate: bool
    text: str | None = None
    wipe: bool = False
    expected: str | None = None
    """What the session waited for before this turn (masks the raw input in transcripts)."""

    @property
    def lang(self) -> str:
        return str(self.state["lang"])


class Dialogue:
    def __init__(self, engine: KnowledgeEngine, runner: FlowRunner, messages: Messages, commands: Commands,
                 followups: FollowUps, english: English, unanswered: UnansweredLog, config: AssistantConfig,
                 simulator: Simulator, backend: Backend) -> None:
        self.engine = engine
        self.runner = runner
        self.msg = messages
        self.commands = commands
        self.followups = followups
        self.english = english
        self.unanswered = unanswered
        self.config = config
        self.simulator = simulator
        self.backend = backend
        self.presenter = AnswerPresenter(messages, english, engine.site)
        site = engine.site
        help_window = site.windows.get("办不成事")
        self.site_values = {
            "handover": site.handover, "duty_phone": site.duty_phone, "site_name": site.name,
            "help_window": english.gloss(help_window.number or help_window.name) if help_window else "front desk",
        }
        self.help_target = help_window.robot_target if help_window else None
        self._answers: dict[tuple[str, str | None], Answer] = {}
        """Answers to questions already asked (kiosk questions repeat a lot); the base does not change at run time."""

    # ---- entry ---------------------------------------------------------------------------------------------

    def run(self, turn: Turn, text: str | None, event: dict[str, Any] | None, lang: str | None,
            restarted: bool) -> None:
        fs = turn.state.get("flow")
        if fs and fs.get("name") not in self.runner.flows:
            turn.state["flow"] = fs = None
        turn.expected = self.runner.render(fs, turn.lang, with_actions=False).expect if fs else None
        self._resolve_lang(turn, text if isinstance(text, str) else None, lang)
        turn.reply.lang = turn.lang
        if restarted:
            self._say(turn, "session_restarted")
        if event is None and isinstance(text, str) and text.lstrip().startswith("/"):
            event = parse_event_text(text)
            if event is not None:
                text = None
        turn.text = text if isinstance(text, str) else None
        if event is not None:
            self.on_event(turn, event)
        elif text is None:
            self.on_open(turn)
        else:
            try:
                clean = check_query(text)
            except InvalidQuery:
                self.on_bad_input(turn, text)
            else:
                self.on_text(turn, clean)
        turn.state["turns"] = int(turn.state.get("turns", 0)) + 1
        turn.state["last"] = {"messages": [[m.text, m.speech] for m in turn.reply.messages],
                              "buttons": [[b.title, b.payload] for b in turn.reply.buttons]}

    def _resolve_lang(self, turn: Turn, text: str | None, lang: str | None) -> None:
        chosen = canonical(lang)
        if chosen:
            turn.state["lang"] = chosen
        elif text and not text.lstrip().startswith("/"):
            seen = detect(text)
            if seen and not (seen == "en" and turn.expected in SENSITIVE):
                turn.state["lang"] = seen

    # ---- small helpers -------------------------------------------------------------------------------------

    def _say(self, turn: Turn, key: str, **values: Any) -> None:
        turn.reply.messages.append(self.msg.message(key, turn.lang, **{**self.site_values, **values}))

    def _button(self, key: str, lang: str) -> Button:
        text = self.msg.text(key, lang)
        return Button(text, text)

    def _flow_buttons(self, lang: str) -> list[Button]:
        flows = sorted(self.runner.flows.items(), key=lambda kv: (kv[1].menu, kv[0]))
        return [Button(pick(f.title.as_dict(), lang), "/start_flow" + json.dumps({"flow": name}))
                for name, f in flows][:8]

    def _log(self, turn: Turn, question: str, reason: str) -> None:
        fs = turn.state.get("flow") or {}
        self.unanswered.record(question, reason, str(turn.state["id"]), turn.channel, turn.lang,
                               flow=fs.get("name"), step=fs.get("step"),
                               item_id=(turn.state.get("focus") or {}).get("item"))

    def _emergency(self, text: str) -> bool:
        return self.commands.is_emergency(text)

    # ---- the human route -----------------------------------------------------------------------------------

    def handoff(self, turn: Turn, key: str, question: str | None, reason: str | None) -> None:
        if question and self._emergency(question):
            self._say(turn, "emergency")
        self._say(turn, key)
        turn.reply.handoff = True
        if turn.channel == "robot" and self.help_target:
            turn.reply.actions.append({"type": "robot", "go_to": self.help_target})
        if reason and question:
            self._log(turn, question, reason)
        turn.state["fails"] = 0
        fs = turn.state.get("flow")
        if fs:
            turn.reply.flow, turn.reply.step = fs["name"], fs["step"]
            turn.reply.buttons = [self._button("button_continue", turn.lang), self._button("button_cancel", turn.lang)]

    def failure(self, turn: Turn, question: str | None, lead: str | None) -> None:
        """One more no-match / no-input / invalid value in a row: repeat, then offer help, then the human route."""
        fails = int(turn.state.get("fails", 0)) + 1
        turn.state["fails"] = fails
        fs = turn.state.get("flow")
        if fails >= self.config.handoff_after:
            self.handoff(turn, "handoff_repeated", question or "", "repeated_failure" if question else None)
            return
        if lead:
            self._say(turn, lead)
        if fails >= self.config.help_after:
            if fs:
                self._apply(turn, self.runner.help(fs, turn.lang), fs)
            else:
                self._say(turn, "offer_help")
                turn.reply.buttons = [*self._flow_buttons(turn.lang)[:4], self._button("button_human", turn.lang)]
            return
        if fs:
            self._apply(turn, self.runner.render(fs, turn.lang, with_actions=False), fs)

    # ---- events --------------------------------------------------------------------------------------------

    def on_open(self, turn: Turn) -> None:
        fs = turn.state.get("flow")
        if fs:
            self._apply(turn, self.runner.render(fs, turn.lang, with_actions=False), fs)
        else:
            self.greet(turn)

    def greet(self, turn: Turn) -> None:
        self._say(turn, "greeting")
        turn.reply.buttons = [*self._flow_buttons(turn.lang)[:6], self._button("button_human", turn.lang)]

    def on_event(self, turn: Turn, event: dict[str, Any]) -> None:
        kind = str(event.get("type") or "")
        fs = turn.state.get("flow")
        if kind == "idle":
            self._say(turn, "idle_cleared")
            turn.wipe = True
            return
        if kind == "person_approached":
            lang = turn.lang
            turn.state.clear()
            turn.state.update(new_state(turn.reply.session_id, turn.channel, lang))
            self.greet(turn)
            return
        if kind == "no_input":
            self.failure(turn, None, "no_input")
            return
        if kind == "start_flow":
            self.start_flow(turn, str(event.get("flow") or ""), event.get("item"))
            return
        if fs is None:
            self._say(turn, "nothing_to_cancel")
            return
        step = self.runner.current(fs)
        if turn.simulate and step.kind == "ask" and step.event == kind and step.event_slot not in event:
            for action in self.runner.render(fs, turn.lang).actions:
                answer = self.simulator.answer(action)
                if answer and answer.get("type") == kind:
                    event = {**answer, **event}
                    note = self._simulated(turn, event)
                    if note:
                        turn.reply.messages.append(note)
                    break
        out = self.runner.handle_event(fs, event, turn.lang)
        if out is None:
            self._say(turn, "unexpected_event")
            out = self.runner.render(fs, turn.lang, with_actions=False)
        elif not out.invalid:
            turn.state["fails"] = 0
        self._apply(turn, out, fs)

    def _simulated(self, turn: Turn, event: dict[str, Any]) -> Message | None:
        """Record an event the simulator produced; the note to show for it, if any."""
        safe = {k: mask_pii(v) if isinstance(v, str) else v for k, v in event.items()}
        turn.reply.simulated.append(safe)
        key = f"sim_{event.get('type')}"
        if key not in self.msg:
            return None
        what = self.msg.text(key, turn.lang, **{k: v for k, v in safe.items() if k != "type"})
        return self.msg.message("simulated", turn.lang, what=what)

    # ---- flows ---------------------------------------------------------------------------------------------

    def start_flow(self, turn: Turn, name: str, item_id: str | None = None) -> None:
        if name not in self.runner.flows:
            self._say(turn, "no_focus_start")
            turn.reply.buttons = self._flow_buttons(turn.lang)
            return
        old = turn.state.get("flow")
        flow = self.runner.flows[name]
        if old:
            old_title = pick(self.runner.flow_of(old).title.as_dict(), turn.lang)
            self.runner.mask_all(old)
            self._say(turn, "flow_switched", old=old_title, flow_title=pick(flow.title.as_dict(), turn.lang))
        fs, out = self.runner.start(name, turn.lang, item_id)
        turn.state["flow"] = fs
        turn.state["fails"] = 0
        self._apply(turn, out, fs)

    def _apply(self, turn: Turn, out: Output, fs: FlowState) -> None:
        out = self._drive(turn, fs, out)
        r = turn.reply
        r.messages += out.messages
        r.actions += out.actions
        r.buttons = out.buttons
        r.expect = out.expect  # type: ignore[assignment]
        r.wait_event = out.wait_event
        r.step = out.step
        r.progress = out.progress
        r.flow = fs["name"]
        item = self.engine.items.get(out.item_id or fs.get("item") or "")
        if item is not None:
            r.item_id = item.id
            r.item_title = self.english.title(item) if turn.lang == "en" else render(item.name, turn.lang)
        if out.ended:
            turn.state["flow"] = None
            turn.state["focus"] = {"item": item.id, "aspect": None} if item else None
            if turn.channel in self.config.wipe_on_complete:
                turn.wipe = True

    def _drive(self, turn: Turn, fs: FlowState, out: Output) -> Output:
        """Answer back-end queries in-process and, where simulated, kiosk actions, until the flow waits for a person."""
        for _ in range(MAX_CHAIN):
            progressed = False
            while out.backend and not out.ended:
                event = self.backend.answer(out.backend.pop(0))
                if event:
                    more = self.runner.handle_event(fs, event, turn.lang)
                    if more is not None:
                        out.extend(more)
                        progressed = True
            if turn.simulate and not out.ended and fs.get("step"):
                step = self.runner.current(fs)
                if step.kind == "action":
                    for action in self.runner.render(fs, turn.lang).actions:
                        event = self.simulator.answer(action)
                        if event and event.get("type") == step.event:
                            note = self._simulated(turn, event)
                            if note:
                                out.messages.append(note)
                            more = self.runner.handle_event(fs, event, turn.lang)
                            if more is not None:
                                out.extend(more)
                                progressed = True
                            break
            if not progressed:
                break
        return out

    # ---- text ----------------------------------------------------------------------------------------------

    def on_bad_input(self, turn: Turn, text: object) -> None:
        if not isinstance(text, str) or not text.strip():
            key = "bad_input_empty"
        elif len(text.strip()) > 500:
            key = "bad_input_long"
        else:
            key = "bad_input_junk"
        self.failure(turn, None, key)

    def on_text(self, turn: Turn, text: str) -> None:
        command = self.commands.match(text)
        fs = turn.state.get("flow")
        if fs:
            self.flow_text(turn, fs, text, command)
        else:
            self.free_text(turn, text, command)

    def flow_text(self, turn: Turn, fs: FlowState, text: str, command: str | None) -> None:
        lang = turn.lang
        if command == "human":
            self.handoff(turn, "handoff_request", text, "handoff_request")
            turn.reply.flow, turn.reply.step = fs["name"], fs["step"]
            return
        handlers = {"cancel": self.runner.cancel, "back": self.runner.back, "repeat": self.runner.repeat,
                    "help": self.runner.help, "start": self.runner.repeat, "guide": self.runner.repeat}
        if command in handlers:
            self._apply(turn, handlers[command](fs, lang), fs)
            return
        if command == "restart":
            self.start_flow(turn, fs["name"], fs.get("item"))
            return
        rest = self.commands.correction(text)
        out = self.runner.correct(fs, rest, lang) if rest else None
        if out is None:
            out = self.runner.handle_text(fs, text, lang)
        if out is None:
            out = self.runner.restated_choice(fs, text, lang)
        if out is not None:
            if out.invalid:
                fails = int(turn.state.get("fails", 0)) + 1
                if fails >= self.config.handoff_after:
                    turn.reply.messages += out.messages[:1]
                    self.failure(turn, text, None)
                    return
                turn.state["fails"] = fails
                if fails >= self.config.help_after:
                    turn.reply.messages += out.messages[:1]
                    self._apply(turn, self.runner.help(fs, lang), fs)
                    return
            else:
                turn.state["fails"] = 0
            self._apply(turn, out, fs)
            return
        if self._digress(turn, fs, text):
            return
        self.failure(turn, text, "not_understood")

    def _digress(self, turn: Turn, fs: FlowState, text: str) -> bool:
        """A question in the middle of a flow: answer it, then repeat the step the flow is waiting at."""
        normalized = normalize(text)
        focus = fs.get("item")
        answer: Answer | None = None
        aspect = self._followup_aspect(turn, text, normalized)
        if aspect and focus in self.engine.items:
            answer = self.engine.answer_item(focus, aspect)
        elif looks_like_question(text) or len(normalized) >= 6:
            answer = self._ask(turn, text)
            if answer is not None and answer.declined == "low_confidence":
                return False
        if answer is None:
            return False
        self._show_answer(turn, answer, text, in_flow=True)
        flow = self.runner.flow_of(fs)
        self._say(turn, "flow_resume", flow_title=pick(flow.title.as_dict(), turn.lang))
        item_id, item_title, card = turn.reply.item_id, turn.reply.item_title, turn.reply.card
        self._apply(turn, self.runner.render(fs, turn.lang, with_actions=False), fs)
        turn.reply.item_id, turn.reply.item_title, turn.reply.card = item_id, item_title, card
        turn.state["fails"] = 0
        return True

    def free_text(self, turn: Turn, text: str, command: str | None) -> None:
        lang = turn.lang
        focus = turn.state.get("focus") or {}
        if command == "help":
            self._say(turn, "help_general")
            turn.reply.buttons = [*self._flow_buttons(lang)[:4], self._button("button_human", lang)]
        elif command == "human":
            self.handoff(turn, "handoff_request", turn.state.get("last_question") or text, "handoff_request")
        elif command == "repeat":
            last = turn.state.get("last")
            if last and last.get("messages"):
                turn.reply.messages += [Message(t, s) for t, s in last["messages"]]
                turn.reply.buttons = [Button(t, p) for t, p in last.get("buttons", [])]
            else:
                self.greet(turn)
        elif command in ("cancel", "back"):
            self._say(turn, "nothing_to_cancel")
        elif command == "restart":
            turn.state["focus"] = None
            self.greet(turn)
        elif command == "start":
            item = self.engine.items.get(focus.get("item") or "")
            if item is not None and item.flow in self.runner.flows:
                self._say(turn, "flow_started", flow_title=pick(self.runner.flows[item.flow].title.as_dict(), lang))
                self.start_flow(turn, item.flow, item.id)
            elif item is not None:
                where = "；".join(self.presenter.present(self.engine.answer_item(item.id, "location"), item, lang,
                                                        turn.channel, False).card["where"])  # type: ignore[index]
                self._say(turn, "flow_not_available", title=render(item.name, lang), where=where)
            else:
                self._say(turn, "no_focus_start")
                turn.reply.buttons = self._flow_buttons(lang)
        elif command == "guide":
            item = self.engine.items.get(focus.get("item") or "")
            target = self.presenter.robot_target(item) if item else None
            if item is not None and target:
                place = self.presenter.present(self.engine.answer_item(item.id, "location"), item, lang,
                                               turn.channel, False).card["where"][0]  # type: ignore[index]
                self._say(turn, "guide_to", place=place)
                turn.reply.actions.append({"type": "robot", "go_to": target})
            else:
                self._say(turn, "guide_no_place")
        else:
            self.question(turn, text)

    # ---- questions -----------------------------------------------------------------------------------------

    def _followup_aspect(self, turn: Turn, text: str, normalized: str) -> str | None:
        if turn.lang == "en":
            return self.english.followup_aspect(text)
        return self.followups.aspect_followup(normalized)

    def _ask(self, turn: Turn, text: str, aspect: str | None = None) -> Answer | None:
        query = text
        if turn.lang == "en" or detect(text) == "en":
            translated = self.english.translate(text)
            if not translated.query:
                return Answer(None, None, None, "", "", 0.0, True, [], declined="low_confidence")
            query, aspect = translated.query, aspect or translated.aspect
        key = (query, aspect)
        cached = self._answers.get(key)
        if cached is not None:
            return cached
        try:
            answer = self.engine.ask(query, aspect=aspect)
        except InvalidQuery:
            return None
        if self.config.answer_cache > 0:
            if len(self._answers) >= self.config.answer_cache:
                self._answers.pop(next(iter(self._answers)))
            self._answers[key] = answer
        return answer

    def question(self, turn: Turn, text: str) -> None:
        normalized = normalize(text)
        focus = turn.state.get("focus") or {}
        focus_item = focus.get("item") if focus.get("item") in self.engine.items else None
        turn.state["last_question"] = mask_pii(text)
        answer: Answer | None = None
        if turn.lang != "en":
            switched = self.followups.switch(normalized)
            if switched is not None:
                answer = self._switch(turn, switched, focus_item, focus)
                if answer is None:
                    return
        if answer is None:
            aspect = self._followup_aspect(turn, text, normalized)
            if aspect and focus_item:
                answer = self.engine.answer_item(focus_item, aspect)
            elif aspect:
                self._say(turn, "followup_no_focus")
                return
        if answer is None and focus_item and focus.get("aspect"):
            other = self.followups.about_other(text)
            if other:
                answer = self._ask(turn, other, aspect=focus.get("aspect"))
        if answer is None:
            answer = self._ask(turn, text)
        if answer is None:
            self.on_bad_input(turn, text)
            return
        if answer.declined:
            self.declined(turn, answer, text)
            return
        self._show_answer(turn, answer, text, in_flow=False)

    def _switch(self, turn: Turn, rest: str, focus_item: str | None, focus: dict[str, Any]) -> Answer | None:
        """'不是这个，我问的是换领': the best other item for the rest of the sentence, read with the item in focus."""
        lang = turn.lang
        if not rest:
            alts = [a for a in focus.get("alts") or [] if a in self.engine.items]
            self._say(turn, "switch_ask")
            turn.reply.buttons = [Button(render(self.engine.items[a].name, lang), self.engine.items[a].name)
                                  for a in alts]
            return None
        queries = [rest]
        if focus_item:
            queries.append(self.engine.items[focus_item].name + rest)
        best: tuple[float, str] | None = None
        for query in queries:
            try:
                ranking = self.engine.rank(query, k=5)
            except InvalidQuery:
                continue
            for cand in ranking.candidates:
                if cand.out_of_scope or cand.id == focus_item:
                    continue
                if best is None or cand.score > best[0]:
                    best = (cand.score, cand.id)
                break
        if best is None or best[0] < self.engine.thresholds.min_score:
            return self._ask(turn, rest)
        aspect = focus.get("aspect") or self.followups.aspect(rest)
        return self.engine.answer_item(best[1], aspect)

    def _show_answer(self, turn: Turn, answer: Answer, text: str, in_flow: bool) -> None:
        if answer.declined:
            self.declined(turn, answer, text, in_flow=in_flow)
            return
        assert answer.item_id is not None
        item = self.engine.items[answer.item_id]
        has_flow = bool(item.flow and item.flow in self.runner.flows)
        if has_flow and not in_flow and self.commands.wants_to_start(text):
            assert item.flow
            self._say(turn, "flow_started", flow_title=pick(self.runner.flows[item.flow].title.as_dict(), turn.lang))
            self.start_flow(turn, item.flow, item.id)
            return
        view = self.presenter.present(answer, item, turn.lang, turn.channel, has_flow and not in_flow)
        if self._emergency(text):
            self._say(turn, "emergency")
        r = turn.reply
        r.messages += view.messages
        r.card = view.card
        r.item_id, r.item_title, r.field = item.id, view.item_title, answer.field
        r.actions += view.actions
        if not in_flow:
            r.buttons = view.buttons
            turn.state["focus"] = {"item": item.id, "aspect": answer.field, "alts": answer.alternatives[:3]}
            turn.state["fails"] = 0

    def declined(self, turn: Turn, answer: Answer, text: str, in_flow: bool = False) -> None:
        kind = answer.declined
        lang = turn.lang
        if kind == "chitchat":
            if lang == "en":
                self._say(turn, "greeting")
            else:
                turn.reply.messages.append(Message(render(answer.answer, lang), render(answer.speech, lang)))
            return
        if kind in ("department", "refuse"):
            if self._emergency(text):
                self._say(turn, "emergency")
            if lang == "en":
                self._say(turn, "department_phone")
            else:
                turn.reply.messages.append(Message(render(answer.answer, lang), render(answer.speech, lang)))
                self._say(turn, "department_phone")
            turn.reply.handoff = True
            self._log(turn, text, str(kind))
            return
        self._log(turn, text, "low_confidence")
        if in_flow:
            return
        fails = int(turn.state.get("fails", 0)) + 1
        if fails == 1 and answer.alternatives:
            turn.state["fails"] = fails
            self._say(turn, "low_confidence")
            turn.reply.buttons = [Button(render(self.engine.items[a].name, lang), self.engine.items[a].name)
                                  for a in answer.alternatives[:3] if a in self.engine.items]
            turn.reply.buttons.append(self._button("button_human", lang))
            return
        self.failure(turn, text, "low_confidence")
