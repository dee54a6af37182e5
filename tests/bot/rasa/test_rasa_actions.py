"""The action server's logic: slot checks with bot.flow.validators, knowledge answers, path-dependent form slots.

The pure helpers run everywhere; the rasa-sdk classes are exercised only where rasa_sdk is installed (the action
server environment: `.rasa-sdk-env/bin/python -m pytest tests/rasa`).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.rasa import naming
from bot.rasa.answers import KnowledgeAnswers, item_of_message
from bot.rasa.forms import FormRegistry
from bot.rasa.slots import check_slot, mask, match_option
from knowledge.identifiers import id_check_digit

_BASE = "11010519491231002"
GOOD_ID = _BASE + id_check_digit(_BASE)
BAD_ID = _BASE + ("0" if GOOD_ID[-1] != "0" else "1")
OPTIONS = (("pickup", ("到受理点领取", "自取", "领取")), ("postal", ("邮寄到家", "邮寄", "快递")))


@pytest.fixture(scope="module")
def answers() -> KnowledgeAnswers:
    return KnowledgeAnswers()


@pytest.fixture(scope="module")
def forms(answers: KnowledgeAnswers) -> FormRegistry:
    return FormRegistry.build(answers)


def test_bad_id_number_is_rejected_with_a_reason() -> None:
    result = check_slot("id_number", BAD_ID)
    assert not result.ok and result.found
    assert result.message and "校验" in result.message


@pytest.mark.parametrize("text", ["123456", "1101051949123100", "99010519491231002X"])
def test_malformed_id_numbers_are_rejected(text: str) -> None:
    assert not check_slot("id_number", text).ok


def test_good_id_number_is_accepted_and_normalised() -> None:
    result = check_slot("id_number", f"号码是 {GOOD_ID.lower()}")
    assert result.ok and result.value == GOOD_ID.upper()


def test_no_id_in_the_answer_is_not_found() -> None:
    result = check_slot("id_number", "我不知道怎么弄")
    assert not result.ok and not result.found and result.message


@pytest.mark.parametrize(("kind", "good", "bad"), [
    ("phone", "13800138000", "12345678901"),
    ("plate", "粤B12345", "粤I12345"),
    ("digits6", "123456", "123"),
])
def test_other_validators(kind: str, good: str, bad: str) -> None:
    assert check_slot(kind, good).ok
    result = check_slot(kind, bad)
    assert not result.ok and result.message


@pytest.mark.parametrize(("text", "value"), [("2", "postal"), ("第一个", "pickup"), ("邮寄到家", "postal"),
                                             ("我想寄快递", "postal"), ("自取吧", "pickup"), ("随便", None)])
def test_choice_answers(text: str, value: str | None) -> None:
    assert match_option(text, OPTIONS) == value
    result = check_slot("choice", text, OPTIONS)
    assert result.ok == (value is not None)
    if value is None:
        assert result.message and "邮寄到家" in result.message


def test_mask_hides_personal_data() -> None:
    assert mask("id_number", GOOD_ID) == GOOD_ID[:4] + "*" * 10 + GOOD_ID[-4:]
    assert "0013" not in mask("phone", "13800138000")[3:7]
    assert mask("choice", "postal") == "postal"


def test_knowledge_answer_uses_the_aspect_asked(answers: KnowledgeAnswers) -> None:
    fee = answers.answer("HZ-003", "补办身份证多少钱")
    assert fee["field"] == "fee" and "40" in fee["text"] and fee["item_id"] == "HZ-003"
    general = answers.answer("HZ-003", "身份证丢了")
    assert general["field"] is None and general["text"].startswith("【HZ-003")
    with pytest.raises(KeyError):
        answers.answer("HZ-999", "x")


def test_item_of_message_reads_intents_and_response_selectors() -> None:
    assert item_of_message({"intent": {"name": "item_jg_049", "confidence": 0.9}}) == ("JG-049", 0.9)
    message = {"intent": {"name": "kb", "confidence": 0.8},
               "response_selector": {"kb": {"response": {"intent_response_key": "kb/hz_003", "confidence": 0.7}}}}
    assert item_of_message(message) == ("HZ-003", 0.7)
    assert item_of_message({"intent": {"name": "greet"}}) == (None, None)


def test_naming_round_trip() -> None:
    for item_id in ("HZ-001", "CRJ-030", "JG-076"):
        assert naming.item_id_of(naming.item_intent(item_id)) == item_id
        assert naming.item_id_of(naming.retrieval_key(item_id)) == item_id
        assert naming.item_id_of("utter_" + naming.retrieval_key(item_id)) == item_id
    assert naming.oos_intent("OOS-RS") == "oos_rs"
    assert naming.flow_of_form(naming.form_name("id_card_reissue")) == "id_card_reissue"
    with pytest.raises(ValueError):
        naming.item_key("XX-1")


def test_form_slots_follow_the_branch(forms: FormRegistry) -> None:
    form = "id_card_reissue_form"
    domain = [s.name for s in forms.plans[form].slots]
    assert "phone" in domain
    base = {"reason": "reissue", "id_number": GOOD_ID}
    assert "phone" not in forms.required(form, {**base, "delivery": "pickup"}, domain)
    assert "phone" in forms.required(form, {**base, "delivery": "postal"}, domain)
    assert forms.item_flows["HZ-003"] == "id_card_reissue"
    summary = forms.summary(form, {**base, "delivery": "postal", "phone": "13800138000"})
    assert GOOD_ID not in summary and "13800138000" not in summary


# ----------------------------------------------------------------------------- the rasa-sdk layer, where installed

def _run(coro: Any) -> Any:
    return asyncio.new_event_loop().run_until_complete(coro)


def test_form_validation_action_rejects_a_bad_id() -> None:
    pytest.importorskip("rasa_sdk")
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from bot.rasa import actions

    (validator_cls,) = [c for c in actions.VALIDATORS if c().name() == "validate_id_card_reissue_form"]
    validator = validator_cls()
    tracker = Tracker("s", {"requested_slot": "id_number"}, {"text": BAD_ID}, [], False, None,
                      {"name": "id_card_reissue_form"}, "action_listen")
    dispatcher = CollectingDispatcher()
    assert _run(validator.validate_id_number(BAD_ID, dispatcher, tracker, {})) == {"id_number": None}
    assert "校验" in dispatcher.messages[0]["text"]
    dispatcher = CollectingDispatcher()
    assert _run(validator.validate_id_number(GOOD_ID, dispatcher, tracker, {})) == {"id_number": GOOD_ID}
    assert dispatcher.messages == []


def test_answer_action_answers_the_selected_item() -> None:
    pytest.importorskip("rasa_sdk")
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from bot.rasa import actions

    message = {"text": "补办身份证要多少钱", "intent": {"name": "kb", "confidence": 0.9},
               "response_selector": {"kb": {"response": {"intent_response_key": "kb/hz_003", "confidence": 0.8}}}}
    tracker = Tracker("s", {}, message, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    domain: dict[str, Any] = {"slots": {naming.SLOT_FLOW: {}, naming.SLOT_ITEM: {}}}
    events = _run(actions.ActionAnswerKnowledge().run(dispatcher, tracker, domain))
    (msg,) = dispatcher.messages
    assert msg["custom"]["item_id"] == "HZ-003" and msg["custom"]["field"] == "fee"
    assert msg["buttons"] and {"event": "slot", "name": naming.SLOT_FLOW, "value": "id_card_reissue",
                               "timestamp": None} in events


def test_answer_action_refuses_even_when_the_nlu_picked_an_item() -> None:
    pytest.importorskip("rasa_sdk")
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from bot.rasa import actions

    message = {"text": "能查她的出入境记录吗", "intent": {"name": "kb", "confidence": 0.9},
               "response_selector": {"kb": {"response": {"intent_response_key": "kb/crj_029", "confidence": 0.8}}}}
    tracker = Tracker("s", {}, message, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = _run(actions.ActionAnswerKnowledge().run(dispatcher, tracker, {"slots": {}}))
    (msg,) = dispatcher.messages
    assert msg["custom"]["kind"] == "refusal" and "item_id" not in msg["custom"] and events == []


@pytest.mark.parametrize(("text", "kind"), [
    ("能查她的出入境记录吗", "refusal"),
    ("找人替我扣12分", "refusal"),
    ("你好", "social:greeting"),
    ("多谢多谢，我晓得了", "social:thanks"),
    ("thank you", "social:thanks"),
    ("你真笨", "chitchat"),
])
def test_the_action_server_decides_refusals_and_social_turns_as_daoban_does(answers: KnowledgeAnswers, text: str,
                                                                            kind: str) -> None:
    from bot.rasa.answers import rule_reply
    from bot.understand.rules import Rules

    decided = rule_reply(Rules.load(), answers.site, text)
    assert decided is not None and decided["kind"] == kind and decided["text"]
    assert "110" not in decided["text"] or kind == "refusal"


@pytest.mark.parametrize("text", ["补办身份证要带什么", "我帮我爸交违章罚款", "转人工"])
def test_the_action_server_leaves_questions_and_commands_to_the_nlu(answers: KnowledgeAnswers, text: str) -> None:
    from bot.rasa.answers import rule_reply
    from bot.understand.rules import Rules

    assert rule_reply(Rules.load(), answers.site, text) is None
