"""Write a Rasa 3.6 project (config, domain, NLU data, rules, forms, responses) from the knowledge base and the flows.

Two ways to put 326 guide items in front of DIET, chosen with `ExportOptions.mode`:
- "intents": one intent per item (item_hz_001 …), 326 rules mapping each to the knowledge action;
- "retrieval": one retrieval intent `kb` whose sub-intents (kb/hz_001 …) a ResponseSelector tells apart.
docs/rasa.md has the measurement that picked the default. Either way the knowledge action answers through
`knowledge/` (the aspect asked, the site's facts), so Rasa only decides *which* item, as daoban's ranker does.

Flows become forms: the ask and choice steps of a flow are the form's slots, filled from the text and checked by the
action server with bot.flow.validators (ID number checksum, plate, phone, last six, date); the action server asks only
for the slots on the branch the citizen's answers take.
Kiosk actions, payments and confirmations stay with the kiosk: an exported form ends where the slot filling ends.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from bot.flow.loader import load_flows
from bot.flow.schema import Flow, Step
from bot.present.messages import fill, placeholders
from bot.rasa import naming
from knowledge.loader import KnowledgeBaseError, default_data_dir, load
from knowledge.normalize import normalize
from knowledge.schema import GuideItem, OutOfScopeGroup, SiteProfile

Mode = Literal["intents", "retrieval"]
RASA_VERSION = "3.6.21"
DEFAULT_ACTION_URL = "http://127.0.0.1:5055/webhook"
SLOT_KINDS = ("id_number", "plate", "digits6", "phone", "date", "text", "choice")

GREET = ["你好", "您好", "你好呀", "在吗", "有人吗", "嗨", "早上好", "下午好", "晚上好", "hello", "hi",
         "你好，请问一下"]
GOODBYE = ["再见", "拜拜", "好的谢谢", "谢谢，再见", "没有了，谢谢", "不用了谢谢", "bye", "goodbye", "thanks, bye"]
_FALLBACK_COMMANDS: dict[str, list[str]] = {
    "affirm": ["是", "是的", "对", "好的", "确认", "可以", "yes", "ok"],
    "deny": ["不", "不是", "不对", "否", "错了", "no"],
    "cancel": ["取消", "不办了", "算了", "退出", "cancel"],
    "human": ["转人工", "人工服务", "找工作人员", "找民警", "human"],
    "start": ["开始办理", "现在办理", "马上办", "开始", "自助办理", "start"],
}


@dataclass(frozen=True)
class ExportOptions:
    mode: Mode = "intents"
    epochs: int = 40
    """DIET (and ResponseSelector) epochs: a few minutes of training on 2 cores for ~5 000 examples."""
    fallback_threshold: float = 0.3
    ambiguity_threshold: float = 0.1
    use_aliases: bool = True
    use_item_names: bool = True
    action_url: str = DEFAULT_ACTION_URL
    transformer_layers: int = 0
    """0 = no transformer, DIET as a bag-of-features classifier (fast on 2 cores); Rasa's own default is 2."""


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


@dataclass
class ExportReport:
    directory: Path | None
    mode: Mode
    intents: int = 0
    item_intents: int = 0
    retrieval_responses: int = 0
    examples: int = 0
    dropped_ambiguous: int = 0
    """Example texts found under two different intents after normalisation: left out of both."""
    oos_intents: int = 0
    forms: list[str] = field(default_factory=list)
    slots: list[str] = field(default_factory=list)
    rules: int = 0
    files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["directory"] = str(self.directory) if self.directory else None
        return out


# ----------------------------------------------------------------------------------------------------------- flows

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
            options = tuple((o.value, tuple(dict.fromkeys([*o.title.all(), *o.synonyms, o.value])))
                            for o in step.options)
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


# ------------------------------------------------------------------------------------------------------------- NLU

_ANNOTATION = str.maketrans({"[": "【", "]": "】", "(": "（", ")": "）", "{": "｛", "}": "｝", "#": "＃", "\n": " "})


def clean_example(text: str) -> str:
    """An example line Rasa reads literally: no entity-annotation brackets, no line breaks, no list markers."""
    text = " ".join(str(text).translate(_ANNOTATION).split())
    return re.sub(r"^[-*+>]\s*", "", text)


def _commands(path: Path | None) -> dict[str, list[str]]:
    table: dict[str, Any] = {}
    if path is not None and path.exists():
        table = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    commands = table.get("commands") or {}
    out = {key: [str(w) for w in (table.get(key) or commands.get(key) or default)]
           for key, default in _FALLBACK_COMMANDS.items()}
    return out


def _item_examples(item: GuideItem, options: ExportOptions) -> list[str]:
    texts = list(item.examples)
    if options.use_aliases:
        texts += item.aliases
    if options.use_item_names:
        texts.append(item.name)
    return texts


def _dedupe(intents: dict[str, list[str]]) -> tuple[dict[str, list[str]], int]:
    """Clean every example, drop repeats inside an intent and texts claimed by two intents (Rasa rejects those)."""
    owner: dict[str, set[str]] = {}
    cleaned: dict[str, list[str]] = {}
    for intent, texts in intents.items():
        seen: dict[str, str] = {}
        for t in texts:
            c = clean_example(t)
            key = normalize(c) if c.strip() else ""
            if key and key not in seen:
                seen[key] = c
        cleaned[intent] = list(seen.values())
        for key in seen:
            owner.setdefault(key, set()).add(intent)
    clashes = {k for k, v in owner.items() if len(v) > 1}
    dropped = 0
    out: dict[str, list[str]] = {}
    for intent, texts in cleaned.items():
        kept = [t for t in texts if normalize(t) not in clashes]
        dropped += len(texts) - len(kept)
        out[intent] = kept
    return out, dropped


def _nlu_yaml(intents: Mapping[str, list[str]]) -> str:
    lines = ['version: "3.1"', "", "nlu:"]
    for intent, texts in intents.items():
        if not texts:
            continue
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {t}" for t in texts)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------- config

def _config(options: ExportOptions) -> dict[str, Any]:
    diet: dict[str, Any] = {"name": "DIETClassifier", "epochs": options.epochs, "constrain_similarities": True,
                            "entity_recognition": False, "number_of_transformer_layers": options.transformer_layers,
                            "random_seed": 42}
    pipeline: list[dict[str, Any]] = [
        {"name": "JiebaTokenizer"},
        {"name": "CountVectorsFeaturizer"},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 3},
        diet,
    ]
    if options.mode == "retrieval":
        pipeline.append({"name": "ResponseSelector", "epochs": options.epochs,
                         "retrieval_intent": naming.RETRIEVAL_INTENT, "constrain_similarities": True,
                         "number_of_transformer_layers": options.transformer_layers,
                         "random_seed": 42})
    pipeline.append({"name": "FallbackClassifier", "threshold": options.fallback_threshold,
                     "ambiguity_threshold": options.ambiguity_threshold})
    return {
        "recipe": "default.v1",
        "language": "zh",
        "assistant_id": "daoban-export",
        "pipeline": pipeline,
        "policies": [
            {"name": "MemoizationPolicy"},
            {"name": "RulePolicy", "core_fallback_threshold": 0.3,
             "core_fallback_action_name": "action_default_fallback", "enable_fallback_prediction": True},
        ],
    }


# -------------------------------------------------------------------------------------------------- domain + rules

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
class _Parts:
    nlu: dict[str, list[str]]
    domain: dict[str, Any]
    rules: list[dict[str, Any]]


def _build(items: list[GuideItem], groups: list[OutOfScopeGroup], site: SiteProfile, plans: list[FormPlan],
           commands: Mapping[str, list[str]], options: ExportOptions, report: ExportReport) -> _Parts:
    intents: dict[str, list[str]] = {}
    responses: dict[str, list[dict[str, Any]]] = {}
    rules: list[dict[str, Any]] = []

    # guide items
    if options.mode == "intents":
        for item in items:
            intent = naming.item_intent(item.id)
            intents[intent] = _item_examples(item, options)
            rules.append(_rule(f"answer {item.id}", [{"intent": intent}, {"action": naming.ACTION_ANSWER}]))
    else:
        for item in items:
            key = naming.retrieval_key(item.id)
            intents[key] = _item_examples(item, options)
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

    nlu, dropped = _dedupe(intents)
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
    return _Parts(nlu, domain, rules)


# ---------------------------------------------------------------------------------------------------------- public

def manifest(plans: list[FormPlan], items: list[GuideItem], options: ExportOptions) -> dict[str, Any]:
    """What the action server and the benchmark need to know about an export (daoban_export.json)."""
    return {
        "rasa_version": RASA_VERSION,
        "mode": options.mode,
        "options": {k: v for k, v in options.__dict__.items()},
        "item_flows": flow_of_items(items, plans),
        "forms": {p.form: {"flow": p.flow, "title": p.title, "items": list(p.items),
                           "skipped_steps": list(p.skipped_steps), "remaining": list(p.remaining),
                           "slots": [{"name": s.name, "flow_slot": s.flow_slot, "kind": s.kind, "step": s.step,
                                      "options": {v: list(w) for v, w in s.options}} for s in p.slots]}
                  for p in plans},
    }


def build_project(options: ExportOptions | None = None, data_dir: Path | None = None, flows_dir: Path | None = None,
                  commands_file: Path | None = None) -> tuple[dict[str, str], ExportReport]:
    """{relative path: file text} for the whole project, and what went into it. Raises KnowledgeBaseError."""
    options = options or ExportOptions()
    report = ExportReport(None, options.mode)
    kb = load(data_dir or default_data_dir())
    if not kb.ok or kb.site is None:
        raise KnowledgeBaseError(kb.problems)
    flow_set = load_flows(flows_dir) if flows_dir is None or flows_dir.exists() else None
    flows = list(flow_set.flows.values()) if flow_set is not None else []
    if flow_set is not None:
        report.problems += [str(p) for p in flow_set.errors if "no flow files" not in p.message]
    plans = plan_forms(flows, kb.site)
    if commands_file is None:
        from bot.paths import package_data

        commands_file = package_data() / "commands.yaml"
    parts = _build(kb.items, kb.out_of_scope, kb.site, plans, _commands(commands_file), options, report)

    def dump(data: Any) -> str:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)

    files = {
        "config.yml": dump(_config(options)),
        "domain.yml": dump(parts.domain),
        "data/nlu.yml": _nlu_yaml(parts.nlu),
        "data/rules.yml": dump({"version": "3.1", "rules": parts.rules}),
        "endpoints.yml": dump({"action_endpoint": {"url": options.action_url}}),
        "credentials.yml": dump({"rest": None}),
        "daoban_export.json": json.dumps(manifest(plans, kb.items, options), ensure_ascii=False, indent=2) + "\n",
    }
    report.files = list(files)
    return files, report


def export_project(directory: Path, options: ExportOptions | None = None, data_dir: Path | None = None,
                   flows_dir: Path | None = None) -> ExportReport:
    """Write the project under directory (created; files of an earlier export are overwritten)."""
    files, report = build_project(options, data_dir, flows_dir)
    for rel, text in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    report.directory = directory
    return report


def intent_counts(nlu_text: str) -> Counter[str]:
    """Examples per intent in an exported data/nlu.yml (for tests and reports)."""
    data = yaml.safe_load(nlu_text) or {}
    return Counter({e["intent"]: len([ln for ln in e["examples"].splitlines() if ln.strip()])
                    for e in data.get("nlu", [])})
