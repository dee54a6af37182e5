from __future__ import annotations

import re

import pytest

from knowledge.engine import KnowledgeEngine
from knowledge.normalize import InvalidQuery


@pytest.mark.parametrize(
    ("question", "item_id", "amount"),
    [
        ("身份证弄丢了补一张要多少钱", "HZ-003", "40元"),
        ("办临时身份证收费吗", "HZ-006", "10元"),
        ("第一次办护照多少钱", "CRJ-001", "120元"),
        ("第一次办港澳通行证要交多少钱", "CRJ-007", "60元"),
    ],
)
def test_fee_questions_state_the_national_amount(engine: KnowledgeEngine, question: str, item_id: str,
                                                 amount: str) -> None:
    answer = engine.ask(question)
    assert answer.item_id == item_id
    assert answer.field == "fee"
    assert amount in answer.answer
    assert answer.item_id in answer.answer and answer.title in answer.answer


def test_speech_is_short_and_spoken(engine: KnowledgeEngine) -> None:
    answer = engine.ask("补办身份证要多少钱")
    sentences = [s for s in re.split("[。！？]", answer.speech) if s]
    assert 1 <= len(sentences) <= 2
    assert "四十元" in answer.speech
    assert not re.search(r"\d", answer.speech)


def test_homophones_from_speech_recognition_still_land(engine: KnowledgeEngine) -> None:
    assert engine.ask("身分证丢了怎么办").item_id in {"HZ-003", "HZ-004"}


def test_traditional_question(engine: KnowledgeEngine) -> None:
    assert engine.ask("臨時身份證怎麼辦理").item_id == "HZ-006"


def test_location_answer_carries_local_disclaimer(engine: KnowledgeEngine) -> None:
    answer = engine.ask("补领身份证在哪里办")
    assert answer.field == "location"
    assert "以当地公安机关公布为准" in answer.answer


@pytest.mark.parametrize("question", ["你会跳舞吗", "医保卡丢了怎么补办", "帮我查一下隔壁老王的手机定位"])
def test_out_of_scope_is_declined(engine: KnowledgeEngine, question: str) -> None:
    answer = engine.ask(question)
    assert answer.item_id is None
    assert answer.handoff
    assert answer.declined in {"department", "refuse", "chitchat", "low_confidence"}


def test_other_department_is_named(engine: KnowledgeEngine) -> None:
    answer = engine.ask("退休了养老金怎么领")
    assert answer.item_id is None
    assert "12333" in answer.answer


def test_bad_input_raises_clear_error(engine: KnowledgeEngine) -> None:
    with pytest.raises(InvalidQuery, match="太长"):
        engine.ask("身" * 10_000)
    with pytest.raises(InvalidQuery, match="空"):
        engine.ask("   ")


def test_answer_item_for_follow_up(engine: KnowledgeEngine) -> None:
    answer = engine.answer_item("HZ-006", "validity")
    assert "3个月" in answer.answer


def test_english_question_reaches_foreigner_service(engine: KnowledgeEngine) -> None:
    answer = engine.ask("How do I extend my visa?")
    assert answer.item_id == "CRJ-035"


def test_citizens_question_prefers_citizen_service(engine: KnowledgeEngine) -> None:
    assert engine.ask("护照丢了怎么补办").item_id == "CRJ-003"


def test_named_other_department_object_wins_over_generic_words(engine: KnowledgeEngine) -> None:
    answer = engine.ask("社保卡丢了要补办")
    assert answer.item_id is None and answer.declined == "department"
    assert answer.redirect == "人力资源和社会保障部门"
