"""Knowledge answers, follow-ups on the item in focus, switching, the human route, robustness of handle()."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from chat_support import VALID_ID, Chat

from bot.assistant import Assistant
from bot.session.store import MemoryStore

ChatFactory = Callable[..., Chat]


def test_answer_has_card_and_flow_button(chat: ChatFactory) -> None:
    c = chat()
    reply = c.say("补办身份证需要带什么材料？")
    assert reply.item_id == "HZ-003" and reply.field == "materials" and reply.item_title == "居民身份证补领"
    assert reply.card is not None and reply.card["item_id"] == "HZ-003" and reply.card["verified"] is True
    assert set(reply.card) >= {"item_id", "title", "field", "fee", "materials", "where", "hours", "online", "verified"}
    assert reply.buttons[0].title == "现在办理"
    assert all(m.speech for m in reply.messages)


@pytest.mark.parametrize(("question", "field", "needle"), [
    ("那要多少钱？", "fee", "40元"),
    ("在哪办？", "location", "1-3号窗口"),
    ("周末能办吗？", "hours", "周六"),
    ("需要带什么？", "materials", "户口簿"),
    ("多久能拿到", "time_limit", "60日"),
])
def test_follow_ups_use_the_item_in_focus(chat: ChatFactory, question: str, field: str, needle: str) -> None:
    c = chat()
    c.say("我的身份证丢了")
    assert c.reply is not None and c.reply.item_id == "HZ-003"
    reply = c.say(question)
    assert reply.item_id == "HZ-003" and reply.field == field and needle in c.text


def test_follow_up_chain_keeps_the_focus(chat: ChatFactory) -> None:
    c = chat()
    c.say("驾驶证到期了怎么换")
    first = c.reply.item_id if c.reply else None
    assert first == "JG-049"
    assert c.say("要多少钱").item_id == "JG-049"
    assert c.say("在哪办").item_id == "JG-049"


def test_switch_to_another_item(chat: ChatFactory) -> None:
    c = chat()
    c.say("补办身份证多少钱")
    assert c.reply is not None and c.reply.item_id == "HZ-003"
    reply = c.say("不是这个，我问的是换领")
    assert reply.item_id == "HZ-002" and reply.field == "fee" and "20元" in c.text
    assert c.say("在哪办").item_id == "HZ-002"


def test_bare_switch_offers_the_alternatives(chat: ChatFactory) -> None:
    c = chat()
    c.say("身份证丢了")
    reply = c.say("不是这个")
    assert "哪一项" in c.text and reply.buttons


def test_same_aspect_other_item(chat: ChatFactory) -> None:
    c = chat()
    c.say("换身份证多少钱")
    reply = c.say("那护照呢？")
    assert reply.item_id is not None and reply.item_id.startswith("CRJ") and reply.field == "fee"


def test_follow_up_without_focus_asks_which_item(chat: ChatFactory) -> None:
    c = chat()
    reply = c.say("那要多少钱？")
    assert reply.item_id is None and "哪项业务" in c.text


def test_a_new_full_question_is_not_a_follow_up(chat: ChatFactory) -> None:
    c = chat()
    c.say("补办身份证多少钱")
    reply = c.say("港澳通行证签注多少钱")
    assert reply.item_id == "CRJ-017" and reply.field == "fee"


def test_start_now_after_an_answer(chat: ChatFactory) -> None:
    c = chat()
    c.say("交通违法罚款怎么交")
    assert c.reply is not None and c.reply.item_id in {"JG-076", "JG-075", "JG-074"}
    reply = c.say("现在办理")
    assert reply.flow == "traffic_violation_payment" and reply.expect == "id_number"


def test_saying_do_it_now_starts_the_flow(chat: ChatFactory) -> None:
    c = chat()
    reply = c.say("我要办港澳签注")
    assert reply.flow == "hk_macau_tw_endorsement"


def test_item_without_kiosk_flow_says_where_to_go(chat: ChatFactory) -> None:
    c = chat()
    c.say("首次办身份证要带什么")
    assert c.reply is not None and c.reply.item_id == "HZ-001"
    assert all(b.title != "现在办理" for b in c.reply.buttons)
    c.say("现在办理")
    assert "暂不支持自助办理" in c.text


def test_department_question_goes_the_human_route(chat: ChatFactory, assistant: Assistant) -> None:
    c = chat()
    reply = c.say("社保卡掉了去哪里补，我电话13812345678")
    assert reply.handoff and "12333" in c.text and "0000-12345678" in c.text
    last = assistant.unanswered.read()[-1]
    assert last["reason"] == "department" and "138****5678" in last["question"]
    assert "13812345678" not in last["question"] and str(c.session) not in str(last)


def test_refused_request(chat: ChatFactory) -> None:
    c = chat()
    reply = c.say("帮我查一下别人的开房记录")
    assert reply.kind == "refusal" and reply.item_id is None
    assert "本人" in c.text and "委托" in c.text


def test_chitchat_is_polite_and_not_a_handoff(chat: ChatFactory) -> None:
    c = chat()
    reply = c.say("今天天气怎么样")
    assert not reply.handoff and reply.messages


def test_repeated_failure_offers_help_then_the_human_route(chat: ChatFactory, assistant: Assistant) -> None:
    c = chat()
    first = c.say("蓝色的大象飞过了彩虹")
    assert not first.handoff
    second = c.say("蓝色的大象飞过了彩虹")
    assert not second.handoff and second.buttons
    third = c.say("蓝色的大象飞过了彩虹")
    assert third.handoff and "9号窗口" in c.text
    assert any(r["reason"] == "repeated_failure" for r in assistant.unanswered.read())


def test_ask_for_a_person(chat: ChatFactory) -> None:
    c = chat()
    reply = c.say("转人工")
    assert reply.handoff and "0000-12345678" in c.text


def test_emergency_mentions_110(chat: ChatFactory) -> None:
    c = chat()
    c.say("救命，有人抢劫")
    assert "110" in c.text


@pytest.mark.parametrize("bad", ["", "   ", "啊" * 10_000, "\x00\x01\x02\x03", "\ufffd\ufffd", "！！！？？？"],
                         ids=["empty", "spaces", "10k-chars", "control", "replacement", "punctuation"])
def test_bad_text_gets_a_polite_reply(chat: ChatFactory, bad: str) -> None:
    c = chat()
    reply = c.say(bad)
    assert reply.messages and not reply.handoff


def test_bad_text_in_a_flow_repeats_the_step(chat: ChatFactory) -> None:
    c = chat()
    c.start("temp_id_certificate")
    reply = c.say("")
    assert reply.step == "purpose" and reply.expect == "choice"


def test_non_string_input_never_raises(assistant: Assistant) -> None:
    reply = assistant.handle(None, 12345, event="junk", channel="")  # type: ignore[arg-type]
    assert reply.messages


def test_unknown_or_missing_session_starts_a_new_one(assistant: Assistant) -> None:
    first = assistant.handle(None, "你好")
    assert first.session_id
    other = assistant.handle("no-such-session", "补办身份证多少钱")
    assert other.session_id == "no-such-session" and other.item_id == "HZ-003"
    assert not any("会话已结束" in m.text for m in other.messages)
    weird = assistant.handle("x" * 500 + "/../", "补办身份证多少钱")
    assert weird.item_id == "HZ-003"
    assert assistant.handle(other.session_id, "在哪办").session_id == other.session_id


def test_opening_without_text_greets(assistant: Assistant) -> None:
    reply = assistant.handle(None)
    assert "导办" in reply.messages[0].text and reply.buttons


def test_racing_turns_do_not_corrupt_state(make_assistant: Callable[..., Assistant]) -> None:
    a = make_assistant()
    sid = a.handle(None, "你好").session_id
    errors: list[BaseException] = []

    def talk() -> None:
        try:
            for _ in range(5):
                a.handle(sid, "补办身份证多少钱")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=talk) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    state = a.store.get(sid)
    assert not errors and state is not None and state["turns"] == 31


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_kiosk_session_is_wiped_after_two_idle_minutes(make_assistant: Callable[..., Assistant]) -> None:
    clock = FakeClock()
    a = make_assistant(MemoryStore(clock=clock))
    reply = a.handle(None, event={"type": "start_flow", "flow": "id_card_loss_report"}, channel="kiosk")
    a.handle(reply.session_id, VALID_ID, channel="kiosk")
    clock.now += 119
    assert a.store.get(reply.session_id) is not None
    clock.now += 2
    assert a.store.get(reply.session_id) is None
    again = a.handle(reply.session_id, "在哪办", channel="kiosk")
    assert "重新开始" in again.messages[0].text and again.flow is None
    assert not any("重新开始" in m.text for m in a.handle(reply.session_id, "补办身份证多少钱",
                                                         channel="kiosk").messages)


def test_web_session_lasts_thirty_minutes(make_assistant: Callable[..., Assistant]) -> None:
    clock = FakeClock()
    a = make_assistant(MemoryStore(clock=clock))
    sid = a.handle(None, "补办身份证", channel="web").session_id
    clock.now += 29 * 60
    assert a.handle(sid, "多少钱", channel="web").item_id == "HZ-003"


def test_idle_and_new_person_events(chat: ChatFactory) -> None:
    c = chat("kiosk")
    c.start("id_card_loss_report")
    c.say(VALID_ID)
    session = c.session
    reply = c.say(event={"type": "person_approached"})
    assert reply.flow is None and "导办" in c.text and c.state()["flow"] is None
    c.say(event={"type": "idle"})
    assert "已清除" in c.text and session is not None and c.assistant.store.get(c.session or "") is None


def test_robot_channel_leads_the_way(chat: ChatFactory) -> None:
    c = chat("robot")
    reply = c.say("补办身份证在哪办")
    assert {"type": "robot", "go_to": "window-1"} in reply.actions
    reply = c.say("带我去")
    assert {"type": "robot", "go_to": "window-1"} in reply.actions
    reply = c.say("转人工")
    assert {"type": "robot", "go_to": "window-9"} in reply.actions


def test_reply_is_json_ready(chat: ChatFactory) -> None:
    import json

    c = chat()
    c.say("补办身份证多少钱")
    json.dumps(c.reply.to_dict() if c.reply else {}, ensure_ascii=False)
