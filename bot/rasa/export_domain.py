"""The domain, the rules and the intents of an export: guide items answered by the knowledge action, out-of-scope
groups declined with their reply, conversation intents, and one form per flow with its start, submit and cancel rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.rasa import naming
from bot.rasa.export_nlu import GOODBYE, GREET, dedupe, item_examples
from bot.rasa.export_options import ExportOptions, ExportReport
from bot.rasa.forms import FormPlan, FormSlot
from knowledge.schema import GuideItem, OutOfScopeGroup, SiteProfile


def _handoff_text(site: SiteProfile) -> str:
    return f"抱歉，我没有找到与您的问题对应的公安办事指南。您可以换个说法再问一次，或到{site.handover}。"


def _oos_reply(group: OutOfScopeGroup, site: SiteProfile) -> str:
    text = group.reply
    if group.kind == "department":
        text += f"\n如需帮助，可到{site.handover}。"
    return text


def _slot_mapping(plan: FormPlan, slot: FormSlot) -> dict[str, Any]:
    return {"type": "from_text", "not_intent": [naming.INTENT_CANCEL, naming.INTENT_HUMAN],
            "conditions": [{"active_loop": plan.form, "requested_slot": slot.name}]}


def _rule(name: str, steps: list[dict[str, Any]], condition: list[dict[str, Any]] | None = None,
          wait: bool = True) -> dict[str, Any]:
    rule: dict[str, Any] = {"rule": name}
    if condition:
        rule["condition"] = condition
    rule["steps"] = steps
    if not wait:
        rule["wait_for_user_input"] = False
    return rule


@dataclass
class Parts:
    nlu: dict[str, list[str]]
    domain: dict[str, Any]
    rules: list[dict[str, Any]]


def build_parts(items: list[GuideItem], groups: list[OutOfScopeGroup], site: SiteProfile, plans: list[FormPlan],
           commands: Mapping[str, list[str]], options: ExportOptions, report: ExportReport) -> Parts:
    intents: dict[str, list[str]] = {}
    responses: dict[str, list[dict[str, Any]]] = {}
    rules: list[dict[str, Any]] = []

    # guide items
    if options.mode == "intents":
        for item in items:
            intent = naming.item_intent(item.id)
            intents[intent] = item_examples(item, options)
            rules.append(_rule(f"answer {item.id}", [{"intent": intent}, {"action": naming.ACTION_ANSWER}]))
    else:
        for item in items:
            key = naming.retrieval_key(item.id)
            intents[key] = item_examples(item, options)
            # Short on purpose: the ResponseSelector featurizes every response text as a label, and the full guide
            # answers (~500 characters each) made its training 7x slower than DIET's. The action server composes
            # the real answer through knowledge/; this text is only what Rasa says without the action server.
            responses[f"utter_{key}"] = [{"text": f"【{item.id} {item.name}】{item.summary}",
                                          "custom": {"item_id": item.id}}]
        rules.append(_rule("answer a guide question", [{"intent": naming.RETRIEVAL_INTENT},
                                                      {"action": naming.ACTION_ANSWER}]))

    # out of scope: one intent per group, answered with the group's reply
    for group in groups:
        intent = naming.oos_intent(group.id)
        intents[intent] = [*group.examples, *group.keywords]
        utter = f"utter_{intent}"
        responses[utter] = [{"text": _oos_reply(group, site),
                             "custom": {"handoff": True, "declined": group.kind, "redirect": group.name}}]
        rules.append(_rule(f"decline {group.id}", [{"intent": intent}, {"action": utter}]))

    # conversation
    intents["greet"] = GREET
    intents["goodbye"] = GOODBYE
    intents["affirm"] = commands["affirm"]
    intents["deny"] = commands["deny"]
    intents[naming.INTENT_CANCEL] = commands["cancel"]
    intents[naming.INTENT_HUMAN] = commands["human"]
    intents[naming.INTENT_START_FLOW] = commands["start"]
    handoff = _handoff_text(site)
    responses.update({
        "utter_greet": [{"text": f"您好，这里是{site.name}自助服务助手。可以问我身份证、户口、出入境、交通违法、"
                                 "驾驶证等公安业务，也可以在自助机上办理。"}],
        "utter_goodbye": [{"text": "再见，祝您办事顺利。"}],
        "utter_handoff": [{"text": handoff, "custom": {"handoff": True, "declined": "low_confidence"}}],
        "utter_human": [{"text": f"好的，请到{site.handover}。", "custom": {"handoff": True}}],
        "utter_default": [{"text": "抱歉，我没有理解。请告诉我您要办理或咨询的业务，比如“身份证丢了怎么办”。"}],
        "utter_cancelled": [{"text": "已取消办理，刚才填写的信息已清除。还有其他问题可以继续问我。"}],
    })
    rules += [
        _rule("greet", [{"intent": "greet"}, {"action": "utter_greet"}]),
        _rule("goodbye", [{"intent": "goodbye"}, {"action": "utter_goodbye"}]),
        _rule("human", [{"intent": naming.INTENT_HUMAN}, {"action": "utter_human"}]),
        _rule("low NLU confidence", [{"intent": naming.INTENT_FALLBACK}, {"action": "utter_handoff"}]),
    ]

    # flows → forms
    # "custom" mappings without an action: set only by the SlotSet events of action_answer_knowledge. Naming the
    # action here would make Rasa call it again on every user message to extract the slot (one more action server
    # round trip per turn, and slot events that keep the flow-start rules from matching).
    slots: dict[str, Any] = {
        naming.SLOT_ITEM: {"type": "text", "influence_conversation": False, "mappings": [{"type": "custom"}]},
    }
    forms: dict[str, Any] = {}
    actions = [naming.ACTION_ANSWER, naming.ACTION_FLOW_DONE, naming.ACTION_FLOW_CANCEL]
    if plans:
        slots[naming.SLOT_FLOW] = {"type": "categorical", "values": [p.flow for p in plans],
                                   "influence_conversation": True, "mappings": [{"type": "custom"}]}
    for plan in plans:
        forms[plan.form] = {"required_slots": [s.name for s in plan.slots]}
        actions.append(naming.validate_action(plan.flow))
        for slot in plan.slots:
            entry = slots.setdefault(slot.name, {"type": "text", "influence_conversation": False, "mappings": []})
            entry["mappings"].append(_slot_mapping(plan, slot))
            response: dict[str, Any] = {"text": slot.prompt,
                                        "custom": {"flow": plan.flow, "step": slot.step, "expect": slot.kind}}
            if slot.options:
                response["buttons"] = [{"title": words[0], "payload": words[0]} for _, words in slot.options]
            responses[naming.ask_response(plan.flow, slot.name)] = [response]
        rules += [
            _rule(f"start {plan.flow}", [{"intent": naming.INTENT_START_FLOW}, {"action": plan.form},
                                         {"active_loop": plan.form}],
                  condition=[{"slot_was_set": [{naming.SLOT_FLOW: plan.flow}]}]),
            _rule(f"submit {plan.flow}", [{"action": plan.form}, {"active_loop": None},
                                          {"slot_was_set": [{"requested_slot": None}]},
                                          {"action": naming.ACTION_FLOW_DONE}],
                  condition=[{"active_loop": plan.form}]),
            _rule(f"cancel {plan.flow}", [{"intent": naming.INTENT_CANCEL}, {"action": "action_deactivate_loop"},
                                          {"active_loop": None}, {"action": naming.ACTION_FLOW_CANCEL}],
                  condition=[{"active_loop": plan.form}]),
            _rule(f"human during {plan.flow}", [{"intent": naming.INTENT_HUMAN},
                                                {"action": "action_deactivate_loop"}, {"active_loop": None},
                                                {"action": naming.ACTION_FLOW_CANCEL}],
                  condition=[{"active_loop": plan.form}]),
        ]

    nlu, dropped = dedupe(intents)
    domain_intents = [name for name, texts in nlu.items() if texts and "/" not in name]
    if options.mode == "retrieval":
        # listed as Rasa's docs say; rasa data validate then notes it as "duplicated" (it also comes from nlu.yml)
        domain_intents.insert(0, naming.RETRIEVAL_INTENT)
    domain: dict[str, Any] = {
        "version": "3.1",
        "intents": domain_intents,
        "slots": slots,
        "forms": forms,
        "responses": responses,
        "actions": actions,
        "session_config": {"session_expiration_time": 10, "carry_over_slots_to_new_session": False},
    }
    if not forms:
        del domain["forms"]

    report.intents = len(domain_intents)
    report.item_intents = len(items) if options.mode == "intents" else 0
    report.retrieval_responses = len(items) if options.mode == "retrieval" else 0
    report.examples = sum(len(t) for t in nlu.values())
    report.dropped_ambiguous = dropped
    report.oos_intents = len(groups)
    report.forms = [p.form for p in plans]
    report.slots = sorted({s.name for p in plans for s in p.slots})
    report.rules = len(rules)
    empty = [name for name, texts in nlu.items() if not texts]
    report.problems += [f"intent {name} lost every example to clashes with other intents" for name in empty]
    return Parts(nlu, domain, rules)
