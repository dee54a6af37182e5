"""A running flow's state, a plain dict kept in the session, and its slots: personal values sealed while the flow
runs, masked once it ends or a step forgets them."""

from __future__ import annotations

from typing import Any

from bot.flow.schema import Flow
from bot.flow.validators import SENSITIVE
from bot.records.privacy import mask_value
from bot.session.sealing import Sealer, is_sealed

FlowState = dict[str, Any]
"""name, step, history (asked step ids), slots, vars, masked (slot names), item, started, skip (prefilled steps)."""


def new_state(name: str, item: str | None, started: float) -> FlowState:
    return {"name": name, "step": None, "history": [], "slots": {}, "vars": {}, "masked": [], "item": item,
            "started": started}


class Slots:
    """Reads and writes a flow state's slots through the session's sealer."""

    def __init__(self, sealer: Sealer) -> None:
        self.sealer = sealer

    def set(self, flow: Flow, fs: FlowState, slot: str, value: Any) -> None:
        kind = flow.slot_types().get(slot)
        fs["slots"][slot] = self.sealer.seal(value) if kind in SENSITIVE and isinstance(value, str) else value
        if slot in fs["masked"]:
            fs["masked"].remove(slot)

    def value(self, fs: FlowState, slot: str) -> Any:
        """The clear value (None once masked or unreadable)."""
        value = fs["slots"].get(slot)
        if slot in fs["masked"]:
            return None
        if is_sealed(value):
            return self.sealer.open(value)
        return value

    def mask(self, flow: Flow, fs: FlowState, slot: str) -> None:
        kind = flow.slot_types().get(slot)
        if kind not in SENSITIVE | {"text"} or slot not in fs["slots"] or slot in fs["masked"]:
            return
        clear = self.value(fs, slot)
        fs["slots"][slot] = mask_value(kind, clear) if clear and kind != "text" else "***"
        fs["masked"].append(slot)

    def mask_all(self, flow: Flow, fs: FlowState) -> None:
        for slot in list(fs["slots"]):
            self.mask(flow, fs, slot)

    @staticmethod
    def plain(fs: FlowState) -> dict[str, Any]:
        """Variables and the slots that are not sealed: what a branch condition may test."""
        return {**fs["vars"], **{k: v for k, v in fs["slots"].items() if not is_sealed(v)}}
