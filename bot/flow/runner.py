"""Step through a flow: render a step, take a slot value, an event or a command, move on; state is a plain dict."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.flow.schema import Flow, Option, Step
from bot.flow.validators import SENSITIVE, validate
from bot.numerals import chinese_numbers
from bot.present.messages import Messages, fill
from bot.records.privacy import mask_value
from bot.session.sealing import Sealer, is_sealed
from bot.turn import Button, Message
from bot.understand.commands import Commands, looks_like_question
from bot.understand.lang import pick
from knowledge.normalize import normalize

FlowState = dict[str, Any]
EXPECT = {"choice": "choice", "pick": "choice", "confirm": "yes_no", "action": "command"}
_PLACEHOLDER = re.compile(r"^\{(\w+)\}$")
_ORDINAL = re.compile(r"^(?:第|选|选择|number|no\.?|#)?\s*(\d{1,2})\s*(?:个|项|条|号|种)?$")
MAX_CHAIN = 20
STRICTNESS = ("id_number", "phone", "plate", "date", "digits6")
"""Slot kinds tried in this order when a correction does not say which slot it replaces."""


@dataclass
class Output:
    """What stepping produced this turn; the assistant turns it into a Reply."""

    messages: list[Message] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    backend: list[dict[str, Any]] = field(default_factory=list)
    """Back-end queries, answered in-process; they may carry personal data and never reach the client."""
    expect: str | None = None
    wait_event: str | None = None
    step: str | None = None
    progress: tuple[int, int] | None = None
    ended: str | None = None
    invalid: bool = False
    item_id: str | None = None

    def extend(self, other: Output) -> Output:
        self.messages += other.messages
        self.actions += other.actions
        self.backend += other.backend
        for name in ("buttons", "expect", "wait_event", "step", "progress", "item_id"):
            setattr(self, name, getattr(other, name))
        self.ended = other.ended or self.ended
        self.invalid = other.invalid
        return self


class FlowRunner:
    def __init__(self, flows: Mapping[str, Flow], messages: Messages, commands: Commands, sealer: Sealer,
                 builtins: Mapping[str, str] | None = None) -> None:
        self.flows = dict(flows)
        self.msg = messages
        self.commands = commands
        self.sealer = sealer
        self.builtins = dict(builtins or {})

    # ---- state ---------------------------------------------------------------------------------------------

    def flow_of(self, fs: FlowState) -> Flow:
        return self.flows[fs["name"]]

    def current(self, fs: FlowState) -> Step:
        return self.flow_of(fs).step(fs["step"])

    def _set_slot(self, flow: Flow, fs: FlowState, slot: str, value: Any) -> None:
        kind = flow.slot_types().get(slot)
        fs["slots"][slot] = self.sealer.seal(value) if kind in SENSITIVE and isinstance(value, str) else value
        if slot in fs["masked"]:
            fs["masked"].remove(slot)

    def slot_value(self, fs: FlowState, slot: str) -> Any:
        """The clear value (None once masked or unreadable)."""
        value = fs["slots"].get(slot)
        if slot in fs["masked"]:
            return None
        if is_sealed(value):
            return self.sealer.open(value)
        return value

    def _mask_slot(self, flow: Flow, fs: FlowState, slot: str) -> None:
        kind = flow.slot_types().get(slot)
        if kind not in SENSITIVE | {"text"} or slot not in fs["slots"] or slot in fs["masked"]:
            return
        clear = self.slot_value(fs, slot)
        fs["slots"][slot] = mask_value(kind, clear) if clear and kind != "text" else "***"
        fs["masked"].append(slot)

    def mask_all(self, fs: FlowState) -> None:
        flow = self.flow_of(fs)
        for slot in list(fs["slots"]):
            self._mask_slot(flow, fs, slot)

    def _values(self, flow: Flow, fs: FlowState, lang: str, reveal: bool = False) -> dict[str, Any]:
        """Placeholder values: variables, then slots shown masked (or clear, for back-end queries only)."""
        values: dict[str, Any] = {**self.builtins, "flow_title": pick(flow.title.as_dict(), lang)}
        values.update(fs["vars"])
        types = flow.slot_types()
        for slot, stored in fs["slots"].items():
            kind = types.get(slot, "text")
            if kind in SENSITIVE:
                clear = self.slot_value(fs, slot)
                values[slot] = clear if reveal and clear else (mask_value(kind, clear) if clear else stored)
            elif kind == "choice":
                values[slot] = stored
                option = self._option(flow, slot, stored)
                values[f"{slot}_title"] = pick(option.title.as_dict(), lang) if option else stored
            elif kind == "yes_no":
                values[slot] = stored
            else:
                values[slot] = stored
        return values

    @staticmethod
    def _option(flow: Flow, slot: str, value: Any) -> Option | None:
        for s in flow.steps:
            if s.slot == slot:
                for o in s.options:
                    if o.value == value:
                        return o
        return None

    # ---- rendering -----------------------------------------------------------------------------------------

    def _render_actions(self, step: Step, flow: Flow, fs: FlowState, lang: str,
                        reveal: bool) -> list[dict[str, Any]]:
        values = self._values(flow, fs, lang, reveal=reveal)
        out = []
        for action in step.actions:
            rendered: dict[str, Any] = {}
            for key, val in action.items():
                if isinstance(val, str) and (m := _PLACEHOLDER.match(val)) and m.group(1) in values:
                    rendered[key] = values[m.group(1)]
                elif isinstance(val, str):
                    rendered[key] = fill(val, values)
                elif isinstance(val, Mapping):
                    rendered[key] = {k: fill(v, values) if isinstance(v, str) else v for k, v in val.items()}
                else:
                    rendered[key] = val
            out.append(rendered)
        return out

    def _buttons(self, flow: Flow, fs: FlowState, step: Step, lang: str) -> list[Button]:
        buttons: list[Button] = []
        if step.kind == "choice":
            buttons = [Button(pick(o.title.as_dict(), lang), pick(o.title.as_dict(), lang)) for o in step.options]
        elif step.kind == "confirm":
            buttons = [Button(self.msg.text("button_yes", lang), self.msg.text("button_yes", lang)),
                       Button(self.msg.text("button_no", lang), self.msg.text("button_no", lang))]
        elif step.kind == "pick" and step.pick:
            entries = fs["vars"].get(step.pick.source) or []
            values = self._values(flow, fs, lang)
            for i, entry in enumerate(entries, 1):
                label = fill(pick(step.pick.label.as_dict(), lang), {**values, **entry})
                buttons.append(Button(f"{i}. {label}", str(i)))
            if step.pick.allow_all and len(entries) > 1:
                buttons.append(Button(self.msg.text("button_all", lang), self.msg.text("button_all", lang)))
        if step.kind != "end":
            if len(fs["history"]) > 1:
                buttons.append(Button(self.msg.text("button_back", lang), self.msg.text("button_back", lang)))
            buttons.append(Button(self.msg.text("button_cancel", lang), self.msg.text("button_cancel", lang)))
        return buttons

    def _prompt(self, flow: Flow, fs: FlowState, step: Step, lang: str) -> Message:
        values = self._values(flow, fs, lang)
        if step.kind == "pick" and step.pick:
            entries = fs["vars"].get(step.pick.source) or []
            lines = [f"{i}. " + fill(pick(step.pick.label.as_dict(), lang), {**values, **e})
                     for i, e in enumerate(entries, 1)]
            values[f"{step.pick.source}_list"] = "\n".join(lines)
        screen = fill(pick(step.prompt.as_dict(), lang), values)
        speech = fill(pick(step.speech.as_dict(), lang), values) if step.speech else screen.split("\n")[0]
        return Message(screen, speech)

    def render(self, fs: FlowState, lang: str, with_actions: bool = True) -> Output:
        """The current step as the citizen sees it (prompt, buttons, actions)."""
        flow = self.flow_of(fs)
        step = flow.step(fs["step"])
        out = Output(messages=[self._prompt(flow, fs, step, lang)])
        self._decorate(flow, fs, step, lang, out)
        if with_actions:
            self._emit(flow, fs, step, lang, out)
        return out

    def _emit(self, flow: Flow, fs: FlowState, step: Step, lang: str, out: Output) -> None:
        if not step.actions:
            return
        client = [a for a in step.actions if a.get("type") != "backend"]
        backend = [a for a in step.actions if a.get("type") == "backend"]
        if client:
            out.actions += self._render_actions(step.model_copy(update={"actions": client}), flow, fs, lang, False)
        if backend:
            out.backend += self._render_actions(step.model_copy(update={"actions": backend}), flow, fs, lang, True)

    def _decorate(self, flow: Flow, fs: FlowState, step: Step, lang: str, out: Output) -> None:
        out.buttons = self._buttons(flow, fs, step, lang)
        out.step = step.id
        out.expect = step.type if step.kind == "ask" else EXPECT.get(step.kind)
        out.wait_event = step.event
        counted = flow.counted_steps()
        out.progress = (counted.index(step.id) + 1, len(counted)) if step.id in counted else None
        out.item_id = fs.get("item")

    # ---- moving --------------------------------------------------------------------------------------------

    def start(self, name: str, lang: str, item_id: str | None = None) -> tuple[FlowState, Output]:
        flow = self.flows[name]
        fs: FlowState = {"name": name, "step": None, "history": [], "slots": {}, "vars": {}, "masked": [],
                         "item": item_id if item_id in flow.items else flow.items[0], "started": time.time()}
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
            text = fill(pick(flow.intro.as_dict(), lang), self._values(flow, fs, lang))
            out.messages.append(Message(text, text.split("\n")[0]))
        for step_id in skip:
            step = flow.step(step_id)
            option = self._option(flow, step.slot or "", fs["slots"].get(step.slot or ""))
            if option is not None:
                out.messages.append(self.msg.message("prefilled", lang, title=pick(option.title.as_dict(), lang)))
        self._enter(flow, fs, flow.steps[0].id, lang, out)
        return fs, out

    def _choose(self, flow: Flow, fs: FlowState, step: Step, option: Option) -> None:
        assert step.slot
        self._set_slot(flow, fs, step.slot, option.value)
        fs["vars"].update(option.set)
        if option.item:
            fs["item"] = option.item

    def _next(self, flow: Flow, fs: FlowState, step: Step) -> str:
        if isinstance(step.next, str):
            return step.next
        raw = {**fs["vars"], **{k: v for k, v in fs["slots"].items() if not is_sealed(v)}}
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
        out.messages.append(self._prompt(flow, fs, step, lang))
        self._emit(flow, fs, step, lang, out)
        self._decorate(flow, fs, step, lang, out)
        if step.kind == "say" and depth < MAX_CHAIN:
            self._enter(flow, fs, self._next(flow, fs, step), lang, out, depth + 1)
        elif step.kind == "end":
            out.ended = step.outcome
            out.buttons = []
            out.expect = None
            self.mask_all(fs)

    def _advance(self, flow: Flow, fs: FlowState, step: Step, lang: str, out: Output) -> Output:
        for slot in step.forget:
            self._mask_slot(flow, fs, slot)
        self._enter(flow, fs, self._next(flow, fs, step), lang, out)
        return out

    # ---- input ---------------------------------------------------------------------------------------------

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
                self._set_slot(flow, fs, step.slot, result.value)
                out = Output()
                if note := result.remark(lang):
                    out.messages.append(Message(note, note))
                return self._advance(flow, fs, step, lang, out)
            if result.found:
                return self._invalid(flow, fs, step, lang, result.message(lang) or "")
            return None
        if step.kind == "choice":
            option = self.match_option(step, text)
            if option is None:
                return None
            self._choose(flow, fs, step, option)
            return self._advance(flow, fs, step, lang, Output())
        if step.kind == "confirm":
            answer = self.commands.yes_no(text)
            if answer is None:
                return None
            if step.slot:
                self._set_slot(flow, fs, step.slot, answer)
            if answer:
                return self._advance(flow, fs, step, lang, Output())
            assert step.on_no
            return self.go_back_to(fs, step.on_no, lang, self.msg.message("confirm_no", lang))
        if step.kind == "pick" and step.pick and step.slot:
            entries = fs["vars"].get(step.pick.source) or []
            chosen = self._parse_pick(text, len(entries), step.pick.allow_all)
            if chosen is None:
                return None
            if not chosen:
                return self._invalid(flow, fs, step, lang, self.msg.text("pick_out_of_range", lang, n=len(entries)))
            self._set_slot(flow, fs, step.slot, chosen)
            picked = [entries[i - 1] for i in chosen]
            fs["vars"][f"{step.slot}_count"] = len(picked)
            if step.pick.sum:
                total = float(sum(float(e.get(step.pick.sum) or 0) for e in picked))
                fs["vars"][f"{step.slot}_total"] = int(total) if total.is_integer() else total
            return self._advance(flow, fs, step, lang, Output())
        if step.kind == "action" and self.commands.yes_no(text):
            out = Output(messages=[self.msg.message("waiting_for_device", lang)])
            self._decorate(flow, fs, step, lang, out)
            return out
        return None

    def _invalid(self, flow: Flow, fs: FlowState, step: Step, lang: str, error: str) -> Output:
        out = Output(messages=[Message(error, error)])
        self._decorate(flow, fs, step, lang, out)
        out.invalid = True
        return out

    def match_option(self, step: Step, text: str) -> Option | None:
        said = normalize(text) if text.strip() else ""
        if not said:
            return None
        ordinal = _ORDINAL.match(chinese_numbers(said))
        if ordinal and 1 <= int(ordinal.group(1)) <= len(step.options):
            return step.options[int(ordinal.group(1)) - 1]
        best: tuple[int, Option] | None = None
        tie = False
        for option in step.options:
            words = [normalize(w) for w in (*option.title.all(), *option.synonyms, option.value) if w.strip()]
            if said in words:
                return option
            hits = [len(w) for w in words if w and w in said]
            if hits:
                score = max(hits)
                if best is None or score > best[0]:
                    best, tie = (score, option), False
                elif score == best[0] and option is not best[1]:
                    tie = True
        return None if best is None or tie else best[1]

    def _parse_pick(self, text: str, n: int, allow_all: bool) -> list[int] | None:
        if allow_all and self.commands.means_all(text):
            return list(range(1, n + 1))
        numbers = [int(x) for x in re.findall(r"\d+", chinese_numbers(normalize(text) or text))]
        if not numbers:
            return None
        if any(x < 1 or x > n for x in numbers):
            return []
        return sorted(set(numbers))

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
                self._set_slot(flow, fs, step.slot, result.value)
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

    # ---- commands ------------------------------------------------------------------------------------------

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
            text = fill(pick(step.help.as_dict(), lang), self._values(flow, fs, lang))
            out.messages.insert(0, Message(text, text.split("\n")[0]))
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
                option = self.match_option(target, rest)
                if option is not None:
                    self._choose(flow, fs, target, option)
                    return self._corrected(flow, fs, target, None, lang)
        if errors:
            return self._invalid(flow, fs, step, lang, errors[0])
        return None

    def restated_choice(self, fs: FlowState, text: str, lang: str) -> Output | None:
        """An earlier choice said again as a whole answer ('丢失补领' at a later step): take it as a correction."""
        flow = self.flow_of(fs)
        said = normalize(text)
        for step in flow.steps:
            if step.kind != "choice" or not step.slot or step.slot not in fs["slots"] or step.id == fs["step"]:
                continue
            for option in step.options:
                words = {normalize(w) for w in (*option.title.all(), *option.synonyms) if w.strip()}
                if said in words:
                    return self.correct(fs, text, lang)
        return None

    def _corrected(self, flow: Flow, fs: FlowState, target: Step, value: Any, lang: str) -> Output:
        current = flow.step(fs["step"])
        if value is not None and target.slot:
            self._set_slot(flow, fs, target.slot, value)
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
