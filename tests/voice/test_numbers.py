"""Spoken numbers, plates and commands come back as the clean values a flow step expects."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.identifiers import ID_PROVINCES, id_check_digit, is_valid_id
from voice.numbers import (
    match_command,
    parse_date,
    parse_id,
    parse_phone,
    parse_plate,
    pick_id,
    render_spoken,
    understand,
)


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(sorted(ID_PROVINCES))) + draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
    born = draw(st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2020, 12, 31)))
    first17 = region + born.strftime("%Y%m%d") + draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    return first17 + id_check_digit(first17)


@settings(max_examples=300, deadline=None)
@given(resident_ids(), st.integers(0, 63), st.sampled_from(["", "我的身份证号是，", "号码是", "嗯，那个，"]))
def test_any_valid_id_spoken_any_way_comes_back_exact(value: str, style: int, lead: str) -> None:
    assert is_valid_id(value)
    spoken = lead + render_spoken(value, style)
    assert understand(spoken, "id_number").text == value


@settings(max_examples=200, deadline=None)
@given(resident_ids(), st.integers(0, 16), st.integers(0, 9))
def test_a_misheard_digit_is_never_taken_for_an_id(value: str, pos: int, delta: int) -> None:
    wrong = value[:pos] + str((int(value[pos]) + 1 + delta % 9) % 10) + value[pos + 1:]
    assert parse_id(render_spoken(wrong)) is None


def test_gb11643_check_digits() -> None:
    assert id_check_digit("11010519491231002") == "X"
    assert is_valid_id("11010519491231002X")
    assert not is_valid_id("110105194912310021")
    assert not is_valid_id("99010519491231002X")  # no such province


@pytest.mark.parametrize(("heard", "expected"), [
    ("三两动腰动两腰九六腰腰两两五四动五轻", "320102196112254057"),  # Whisper's homophones for 洞, 幺, 七
    ("后码式的三三零九零二一九七四零三二七四三三零", "330902197403274330"),  # 是 of the lead-in is not a digit
    ("五一零一零七一九六七零四零二二四五餐", "51010719670402245X"),  # 叉 heard as 餐
    ("身份证号码：三二零一零二一九九二零一零五八零六艾克斯", "32010219920105806X"),
    ("我的号码是 320102 1961 1225 4057", "320102196112254057"),
])
def test_recognised_id_numbers(heard: str, expected: str) -> None:
    assert parse_id(heard) == expected


def test_checksum_picks_the_right_hypothesis() -> None:
    hyps = ["六四零一零四一九八零七二二四三四零", "六四零一零四一九五八零七二二四三四零"]  # first drops a digit
    assert pick_id(hyps) == "640104195807224340"


@pytest.mark.parametrize(("heard", "expected"), [
    ("我的车牌是粤比三开五八二", "粤B3K582"),
    ("车牌号，沪诶迪，洞七七三幺", "沪AD07731"),
    ("浙比，二艾姆八八五", "浙B2M885"),
    ("牌照是鲁西幺六杰零七", "鲁C16J07"),
    ("牌照是鲁西腰六截零七了", "鲁C16J07"),  # 截 for 杰 by sound
    ("越比三开五八二", "粤B3K582"),  # province by sound
    ("京A12345", "京A12345"),
])
def test_plates(heard: str, expected: str) -> None:
    assert parse_plate(heard) == expected


def test_not_a_plate() -> None:
    assert parse_plate("我想问一下怎么办护照") is None


@pytest.mark.parametrize(("heard", "key"), [
    ("返回", "back"), ("上一步。", "back"), ("重复一遍", "repeat"), ("我听不清", "repeat"), ("取消", "cancel"),
    ("转人工", "human"), ("帮助", "help"), ("嗯，是的", "yes"), ("确认", "yes"), ("不对。", "no"),
    ("反悔", "back"),  # same sound as 返回
    ("却人", "yes"),  # 确认 misheard
])
def test_commands(heard: str, key: str) -> None:
    assert match_command(heard) == key


def test_command_text_is_what_the_dialogue_understands() -> None:
    assert understand("转人工吧", "command").text == "转人工"
    assert understand("我想问护照怎么办", "command").value is None
    assert understand("好的", "yes_no").value == "yes"


def test_phone_dates_digits() -> None:
    assert parse_phone("幺三八，幺二三四，五六七八") == "13812345678"
    assert parse_date("一九九零年二月三日") == "1990-02-03"
    assert parse_date("1990年12月30号") == "1990-12-30"
    assert understand("验证码是三八六零二七", "digits6").text == "386027"
    assert understand("嗯，那个，幺三八幺二三四五六七八", "phone").text == "13812345678"


def test_unparsed_answer_passes_the_words_on() -> None:
    u = understand("我不记得了", "id_number")
    assert u.value is None and u.text == "我不记得了"
