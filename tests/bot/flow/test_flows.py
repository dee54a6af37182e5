"""Every flow end to end on the simulator: happy path, bad ID then good, correction, back, cancel, digression
and resume, no-match → help → hand-over."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from chat_support import OTHER_ID, PHONE, VALID_ID, Chat

# flow → (inputs before the ID step, inputs after it, the end step, a text the end message holds)
HAPPY: dict[str, tuple[list[str], list[str], str, str]] = {
    "id_card_reissue": (["丢失补领"], [VALID_ID, "确认", "到受理点领取"], "done_pickup", "受理号"),
    "id_card_loss_report": ([], [VALID_ID, PHONE, "确认"], "done", "挂失成功"),
    "temp_id_certificate": (["乘车"], [VALID_ID, "确认"], "done", "临时身份证明已打印"),
    "traffic_violation_payment": ([], [VALID_ID, "12345X", "全部", "确认"], "done", "缴款完成"),
    "hk_macau_tw_endorsement": (["港澳"], [VALID_ID, "二次有效", "确认"], "done", "办理完成"),
    "exit_entry_record_query": ([], [VALID_ID, "2020年1月1日", "今天", "确认"], "done", "打印完成"),
    "driving_licence_renewal": (["期满换证"], [VALID_ID, "确认", "当场领取"], "done_now", "办理完成"),
    "residence_permit": (["居住证签注"], [VALID_ID, "确认"], "done_endorse", "签注完成"),
    "id_photo": (["居民身份证"], [VALID_ID, "确认"], "done", "相片回执"),
    "progress_query": (["居民身份证"], [VALID_ID], "done", "查询结果"),
    "certificate_print": (["户籍证明"], [VALID_ID, "确认"], "done", "打印完成"),
}
FLOWS = sorted(HAPPY)
ChatFactory = Callable[..., Chat]


def _at_id_step(chat: ChatFactory, flow: str, channel: str = "web") -> Chat:
    c = chat(channel)
    c.start(flow)
    for text in HAPPY[flow][0]:
        c.say(text)
    assert c.reply is not None and c.reply.step == "id_number", c.text
    assert c.reply.expect == "id_number"
    return c


@pytest.mark.parametrize("flow", FLOWS)
def test_happy_path(chat: ChatFactory, flow: str) -> None:
    c = _at_id_step(chat, flow)
    _, rest, end, needle = HAPPY[flow]
    for text in rest:
        reply = c.say(text)
        assert reply.flow == flow and not reply.handoff, c.text
    assert c.reply is not None and c.reply.step == end and needle in c.text, c.text
    state = c.state()
    assert state["flow"] is None
    assert VALID_ID not in str(state)


@pytest.mark.parametrize("flow", FLOWS)
def test_bad_id_then_good(chat: ChatFactory, flow: str) -> None:
    c = _at_id_step(chat, flow)
    short = c.say(VALID_ID[:-1])
    assert short.step == "id_number" and "18位，您输入了17位" in c.text
    wrong_check = VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1")
    c.say(wrong_check)
    assert c.reply is not None and c.reply.step == "id_number" and "校验" in c.text
    good = c.say(VALID_ID)
    assert good.step != "id_number" and not good.handoff


@pytest.mark.parametrize("flow", [f for f in FLOWS if f != "progress_query"])
def test_correction_replaces_the_id(chat: ChatFactory, flow: str) -> None:
    c = _at_id_step(chat, flow)
    c.say(VALID_ID)
    step_before = c.reply.step if c.reply else None
    reply = c.say(f"不对，号码是{OTHER_ID}")
    assert "已更正" in c.text and reply.step == step_before
    fs = c.state()["flow"]
    assert isinstance(fs, dict)
    assert c.assistant.context.runner.slot_value(fs, "id_number") == OTHER_ID


def test_correction_of_a_choice_switches_the_branch(chat: ChatFactory) -> None:
    c = _at_id_step(chat, "progress_query")
    c.say("不对，是出入境证件")
    assert "已更正" in c.text
    fs = c.state()["flow"]
    assert isinstance(fs, dict) and fs["slots"]["service"] == "exit_entry" and fs["item"] == "CRJ-030"


def test_correction_at_the_confirmation_updates_the_summary(chat: ChatFactory) -> None:
    c = _at_id_step(chat, "id_card_reissue")
    c.say(VALID_ID)
    assert c.reply is not None and c.reply.step == "confirm" and VALID_ID[-4:] in c.text
    c.say(f"不对，应该是{OTHER_ID}")
    assert c.reply.step == "confirm" and OTHER_ID[-4:] in c.text and OTHER_ID not in c.text
    c.say("不对，是到期换领")
    assert "到期换领" in c.text and "20元" in c.text


@pytest.mark.parametrize("flow", FLOWS)
def test_back(chat: ChatFactory, flow: str) -> None:
    c = _at_id_step(chat, flow)
    reply = c.say("上一步")
    if HAPPY[flow][0]:
        assert reply.step != "id_number" and reply.expect == "choice"
        c.say(HAPPY[flow][0][0])
        assert c.reply is not None and c.reply.step == "id_number"
    else:
        assert reply.step == "id_number" and "第一步" in c.text


@pytest.mark.parametrize("flow", FLOWS)
def test_cancel(chat: ChatFactory, flow: str) -> None:
    c = _at_id_step(chat, flow)
    c.say("不办了")
    assert "已取消" in c.text and c.state()["flow"] is None


@pytest.mark.parametrize("flow", FLOWS)
def test_digression_is_answered_and_the_flow_resumes(chat: ChatFactory, flow: str) -> None:
    c = _at_id_step(chat, flow)
    reply = c.say("补办身份证要带什么？")
    assert reply.item_id == "HZ-003" and "所需材料" in c.text
    assert reply.flow == flow and reply.step == "id_number" and "我们继续办理" in c.text
    assert c.say(VALID_ID).step != "id_number"


@pytest.mark.parametrize("flow", FLOWS)
def test_no_match_then_help_then_handoff(chat: ChatFactory, flow: str) -> None:
    c = _at_id_step(chat, flow)
    first = c.say("啦啦啦")
    assert not first.handoff and "没听明白" in c.text and first.step == "id_number"
    second = c.say("啦啦啦")
    assert not second.handoff and "上一步" in c.text and "转人工" in c.text
    third = c.say("啦啦啦")
    assert third.handoff and "0000-12345678" in c.text and "9号窗口" in c.text
    assert third.flow == flow


def test_no_input_events_count_too(chat: ChatFactory) -> None:
    c = _at_id_step(chat, "id_card_reissue", channel="kiosk")
    assert not c.say(event={"type": "no_input"}).handoff
    assert not c.say(event={"type": "no_input"}).handoff
    assert c.say(event={"type": "no_input"}).handoff


def test_repeat_and_help_commands(chat: ChatFactory) -> None:
    c = _at_id_step(chat, "id_card_reissue")
    prompt = c.reply.messages[-1].text if c.reply else ""
    assert c.say("再说一遍").messages[-1].text == prompt
    c.say("帮助")
    assert "最后一位可能是X" in c.text


def test_human_mid_flow_keeps_the_flow(chat: ChatFactory) -> None:
    c = _at_id_step(chat, "traffic_violation_payment")
    reply = c.say("转人工")
    assert reply.handoff and reply.flow == "traffic_violation_payment"
    assert c.say(VALID_ID).step == "vehicle_tail"


def test_kiosk_drives_the_flow_with_events_and_is_wiped_at_the_end(chat: ChatFactory) -> None:
    c = chat("kiosk")
    c.start("id_card_reissue", item="HZ-002")
    reply = c.say("损坏换领")
    assert reply.actions == [{"type": "kiosk", "do": "read_id_card"}] and reply.wait_event == "id_card_read"
    assert c.say(event={"type": "id_card_read", "id_number": VALID_ID}).step == "photo"
    assert c.say(event={"type": "photo_failed"}).step == "photo" and "没有成功" in c.text
    assert c.say(event={"type": "photo_ok"}).step == "fingerprint"
    assert c.say(event={"type": "payment_done"}).step == "fingerprint" and "不符" in c.text
    c.say(event={"type": "fingerprint_ok"})
    assert c.say("确认").actions == [{"type": "show_qr", "amount": 40, "purpose": "居民身份证工本费"}]
    assert c.say(event={"type": "payment_done", "order_id": "X1"}).step == "delivery"
    reply = c.say("自取")
    assert reply.wait_event == "printed"
    session = c.session
    done = c.say(event={"type": "printed"})
    assert done.step == "done_pickup"
    assert session is not None and c.assistant.store.get(session) is None


def test_event_payload_in_text(chat: ChatFactory) -> None:
    c = _at_id_step(chat, "exit_entry_record_query", channel="kiosk")
    reply = c.say('/id_card_read{"id_number": "' + VALID_ID + '"}')
    assert reply.step == "face" and reply.wait_event == "face_ok"


def test_simulated_card_read_button(chat: ChatFactory) -> None:
    c = _at_id_step(chat, "traffic_violation_payment")
    reply = c.say("/id_card_read")
    assert reply.step == "vehicle_tail" and reply.simulated and VALID_ID not in str(reply.to_dict())


def test_endorsement_fee_table(chat: ChatFactory) -> None:
    fees = {"一次有效": 15, "二次有效": 30, "一年以内多次": 80, "两年多次": 120, "两到三年": 160, "三年以上": 240}
    for choice, fee in fees.items():
        c = _at_id_step(chat, "hk_macau_tw_endorsement")
        c.say(VALID_ID)
        c.say(choice)
        assert f"签注费：{fee}元" in c.text, (choice, c.text)
    for choice, fee in {"一次": 15, "多次": 80}.items():
        c = chat()
        c.start("hk_macau_tw_endorsement")
        c.say("台湾")
        c.say(VALID_ID)
        c.say(choice)
        assert f"签注费：{fee}元" in c.text
        c.say("确认")
        assert c.reply is not None and {"type": "show_qr", "amount": fee, "purpose": "出入境证件签注费"} in \
            c.reply.actions


def test_violations_are_listed_and_picked(chat: ChatFactory) -> None:
    c = _at_id_step(chat, "traffic_violation_payment")
    c.say(VALID_ID)
    reply = c.say("12345X")
    assert reply.step == "choose" and "记6分，罚款200元" in c.text and "示例区滨海路中段" in c.text
    assert c.say("3").step == "choose" and "1到2" in c.text
    c.say("第二条")
    assert "合计150元" in c.text
    c.say("确认")
    assert c.reply is not None and c.reply.actions[0]["amount"] == 150


def test_reissue_from_the_lost_card_item_preselects_the_type(chat: ChatFactory) -> None:
    c = chat()
    c.say("身份证丢了要补办")
    assert c.reply is not None and c.reply.item_id == "HZ-003"
    reply = c.say("现在办理")
    assert reply.flow == "id_card_reissue" and reply.step == "id_number" and "丢失补领" in c.text


def test_driving_licence_renewal_has_the_medical_check(chat: ChatFactory) -> None:
    c = _at_id_step(chat, "driving_licence_renewal")
    reply = c.say(VALID_ID)
    assert {"type": "kiosk", "do": "medical_check"} in reply.actions and "自助体检" in c.text
    c = chat()
    c.start("driving_licence_renewal")
    c.say("遗失补领")
    reply = c.say(VALID_ID)
    assert {"type": "kiosk", "do": "medical_check"} not in reply.actions


def test_postal_delivery_masks_contact_details(chat: ChatFactory) -> None:
    c = _at_id_step(chat, "id_card_reissue")
    for text in (VALID_ID, "确认", "邮寄到家", PHONE, "示例市示例区示例路1号"):
        c.say(text)
    assert c.reply is not None and c.reply.step == "done_postal"
    assert PHONE not in str(c.state()) and "示例路1号" not in str(c.state())
