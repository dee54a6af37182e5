"""Step through a flow: take a slot value, an event or a command, move on; state is a plain dict."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from bot.flow.options import find_option, match_option, names_option, pick_numbers
from bot.flow.render import Output, StepRenderer
from bot.flow.schema import Flow, Option, Step
from bot.flow.state import FlowState, Slots, new_state
from bot.flow.validators import validate
from bot.present.messages import Messages
from bot.session.sealing import Sealer
from bot.turn import Message
from bot.understand.commands import Commands, looks_like_question
from bot.understand.lang import pick

__all__ = ["MAX_CHAIN", "STRICTNESS", "FlowRunner", "FlowState", "Output"]

MAX_CHAIN = 20
STRICTNESS = ("id_number", "phone", "plate", "date", "digits6")
"""Slot kinds tried in this order when a correction does not say which slot it replaces."""


class FlowRunner:
    def __init__(self, flows: Mapping[str, Flow], messages: Messages, commands: Commands, sealer: Sealer,
                 builtins: Mapping[str, str] | None = None) -> None:
        self.flows = dict(flows)
        self.msg = messages
        self.commands = commands
        self.sealer = sealer
        self.slots = Slots(sealer)
        self.view = StepRenderer(messages, self.slots, builtins)

    def flow_of(self, fs: FlowState) -> Flow:
        return self.flows[fs["name"]]

    def current(self, fs: FlowState) -> Step:
        return self.flow_of(fs).step(fs["step"])

    def slot_value(self, fs: FlowState, slot: str) -> Any:
        """The clear value (None once masked or unreadable)."""
        return self.slots.value(fs, slot)

    def mask_all(self, fs: FlowState) -> None:
        self.slots.mask_all(self.flow_of(fs), fs)

    def render(self, fs: FlowState, lang: str, with_actions: bool = True) -> Output:
        """The current step as the citizen sees it (prompt, buttons, actions)."""
        return self.view.render(self.flow_of(fs), fs, lang, with_actions)

    def start(self, name: str, lang: str, item_id: str | None = None) -> tuple[FlowState, Output]:
        flow = self.flows[name]
        fs = new_state(name, item_id if item_id in flow.items else flow.items[0], time.time())
        skip: list[str] = []
        if item_id:
            for step in flow.steps:
                chosen = [o for o in step.options if o.item == item_id] if step.kind == "choice" else []
                if len(chosen) == 1 and step.slot:
                    self._choose(flow, fs, step, chosen[0])
                    skip.append(step.id)
        fs["skip"] = skip
        out = Output()
        if flow.intro:
            out.messages.append(self.view.text(flow, fs, lang, flow.intro))
        for step_id in skip:
            step = flow.step(step_id)
            option = find_option(flow, step.slot or "", fs["slots"].get(step.slot or ""))
            if option is not None:
                out.messages.append(self.msg.message("prefilled", lang, title=pick(option.title.as_dict(), lang)))
        self._enter(flow, fs, flow.steps[0].id, lang, out)
        return fs, out

    def _choose(self, flow: Flow, fs: FlowState, step: Step, option: Option) -> None:
        assert step.slot
        self.slots.set(flow, fs, step.slot, option.value)
        fs["vars"].update(option.set)
        if option.item:
            fs["item"] = option.item

    def _next(self, flow: Flow, fs: FlowState, step: Step) -> str:
        if isinstance(step.next, str):
            return step.next
        raw = Slots.plain(fs)
        for goto in step.next or []:
            if all(str(raw.get(k)) == str(v) for k, v in goto.when.items()):
                return goto.goto
        raise ValueError(f"flow {flow.name} step {step.id}: no branch matches and no default")

    def _enter(self, flow: Flow, fs: FlowState, step_id: str, lang: str, out: Output, depth: int = 0) -> None:
        step = flow.step(step_id)
        fs["step"] = step_id
        if step.item:
            fs["item"] = step.item
        if step.id in fs.get("skip", []) and step.slot in fs["slots"] and depth < MAX_CHAIN:
            fs["skip"].remove(step.id)
            self._enter(flow, fs, self._next(flow, fs, step), lang, out, depth + 1)
            return
        if step.kind not in ("say", "end") and (not fs["history"] or fs["history"][-1] != step_id):
            fs["history"].append(step_id)
        out.messages.append(self.view.prompt(flow, fs, step, lang))
        self.view.emit(flow, fs, step, lang, out)
        self.view.decorate(flow, fs, step, lang, out)
        if step.kind == "say" and depth < MAX_CHAIN:
            self._enter(flow, fs, self._next(flow, fs, step), lang, out, depth + 1)
        elif step.kind == "end":
            out.ended = step.outcome
            out.buttons = []
            out.expect = None
            self.slots.mask_all(flow, fs)

    def _advance(self, flow: Flow, fs: FlowState, step: Step, lang: str, out: Output) -> Output:
        for slot in step.forget:
            self.slots.mask(flow, fs, slot)
        self._enter(flow, fs, self._next(flow, fs, step), lang, out)
        return out

    def handle_text(self, fs: FlowState, text: str, lang: str) -> Output | None:
        """Take the text as this step's answer; None when it is not one (a question, perhaps)."""
        flow = self.flow_of(fs)
        step = flow.step(fs["step"])
        if step.kind == "ask" and step.type:
            if step.type == "text" and looks_like_question(text):
                return None
            result = validate(step.type, text)
            if result.ok:
                assert step.slot
                self.slots.set(flow, fs, step.slot, result.value)
                out = Output()
                if note := result.remark(lang):
                    out.messages.append(Message(note, note))
                return self._advance(flow, fs, step, lang, out)
            if result.found:
                return self._invalid(flow, fs, step, lang, result.message(lang) or "")
            return None
        if step.kind == "choice":
            option = match_option(step.options, text)
            if option is None:
                return None
            self._choose(flow, fs, step, option)
            return self._advance(flow, fs, step, lang, Output())
        if step.kind == "confirm":
            answer = self.commands.yes_no(text)
            if answer is None:
                return None
            if step.slot:
                self.slots.set(flow, fs, step.slot, answer)
            if answer:
                return self._advance(flow, fs, step, lang, Output())
            assert step.on_no
            return self.go_back_to(fs, step.on_no, lang, self.msg.message("confirm_no", lang))
        if step.kind == "pick" and step.pick and step.slot:
            entries = fs["vars"].get(step.pick.source) or []
            every = step.pick.allow_all and self.commands.means_all(text)
            chosen = list(range(1, len(entries) + 1)) if every else pick_numbers(text, len(entries))
            if chosen is None:
                return None
            if not chosen:
                return self._invalid(flow, fs, step, lang, self.msg.text("pick_out_of_range", lang, n=len(entries)))
            self.slots.set(flow, fs, step.slot, chosen)
            picked = [entries[i - 1] for i in chosen]
            fs["vars"][f"{step.slot}_count"] = len(picked)
            if step.pick.sum:
                total = float(sum(float(e.get(step.pick.sum) or 0) for e in picked))
                fs["vars"][f"{step.slot}_total"] = int(total) if total.is_integer() else total
            return self._advance(flow, fs, step, lang, Output())
        if step.kind == "action" and self.commands.yes_no(text):
            out = Output(messages=[self.msg.message("waiting_for_device", lang)])
            self.view.decorate(flow, fs, step, lang, out)
            return out
        return None

    def _invalid(self, flow: Flow, fs: FlowState, step: Step, lang: str, error: str) -> Output:
        out = Output(messages=[Message(error, error)])
        self.view.decorate(flow, fs, step, lang, out)
        out.invalid = True
        return out

    def handle_event(self, fs: FlowState, event: Mapping[str, Any], lang: str) -> Output | None:
        """The client result the step waits for moves the flow on; a failure repeats the step; else None."""
        flow = self.flow_of(fs)
        step = flow.step(fs["step"])
        kind = str(event.get("type", ""))
        if kind and kind == step.event:
            if step.kind == "ask" and step.event_slot and step.type and step.slot:
                result = validate(step.type, str(event.get(step.event_slot) or ""))
                if not result.ok:
                    out = self.render(fs, lang, with_actions=False)
                    out.messages.insert(0, self.msg.message("device_read_invalid", lang))
                    out.invalid = True
                    return out
                self.slots.set(flow, fs, step.slot, result.value)
            for var, key in step.store.items():
                value = event.get(key)
                fs["vars"][var] = value
                if isinstance(value, list):
                    fs["vars"][f"{var}_count"] = len(value)
            return self._advance(flow, fs, step, lang, Output())
        if kind.endswith("_failed") or kind == "action_failed":
            out = self.render(fs, lang)
            out.messages.insert(0, self.msg.message("device_failed", lang))
            out.invalid = True
            return out
        return None

    def go_back_to(self, fs: FlowState, step_id: str, lang: str, lead: Message | None = None) -> Output:
        flow = self.flow_of(fs)
        if step_id in fs["history"]:
            del fs["history"][fs["history"].index(step_id):]
        target = flow.step(step_id)
        if target.slot:
            fs["slots"].pop(target.slot, None)
        out = Output(messages=[lead] if lead else [])
        self._enter(flow, fs, step_id, lang, out)
        return out

    def back(self, fs: FlowState, lang: str) -> Output:
        if len(fs["history"]) < 2:
            out = self.render(fs, lang, with_actions=False)
            out.messages.insert(0, self.msg.message("flow_first_step", lang))
            return out
        previous = fs["history"][-2]
        return self.go_back_to(fs, previous, lang, self.msg.message("flow_back", lang))

    def repeat(self, fs: FlowState, lang: str) -> Output:
        return self.render(fs, lang)

    def help(self, fs: FlowState, lang: str) -> Output:
        flow = self.flow_of(fs)
        step = flow.step(fs["step"])
        out = self.render(fs, lang, with_actions=False)
        if step.help:
            out.messages.insert(0, self.view.text(flow, fs, lang, step.help))
        out.messages.insert(len(out.messages) - 1, self.msg.message("flow_help", lang))
        return out

    def cancel(self, fs: FlowState, lang: str) -> Output:
        self.mask_all(fs)
        flow = self.flow_of(fs)
        return Output(messages=[self.msg.message("flow_cancelled", lang, flow_title=pick(flow.title.as_dict(), lang))],
                      ended="cancelled", item_id=fs.get("item"))

    def correct(self, fs: FlowState, rest: str, lang: str) -> Output | None:
        """'不对，号码是…': replace a slot already given (or the one asked now) and carry on."""
        flow = self.flow_of(fs)
        step = flow.step(fs["step"])
        filled = [s for s in flow.steps if s.slot and (s.slot in fs["slots"] or s.id == step.id)]
        typed = [s for s in filled if s.kind == "ask" and s.type in STRICTNESS]
        typed.sort(key=lambda s: (STRICTNESS.index(s.type or ""), s.id != step.id))
        errors = []
        for target in typed:
            assert target.type and target.slot
            result = validate(target.type, rest)
            if result.ok:
                return self._corrected(flow, fs, target, result.value, lang)
            if result.found:
                errors.append(result.message(lang) or "")
        for target in filled:
            if target.kind == "choice":
                option = match_option(target.options, rest)
                if option is not None:
                    self._choose(flow, fs, target, option)
                    return self._corrected(flow, fs, target, None, lang)
        if errors:
            return self._invalid(flow, fs, step, lang, errors[0])
        return None

    def restated_choice(self, fs: FlowState, text: str, lang: str) -> Output | None:
        """An earlier choice said again as a whole answer ('丢失补领' at a later step): take it as a correction."""
        flow = self.flow_of(fs)
        for step in flow.steps:
            if step.kind != "choice" or not step.slot or step.slot not in fs["slots"] or step.id == fs["step"]:
                continue
            if any(names_option(option, text) for option in step.options):
                return self.correct(fs, text, lang)
        return None

    def _corrected(self, flow: Flow, fs: FlowState, target: Step, value: Any, lang: str) -> Output:
        current = flow.step(fs["step"])
        if value is not None and target.slot:
            self.slots.set(flow, fs, target.slot, value)
        lead = self.msg.message("corrected", lang)
        if target.id == current.id and current.kind in ("ask", "choice"):
            out = Output(messages=[lead])
            return self._advance(flow, fs, current, lang, out)
        if isinstance(target.next, list) and target.id in fs["history"]:
            nxt = self._next(flow, fs, target)
            del fs["history"][fs["history"].index(target.id) + 1:]
            out = Output(messages=[lead])
            self._enter(flow, fs, nxt, lang, out)
            return out
        out = self.render(fs, lang, with_actions=False)
        out.messages.insert(0, lead)
        return out
