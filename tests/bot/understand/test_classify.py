"""The order of the checks in classify: each kind decided once, in the documented order, by the assistant's own
understander (the same one every front end uses)."""

from __future__ import annotations

import pytest

from bot.assistant import Assistant
from bot.turn import TurnKind
from bot.understand.classify import Understander


@pytest.fixture(scope="module")
def understand(assistant: Assistant) -> Understander:
    return assistant.understander


@pytest.mark.parametrize(("text", "kind", "detail"), [
    ("/payment_done{\"amount\": 40}", TurnKind.EVENT, "payment_done"),
    ("！！！", TurnKind.BAD_INPUT, "bad_input_junk"),
    ("没听清楚，再讲一次", TurnKind.COMMAND, "repeat"),
    ("算了，我不弄了", TurnKind.COMMAND, "cancel"),
    ("说慢一点", TurnKind.COMMAND, "slower"),
    ("帮我查一下前妻现在住哪", TurnKind.REFUSAL, None),
    ("你好", TurnKind.SOCIAL, "greeting"),
    ("今天天气怎么样", TurnKind.CHITCHAT, None),
    ("手机卡丢了怎么补办", TurnKind.DEPARTMENT, None),
    ("我要办个证", TurnKind.CLARIFY, "vague"),
    ("那要多少钱", TurnKind.CLARIFY, "aspect_only"),
    ("补办身份证要带什么材料", TurnKind.QUESTION, None),
])
def test_kinds_outside_a_flow(understand: Understander, text: str, kind: TurnKind, detail: str | None) -> None:
    u = understand.classify(text, {})
    assert u.kind is kind
    if kind is TurnKind.EVENT:
        assert u.event is not None and u.event["type"] == detail
    if kind is TurnKind.COMMAND:
        assert u.command == detail
    if kind is TurnKind.SOCIAL:
        assert u.social is not None and u.social.act == detail
    if kind in (TurnKind.BAD_INPUT, TurnKind.CLARIFY) and detail:
        assert detail in (u.bad_input, u.unclear)


def test_the_engine_is_asked_once_per_turn(understand: Understander, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = understand.engine.ask

    def counting(text: str, aspect: str | None = None, refuse: bool = True):  # type: ignore[no-untyped-def]
        calls.append(text)
        return original(text, aspect=aspect, refuse=refuse)

    monkeypatch.setattr(understand.engine, "ask", counting)
    understand.classify("驾驶证快到期了，换证要体检吗（第一次问）", {})
    assert len(calls) == 1


def test_a_refusal_wins_over_a_question_that_names_an_item(understand: Understander) -> None:
    assert understand.classify("能查她的出入境记录吗", {}).kind is TurnKind.REFUSAL
    assert understand.classify("我想查一下我自己的出入境记录", {}).kind is TurnKind.QUESTION


def test_a_follow_up_needs_an_item_in_focus(understand: Understander) -> None:
    focus = {"focus": {"item": "HZ-003", "aspect": "materials"}}
    u = understand.classify("要带什么资料", focus)
    assert u.kind is TurnKind.FOLLOWUP and u.answer is not None and u.answer.item_id == "HZ-003"
    assert understand.classify("今天天气怎么样", focus).kind is TurnKind.CHITCHAT


def test_two_aspects_of_one_item_are_both_asked(understand: Understander) -> None:
    u = understand.classify("临时身份证多少钱，有效期多久", {})
    assert u.kind is TurnKind.QUESTION and u.aspects == ["fee", "validity"] and not u.more


def test_two_documents_in_two_clauses_are_two_items(understand: Understander) -> None:
    u = understand.classify("驾照丢了补办，行驶证也丢了，一起怎么弄", {})
    assert u.answer is not None and u.more
    assert {u.answer.item_id, u.more[0].item_id} == {"JG-050", "JG-019"}
    assert not understand.classify("身份证正在补办，这几天要去银行，能先领个临时身份证吗", {}).more


def test_in_a_flow_a_valid_answer_is_flow_input_and_leaves_the_state_alone(assistant: Assistant) -> None:
    reply = assistant.handle(None, event={"type": "start_flow", "flow": "id_card_loss_report"})
    state = assistant.store.get(reply.session_id)
    assert state is not None
    before = dict(state["flow"])
    u = assistant.understander.classify("11010519491231002X", state)
    assert u.kind is TurnKind.FLOW_INPUT and u.flow_state is not None
    assert state["flow"] == before
    assert assistant.understander.classify("补办身份证要带什么", state).kind is TurnKind.QUESTION


@pytest.mark.parametrize("text", ["我女儿失联两天了，能帮忙查下她在哪吗", "小区里有人卖那种药丸子，我想偷偷告诉你们",
                                  "有人拿我的身份证信息去贷了款，我根本不知道这事"])
def test_a_lawful_need_close_to_a_refusal_topic_is_not_refused(understand: Understander, text: str) -> None:
    assert understand.classify(text, {}).kind is not TurnKind.REFUSAL
