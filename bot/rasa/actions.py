"""Action server for an exported Rasa project: knowledge answers through `knowledge/`, form slots checked with
bot.flow.validators.

Run it in the action server environment (scripts/rasa_env.sh makes it):
    SANIC_HOST=127.0.0.1 .rasa-sdk-env/bin/python -m rasa_sdk --actions bot.rasa.actions --port 5055

The pure part (`check_slot`, `match_option`, `KnowledgeAnswers`, `FormRegistry`) needs no rasa-sdk, so it is tested
in daoban's own environment; the rasa-sdk classes at the end are a thin layer over it, defined when rasa_sdk imports.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.flow.loader import load_flows
from bot.flow.schema import Flow
from bot.flow.validators import SENSITIVE, validate
from bot.rasa import naming
from bot.rasa.export import FormPlan, FormSlot, flow_of_items, plan_forms, required_flow_steps
from bot.records.privacy import mask_value
from knowledge.answer import compose
from knowledge.aspects import AspectDetector
from knowledge.loader import KnowledgeBaseError, default_data_dir, load
from knowledge.normalize import normalize
from knowledge.schema import GuideItem, SiteProfile

KIND_LABELS = {"id_number": "身份证号码", "phone": "手机号码", "plate": "车牌号码", "digits6": "后6位", "date": "日期"}
_CHINESE_INDEX = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True)
class SlotCheck:
    """The outcome of checking one form answer: the clean value, or what to tell the citizen."""

    ok: bool
    value: str | None = None
    message: str | None = None
    found: bool = True
    """False when the text holds nothing of the expected kind (it may be a question or a command instead)."""
    note: str | None = None


def match_option(text: str, options: Sequence[tuple[str, Sequence[str]]]) -> str | None:
    """The option value a citizen's answer picks: its number (1, 第二个), its title or synonym, or a sentence that
    contains exactly one option's longest matching word."""
    t = normalize(text) if text.strip() else ""
    if not t:
        return None
    m = re.fullmatch(r"(?:第|选)?([1-9]|[一二两三四五六七八九])(?:个|项|种|号)?", t)
    if m:
        raw = m.group(1)
        index = int(raw) if raw.isdigit() else _CHINESE_INDEX[raw]
        return options[index - 1][0] if 0 < index <= len(options) else None
    best: tuple[int, str] | None = None
    tie = False
    for value, words in options:
        for w in (value, *words):
            nw = normalize(w) if w.strip() else ""
            if not nw:
                continue
            if nw == t:
                return value
            if nw in t:
                if best is None or len(nw) > best[0]:
                    best, tie = (len(nw), value), False
                elif len(nw) == best[0] and best[1] != value:
                    tie = True
    return best[1] if best and not tie else None


def check_slot(kind: str, text: str, options: Sequence[tuple[str, Sequence[str]]] = (),
               lang: str = "zh-Hans") -> SlotCheck:
    """Check one answer for a slot of the given kind ('choice' or a bot.flow.validators kind). Never raises."""
    if kind == "choice":
        value = match_option(text, options)
        if value is not None:
            return SlotCheck(True, value)
        titles = "、".join(words[0] for _, words in options if words)
        msg = (f"请从这几项中选择一项：{titles}。" if lang != "en"
               else "Please choose one of: " + ", ".join(v for v, _ in options) + ".")
        return SlotCheck(False, message=msg, found=False)
    result = validate(kind, text)
    if result.ok:
        return SlotCheck(True, result.value, note=result.remark(lang))
    if not result.found:
        msg = "没有识别到需要的信息，请按提示重新输入。" if lang != "en" else "I could not find that in your answer."
        return SlotCheck(False, message=msg, found=False)
    return SlotCheck(False, message=result.message(lang))


def mask(kind: str, value: str | None) -> str:
    """A slot value as it may appear on screen after the fact and in logs."""
    if value is None:
        return ""
    return mask_value(kind, value) if kind in SENSITIVE else value


class KnowledgeAnswers:
    """Guide items, the site profile and the aspect cues from `knowledge/`, loaded once at start-up.

    Rasa's NLU already chose the item, so no search index is built here: the answer is composed by knowledge.answer
    for the aspect the question asks about, exactly as daoban composes it.
    """

    def __init__(self, data_dir: Path | None = None) -> None:
        root = data_dir or default_data_dir()
        kb = load(root)
        if not kb.ok or kb.site is None:
            raise KnowledgeBaseError(kb.problems)
        self.items: dict[str, GuideItem] = {i.id: i for i in kb.items}
        self.site: SiteProfile = kb.site
        self.aspects = AspectDetector.from_file(root / "aspects.yaml")

    def answer(self, item_id: str, question: str) -> dict[str, Any]:
        """Screen text, speech and the aspect asked, for an item Rasa's NLU chose. KeyError for an unknown item."""
        item = self.items[item_id]
        aspect = self.aspects.detect(normalize(question)) if question.strip() else None
        composed = compose(item, aspect, self.site)
        return {"text": composed.screen, "speech": composed.speech, "item_id": item.id, "item_title": item.name,
                "field": aspect}


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


def _data_dir() -> Path | None:
    raw = os.environ.get("DAOBAN_KB_DIR")
    return Path(raw) if raw else None


def _flows_dir() -> Path | None:
    raw = os.environ.get("DAOBAN_FLOWS_DIR")
    return Path(raw) if raw else None


def _last_form(events: Iterable[dict[str, Any]]) -> str | None:
    for event in reversed(list(events)):
        if event.get("event") == "active_loop" and event.get("name"):
            return str(event["name"])
    return None


def item_of_message(message: dict[str, Any]) -> tuple[str | None, float | None]:
    """The guide item Rasa's NLU picked for a parsed message, and its confidence (intent or retrieval response)."""
    intent = message.get("intent") or {}
    item_id = naming.item_id_of(intent.get("name"))
    confidence = intent.get("confidence")
    if item_id is None:
        selected = (message.get("response_selector") or {}).get(naming.RETRIEVAL_INTENT) or {}
        response = selected.get("response") or {}
        item_id = naming.item_id_of(response.get("intent_response_key"))
        confidence = response.get("confidence", confidence)
    return item_id, confidence


try:  # the thin rasa-sdk layer
    from rasa_sdk import Action, FormValidationAction, Tracker
    from rasa_sdk.events import EventType, SlotSet
    from rasa_sdk.executor import CollectingDispatcher
    from rasa_sdk.types import DomainDict

    HAVE_RASA_SDK = True
except ImportError:  # daoban's own environment: the helpers above are all there is
    HAVE_RASA_SDK = False

if HAVE_RASA_SDK:
    ANSWERS = KnowledgeAnswers(_data_dir())
    FORMS = FormRegistry.build(ANSWERS, _flows_dir())

    class ActionAnswerKnowledge(Action):
        """Answers the guide item the NLU picked, for the aspect asked (fee, materials, …), and offers its flow."""

        def name(self) -> str:
            return naming.ACTION_ANSWER

        async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> list[EventType]:
            item_id, confidence = item_of_message(tracker.latest_message)
            if item_id is None:
                dispatcher.utter_message(response="utter_default")
                return []
            answer = ANSWERS.answer(item_id, tracker.latest_message.get("text") or "")
            flow = FORMS.item_flows.get(item_id)
            has_flow_slot = naming.SLOT_FLOW in (domain.get("slots") or {})
            offer = flow is not None and has_flow_slot
            buttons = [{"title": "开始办理", "payload": f"/{naming.INTENT_START_FLOW}"}] if offer else []
            dispatcher.utter_message(text=answer["text"], buttons=buttons,
                                     json_message={"item_id": item_id, "item_title": answer["item_title"],
                                                   "field": answer["field"], "speech": answer["speech"],
                                                   "confidence": confidence, "flow": flow, "handoff": False})
            events: list[EventType] = [SlotSet(naming.SLOT_ITEM, item_id)]
            if has_flow_slot:
                events.append(SlotSet(naming.SLOT_FLOW, flow))
            return events

    class ActionFlowDone(Action):
        """After a form: what was collected (masked), what the kiosk does next; then the slots are wiped."""

        def name(self) -> str:
            return naming.ACTION_FLOW_DONE

        async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> list[EventType]:
            form = _last_form(tracker.events)
            if form is None or form not in FORMS.plans:
                dispatcher.utter_message(text="已记录。")
                return []
            plan = FORMS.plans[form]
            summary = FORMS.summary(form, tracker.current_slot_values())
            rest = "、".join(plan.remaining)
            text = f"{plan.title}：信息已核验（{summary}）。"
            if rest:
                text += f"接下来请按自助机屏幕提示完成其余步骤（{rest}）。"
            dispatcher.utter_message(text=text, json_message={"flow": plan.flow, "done": True, "handoff": False})
            return [SlotSet(s.name, None) for s in plan.slots] + [SlotSet(naming.SLOT_FLOW, None)]

    class ActionFlowCancel(Action):
        """Cancel (or hand over) in the middle of a form: the answers given so far are wiped."""

        def name(self) -> str:
            return naming.ACTION_FLOW_CANCEL

        async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> list[EventType]:
            intent = (tracker.latest_message.get("intent") or {}).get("name")
            dispatcher.utter_message(response="utter_human" if intent == naming.INTENT_HUMAN else "utter_cancelled")
            form = _last_form(tracker.events)
            slots = FORMS.plans[form].slots if form in FORMS.plans else ()
            return [SlotSet(s.name, None) for s in slots] + [SlotSet(naming.SLOT_FLOW, None)]

    def _validator(form: str) -> type:
        """A FormValidationAction subclass for one form: validate_<slot> per slot, and the path-dependent slots."""

        def name(self: FormValidationAction) -> str:
            return f"validate_{form}"

        async def required_slots(self: FormValidationAction, domain_slots: list[str],
                                 dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> list[str]:
            return FORMS.required(form, tracker.current_slot_values(), domain_slots)

        def make(slot: FormSlot) -> Any:
            async def check(self: FormValidationAction, value: Any, dispatcher: CollectingDispatcher,
                            tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
                result = check_slot(slot.kind, "" if value is None else str(value), slot.options)
                if result.ok:
                    if result.note:
                        dispatcher.utter_message(text=result.note)
                    return {slot.name: result.value}
                dispatcher.utter_message(text=result.message, json_message={"rejected": slot.kind,
                                                                            "found": result.found})
                return {slot.name: None}

            return check

        class_name = f"Validate_{form}"
        attrs: dict[str, Any] = {"name": name, "required_slots": required_slots, "__module__": __name__,
                                 "__qualname__": class_name}
        for slot in FORMS.plans[form].slots:
            attrs[f"validate_{slot.name}"] = make(slot)
        cls = type(class_name, (FormValidationAction,), attrs)
        globals()[class_name] = cls  # the action server's workers unpickle it by module and name
        return cls

    VALIDATORS = [_validator(form) for form in FORMS.plans]
