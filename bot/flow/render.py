"""A flow step as the citizen sees it: prompt, buttons and client actions, with placeholders filled and personal
values masked (clear only in back-end queries, which never reach the client)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.flow.options import find_option
from bot.flow.schema import Flow, L10n, Step
from bot.flow.state import FlowState, Slots
from bot.flow.validators import SENSITIVE
from bot.present.messages import Messages, fill
from bot.records.privacy import mask_value
from bot.turn import Button, Message
from bot.understand.lang import pick

EXPECT = {"choice": "choice", "pick": "choice", "confirm": "yes_no", "action": "command"}
_PLACEHOLDER = re.compile(r"^\{(\w+)\}$")


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


class StepRenderer:
    def __init__(self, messages: Messages, slots: Slots, builtins: Mapping[str, str] | None = None) -> None:
        self.msg = messages
        self.slots = slots
        self.builtins = dict(builtins or {})

    def values(self, flow: Flow, fs: FlowState, lang: str, reveal: bool = False) -> dict[str, Any]:
        """Placeholder values: variables, then slots shown masked (or clear, for back-end queries only)."""
        values: dict[str, Any] = {**self.builtins, "flow_title": pick(flow.title.as_dict(), lang)}
        values.update(fs["vars"])
        types = flow.slot_types()
        for slot, stored in fs["slots"].items():
            kind = types.get(slot, "text")
            if kind in SENSITIVE:
                clear = self.slots.value(fs, slot)
                values[slot] = clear if reveal and clear else (mask_value(kind, clear) if clear else stored)
            elif kind == "choice":
                values[slot] = stored
                option = find_option(flow, slot, stored)
                values[f"{slot}_title"] = pick(option.title.as_dict(), lang) if option else stored
            else:
                values[slot] = stored
        return values

    def text(self, flow: Flow, fs: FlowState, lang: str, template: L10n) -> Message:
        """A flow text (intro, help) with its placeholders filled; its first line is what is spoken."""
        text = fill(pick(template.as_dict(), lang), self.values(flow, fs, lang))
        return Message(text, text.split("\n")[0])

    def _actions(self, actions: list[dict[str, Any]], flow: Flow, fs: FlowState, lang: str,
                 reveal: bool) -> list[dict[str, Any]]:
        values = self.values(flow, fs, lang, reveal=reveal)
        out = []
        for action in actions:
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
        def button(key: str) -> Button:
            return Button(self.msg.text(key, lang), self.msg.text(key, lang))

        buttons: list[Button] = []
        if step.kind == "choice":
            buttons = [Button(pick(o.title.as_dict(), lang), pick(o.title.as_dict(), lang)) for o in step.options]
        elif step.kind == "confirm":
            buttons = [button("button_yes"), button("button_no")]
        elif step.kind == "pick" and step.pick:
            entries = fs["vars"].get(step.pick.source) or []
            values = self.values(flow, fs, lang)
            for i, entry in enumerate(entries, 1):
                label = fill(pick(step.pick.label.as_dict(), lang), {**values, **entry})
                buttons.append(Button(f"{i}. {label}", str(i)))
            if step.pick.allow_all and len(entries) > 1:
                buttons.append(button("button_all"))
        if step.kind != "end":
            if len(fs["history"]) > 1:
                buttons.append(button("button_back"))
            buttons.append(button("button_cancel"))
        return buttons

    def prompt(self, flow: Flow, fs: FlowState, step: Step, lang: str) -> Message:
        values = self.values(flow, fs, lang)
        if step.kind == "pick" and step.pick:
            entries = fs["vars"].get(step.pick.source) or []
            lines = [f"{i}. " + fill(pick(step.pick.label.as_dict(), lang), {**values, **e})
                     for i, e in enumerate(entries, 1)]
            values[f"{step.pick.source}_list"] = "\n".join(lines)
        screen = fill(pick(step.prompt.as_dict(), lang), values)
        speech = fill(pick(step.speech.as_dict(), lang), values) if step.speech else screen.split("\n")[0]
        return Message(screen, speech)

    def render(self, flow: Flow, fs: FlowState, lang: str, with_actions: bool = True) -> Output:
        """The current step: prompt, buttons and, unless told otherwise, its actions."""
        step = flow.step(fs["step"])
        out = Output(messages=[self.prompt(flow, fs, step, lang)])
        self.decorate(flow, fs, step, lang, out)
        if with_actions:
            self.emit(flow, fs, step, lang, out)
        return out

    def emit(self, flow: Flow, fs: FlowState, step: Step, lang: str, out: Output) -> None:
        """The step's actions: client actions masked, back-end queries with clear values."""
        client = [a for a in step.actions if a.get("type") != "backend"]
        backend = [a for a in step.actions if a.get("type") == "backend"]
        if client:
            out.actions += self._actions(client, flow, fs, lang, False)
        if backend:
            out.backend += self._actions(backend, flow, fs, lang, True)

    def decorate(self, flow: Flow, fs: FlowState, step: Step, lang: str, out: Output) -> None:
        """Buttons, what the step expects or waits for, progress and the item, for the step shown now."""
        out.buttons = self._buttons(flow, fs, step, lang)
        out.step = step.id
        out.expect = step.type if step.kind == "ask" else EXPECT.get(step.kind)
        out.wait_event = step.event
        counted = flow.counted_steps()
        out.progress = (counted.index(step.id) + 1, len(counted)) if step.id in counted else None
        out.item_id = fs.get("item")
