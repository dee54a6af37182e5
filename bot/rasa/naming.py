"""Names shared by the exported project and the action server: intents, responses, actions, slots."""

from __future__ import annotations

import re

ITEM_INTENT_PREFIX = "item_"
"""One-intent-per-item mode: HZ-001 → intent item_hz_001."""
RETRIEVAL_INTENT = "kb"
"""Retrieval mode: HZ-001 → retrieval intent kb/hz_001, response utter_kb/hz_001."""
OOS_INTENT_PREFIX = "oos_"
"""One intent per out-of-scope group: OOS-RS → oos_rs, answered by utter_oos_rs."""

ACTION_ANSWER = "action_answer_knowledge"
ACTION_FLOW_DONE = "action_flow_done"
ACTION_FLOW_CANCEL = "action_flow_cancel"
SLOT_ITEM = "item_in_focus"
SLOT_FLOW = "offered_flow"
INTENT_START_FLOW = "start_flow"
INTENT_CANCEL = "cancel"
INTENT_HUMAN = "human"
INTENT_FALLBACK = "nlu_fallback"

_ITEM_ID = re.compile(r"^(HZ|CRJ|JG|ZA|JD|WA|ZH)-(\d{3})$")
_ITEM_KEY = re.compile(r"^(hz|crj|jg|za|jd|wa|zh)_(\d{3})$")


def item_key(item_id: str) -> str:
    """HZ-001 → hz_001 (Rasa names: lower case, no hyphen, no slash)."""
    m = _ITEM_ID.match(item_id)
    if m is None:
        raise ValueError(f"not a guide item id: {item_id!r}")
    return f"{m.group(1).lower()}_{m.group(2)}"


def item_id_of_key(key: str) -> str | None:
    m = _ITEM_KEY.match(key)
    return f"{m.group(1).upper()}-{m.group(2)}" if m else None


def item_intent(item_id: str) -> str:
    return ITEM_INTENT_PREFIX + item_key(item_id)


def retrieval_key(item_id: str) -> str:
    return f"{RETRIEVAL_INTENT}/{item_key(item_id)}"


def item_id_of(name: str | None) -> str | None:
    """The guide item behind an intent (item_hz_001) or a retrieval response key (kb/hz_001, utter_kb/hz_001)."""
    if not name:
        return None
    if name.startswith(ITEM_INTENT_PREFIX):
        return item_id_of_key(name[len(ITEM_INTENT_PREFIX):])
    head, _, tail = name.removeprefix("utter_").partition("/")
    if head == RETRIEVAL_INTENT and tail:
        return item_id_of_key(tail)
    return None


def oos_intent(group_id: str) -> str:
    """OOS-RS → oos_rs."""
    return OOS_INTENT_PREFIX + group_id.removeprefix("OOS-").lower()


def form_name(flow: str) -> str:
    return f"{flow}_form"


def flow_of_form(form: str | None) -> str | None:
    return form[: -len("_form")] if form and form.endswith("_form") else None


def validate_action(flow: str) -> str:
    return f"validate_{form_name(flow)}"


def ask_response(flow: str, slot: str) -> str:
    return f"utter_ask_{form_name(flow)}_{slot}"
