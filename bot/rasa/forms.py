"""Flows as Rasa forms: which steps become slots (`plan_forms`, at export), and at run time (`FormRegistry`, in the
action server) the path a citizen's answers take through a flow, which narrows the slots still asked for."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.flow.loader import load_flows
from bot.flow.options import option_words
from bot.flow.schema import Flow, Step
from bot.present.messages import fill, placeholders
from bot.rasa import naming
from bot.rasa.answers import KnowledgeAnswers
from bot.rasa.slots import KIND_LABELS, mask
from knowledge.schema import GuideItem, SiteProfile

SLOT_KINDS = ("id_number", "plate", "digits6", "phone", "date", "text", "choice")


@dataclass(frozen=True)
class FormSlot:
    name: str
    """The Rasa slot name: the flow's slot name; `<slot>_<step>` when one flow asks for it in two steps (exclusive
    branches); prefixed with `<flow>__` when two flows give it different kinds."""
    flow_slot: str
    kind: str
    """One of SLOT_KINDS: the bot.flow.validators kind, or 'choice' for a choice step."""
    step: str
    prompt: str
    options: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """choice steps: (value, words that pick it)."""


ACTION_LABELS = {
    "read_id_card": "读取身份证", "face_check": "人脸核验", "take_photo": "拍照", "fingerprint": "采集指纹",
    "read_permit": "读取证件", "write_endorsement": "写入签注", "medical_check": "体检", "dispense": "出证",
    "submit": "提交申请", "show_qr": "扫码缴费", "print": "打印", "robot": "引导",
}
"""What the kiosk still does after an exported form, in words for the citizen."""


@dataclass(frozen=True)
class FormPlan:
    flow: str
    title: str
    items: tuple[str, ...]
    slots: tuple[FormSlot, ...]
    skipped_steps: tuple[str, ...]
    """Steps that a Rasa form does not carry (kiosk actions, payments, confirmations)."""
    remaining: tuple[str, ...] = ()
    """The same in words (拍照, 扫码缴费, 核对确认 …), without repeats."""

    @property
    def form(self) -> str:
        return naming.form_name(self.flow)


def _targets(step: Step) -> list[str]:
    if step.kind == "end":
        return []
    out = [step.next] if isinstance(step.next, str) else [g.goto for g in step.next or []]
    if step.on_no:
        out.append(step.on_no)
    return out


def reachable_steps(flow: Flow) -> list[Step]:
    """Every step some path reaches, in the order the file lists them."""
    seen: set[str] = set()
    todo = [flow.steps[0].id]
    known = {s.id for s in flow.steps}
    while todo:
        sid = todo.pop()
        if sid in seen or sid not in known:
            continue
        seen.add(sid)
        todo.extend(_targets(flow.step(sid)))
    return [s for s in flow.steps if s.id in seen]


def walk(flow: Flow, values: Mapping[str, Any]) -> list[Step] | None:
    """The steps a citizen passes given the slot values known so far (choices by option value), every confirmation
    answered 'yes'. Stops before a branch that depends on a value not known yet. None if the flow loops."""
    variables: dict[str, Any] = {}
    path: list[Step] = []
    seen: set[str] = set()
    sid: str | None = flow.steps[0].id
    while sid is not None:
        if sid in seen:
            return None
        seen.add(sid)
        step = flow.step(sid)
        path.append(step)
        if step.kind == "end":
            break
        if step.kind == "choice" and step.slot and values.get(step.slot) is not None:
            for option in step.options:
                if option.value == values[step.slot]:
                    variables.update(option.set)
        if isinstance(step.next, list):
            known = {**variables, **{k: v for k, v in values.items() if v is not None}}
            sid = None
            for goto in step.next:
                if any(key not in known for key in goto.when):
                    return path
                if all(str(known[key]) == str(want) for key, want in goto.when.items()):
                    sid = goto.goto
                    break
        else:
            sid = step.next
    return path


def required_flow_steps(flow: Flow, values: Mapping[str, Any]) -> list[str]:
    """The slot-filling steps a form must still pass given what is known: those on the path walked so far."""
    path = walk(flow, values) or reachable_steps(flow)
    return [s.id for s in path if _slot_kind(s)]


def _builtins(site: SiteProfile, flow: Flow) -> dict[str, str]:
    return {"flow_title": flow.title.zh_hans, "site_name": site.name, "duty_phone": site.duty_phone,
            "handover": site.handover, "self_service_hours": site.self_service_hours}


def _render(template: str, values: Mapping[str, str], rasa_slots: Mapping[str, str]) -> str:
    """Fill what is known at export time, turn slot placeholders into Rasa's {slot}, drop the rest."""
    text = fill(template, values)
    for name in placeholders(text):
        if name in rasa_slots:
            text = text.replace("{" + name + "}", "{" + rasa_slots[name] + "}")
        else:
            text = re.sub(r"\{" + re.escape(name) + r"[^}]*\}", "", text)
    return re.sub(r"[（(]\s*[）)]", "", text).strip()


def plan_forms(flows: Iterable[Flow], site: SiteProfile) -> list[FormPlan]:
    """One form per flow that fills at least one slot; the form lists every slot some path asks for, and the action
    server narrows that to the path the citizen's answers take (`required_flow_steps`)."""
    flows = list(flows)

    def base_names(flow: Flow) -> dict[str, str]:
        """step id → slot name; a slot asked by two steps (on exclusive branches) gets one Rasa slot per step."""
        steps = [s for s in reachable_steps(flow) if _slot_kind(s)]
        uses: dict[str, int] = {}
        for s in steps:
            uses[str(s.slot)] = uses.get(str(s.slot), 0) + 1
        return {s.id: str(s.slot) if uses[str(s.slot)] == 1 else f"{s.slot}_{s.id}" for s in steps}

    kinds: dict[str, set[str]] = {}
    for flow in flows:
        for step_id, base in base_names(flow).items():
            kinds.setdefault(base, set()).add(str(_slot_kind(flow.step(step_id))))
    plans = []
    for flow in flows:
        bases = base_names(flow)
        # a Rasa slot is shared by every form that asks for it, so it must mean one kind of value everywhere
        names = {sid: base if len(kinds[base]) == 1 else f"{flow.name}__{base}" for sid, base in bases.items()}
        by_flow_slot = {str(flow.step(sid).slot): name for sid, name in names.items()}
        skipped = [s.id for s in reachable_steps(flow) if not _slot_kind(s) and s.kind not in ("say", "end")]
        slots = []
        for step in reachable_steps(flow):
            kind = _slot_kind(step)
            if kind is None:
                continue
            prompt = _render(step.prompt.zh_hans, _builtins(site, flow), by_flow_slot)
            options = tuple((o.value, tuple(dict.fromkeys(option_words(o)))) for o in step.options)
            slots.append(FormSlot(names[step.id], str(step.slot), kind, step.id, prompt, options))
        if slots:
            remaining = tuple(dict.fromkeys(w for sid in skipped for w in _step_words(flow.step(sid))))
            plans.append(FormPlan(flow.name, flow.title.zh_hans, tuple(flow.items), tuple(slots), tuple(skipped),
                                  remaining))
    return plans


def _step_words(step: Step) -> list[str]:
    if step.kind == "confirm":
        return ["核对确认"]
    if step.kind == "pick":
        return ["选择办理项"]
    words = []
    for action in step.actions:
        kind = str(action.get("type"))
        do = str(action.get("do") or "")
        if do.startswith("query"):
            words.append("查询")
        else:
            words.append(ACTION_LABELS.get(do) or ACTION_LABELS.get(kind) or "按屏幕提示操作")
    return words


def _slot_kind(step: Step) -> str | None:
    if step.kind == "ask" and step.slot and step.type:
        return step.type
    if step.kind == "choice" and step.slot and step.options:
        return "choice"
    return None


def flow_of_items(items: Iterable[GuideItem], plans: Iterable[FormPlan]) -> dict[str, str]:
    """item id → the exported flow that carries it out (the flow's item list first, then the item's own `flow`)."""
    by_name = {p.flow: p for p in plans}
    out: dict[str, str] = {}
    for plan in by_name.values():
        for item_id in plan.items:
            out.setdefault(item_id, plan.flow)
    for item in items:
        if item.flow and item.flow in by_name:
            out.setdefault(item.id, item.flow)
    return out


@dataclass
class FormRegistry:
    """The forms of the exported flows, rebuilt from the same flow files and site profile the exporter read."""

    plans: dict[str, FormPlan]
    flows: dict[str, Flow]
    item_flows: dict[str, str]

    @classmethod
    def build(cls, answers: KnowledgeAnswers, flows_dir: Path | None = None) -> FormRegistry:
        flow_set = load_flows(flows_dir)
        flows = dict(flow_set.flows)
        plans = {p.form: p for p in plan_forms(flows.values(), answers.site)}
        return cls(plans, flows, flow_of_items(answers.items.values(), plans.values()))

    def required(self, form: str, slot_values: dict[str, Any], domain_slots: Iterable[str]) -> list[str]:
        """Rasa slot names still on the citizen's path through the flow, in order."""
        plan = self.plans[form]
        values: dict[str, Any] = {}
        for s in plan.slots:
            if slot_values.get(s.name) is not None:
                values[s.flow_slot] = slot_values[s.name]
        wanted = set(required_flow_steps(self.flows[plan.flow], values))
        allowed = set(domain_slots)
        return [s.name for s in plan.slots if s.step in wanted and s.name in allowed]

    def slot(self, form: str, name: str) -> FormSlot:
        return next(s for s in self.plans[form].slots if s.name == name)

    def summary(self, form: str, slot_values: dict[str, Any]) -> str:
        """What was collected, masked: shown once the form is done."""
        plan = self.plans[form]
        parts = []
        for s in plan.slots:
            value = slot_values.get(s.name)
            if value is None:
                continue
            if s.kind == "choice":
                parts.append(next((words[0] for v, words in s.options if v == value), str(value)))
            elif s.kind == "text":
                parts.append("填写内容已记录（不显示）")  # free text (an address) is personal data: not echoed
            else:
                parts.append(f"{KIND_LABELS.get(s.kind, s.kind)} {mask(s.kind, str(value))}")
        return "；".join(parts)
