"""Action server for an exported Rasa project: knowledge answers through `knowledge/`, form slots checked with
bot.flow.validators.

Run it in the action server environment (scripts/rasa_env.sh makes it):
    SANIC_HOST=127.0.0.1 .rasa-sdk-env/bin/python -m rasa_sdk --actions bot.rasa.actions --port 5055

The logic lives in modules that need no rasa-sdk and are tested in daoban's own environment (bot.rasa.answers,
bot.rasa.forms, bot.rasa.slots); the rasa-sdk classes here are a thin layer over it, defined when rasa_sdk imports.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bot.rasa import naming
from bot.rasa.answers import KnowledgeAnswers, item_of_message, rule_reply
from bot.rasa.forms import FormRegistry, FormSlot
from bot.rasa.slots import check_slot
from bot.understand.rules import Rules


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


try:  # the thin rasa-sdk layer
    from rasa_sdk import Action, FormValidationAction, Tracker
    from rasa_sdk.events import EventType, SlotSet
    from rasa_sdk.executor import CollectingDispatcher
    from rasa_sdk.types import DomainDict

    HAVE_RASA_SDK = True
except ImportError:  # daoban's own environment: the modules imported above are all there is
    HAVE_RASA_SDK = False

if HAVE_RASA_SDK:
    ANSWERS = KnowledgeAnswers(_data_dir())
    RULES = Rules.load()
    FORMS = FormRegistry.build(ANSWERS, _flows_dir())

    class ActionAnswerKnowledge(Action):
        """Answers the guide item the NLU picked, for the aspect asked (fee, materials, …), and offers its flow."""

        def name(self) -> str:
            return naming.ACTION_ANSWER

        async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> list[EventType]:
            text = tracker.latest_message.get("text") or ""
            decided = rule_reply(RULES, ANSWERS.site, text)
            if decided is not None:
                dispatcher.utter_message(text=decided["text"], json_message={
                    "kind": decided["kind"], "speech": decided["speech"], "handoff": False})
                return []
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
