import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.flow.validators import (
    validate,
    validate_date,
    validate_digits6,
    validate_id_number,
    validate_mobile,
    validate_plate,
)
from knowledge.identifiers import ID_PROVINCES, id_check_digit

TODAY = dt.date(2026, 11, 22)


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    region = f"{draw(st.sampled_from(sorted(ID_PROVINCES)))}{draw(st.integers(0, 9999)):04d}"
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
    body = region + born.strftime("%Y%m%d") + f"{draw(st.integers(0, 999)):03d}"
    return body + id_check_digit(body)


@given(valid_ids())
@settings(max_examples=300, deadline=None, database=None)
def test_any_valid_id_is_accepted(number: str) -> None:
    result = validate_id_number(number, today=TODAY)
    assert result.ok and result.value == number


@given(valid_ids(), st.integers(0, 17), st.sampled_from("0123456789X"))
@settings(max_examples=500, deadline=None, database=None)
def test_any_single_character_corruption_is_rejected(number: str, pos: int, char: str) -> None:
    if number[pos] == char:
        char = "1" if char != "1" else "2"
    corrupted = number[:pos] + char + number[pos + 1:]
    result = validate_id_number(corrupted, today=TODAY)
    assert not result.ok
    assert result.error and result.error_en


@given(valid_ids(), st.integers(0, 17))
@settings(max_examples=100, deadline=None, database=None)
def test_a_dropped_character_is_rejected_with_the_count(number: str, pos: int) -> None:
    result = validate_id_number(number[:pos] + number[pos + 1:], today=TODAY)
    assert not result.ok and "17位" in (result.error or "")


@pytest.mark.parametrize(("text", "needle"), [
    ("11010519491231002", "18位，您输入了17位"),
    ("110105194912310021", "校验"),
    ("110105199013320011", "出生日期"),
    ("990105194912310028", "省份代码"),
    ("1101051949X2310021", "最后一位"),
    ("110105491231002", "15位"),
], ids=["short", "check", "birth", "region", "x", "old"])
def test_id_errors_say_precisely_what_is_wrong(text: str, needle: str) -> None:
    result = validate_id_number(text)
    assert not result.ok and needle in (result.error or "")


def test_id_in_spoken_and_spaced_forms() -> None:
    assert validate_id_number("一一零一零五 一九四九一二三一 零零二叉").value == "11010519491231002X"
    assert validate_id_number("我的号码是110105 19491231 002x").value == "11010519491231002X"
    assert validate_id_number("幺幺洞幺洞五一九四九幺二三幺洞洞二X").value == "11010519491231002X"


def test_text_without_a_number_is_not_an_id_attempt() -> None:
    assert validate_id_number("我没带身份证怎么办").found is False


def test_future_birth_date_is_rejected() -> None:
    body = "11010520990101001"
    assert not validate_id_number(body + id_check_digit(body), today=TODAY).ok


@pytest.mark.parametrize(("text", "value"), [
    ("13812345678", "13812345678"), ("幺三八 1234 5678", "13812345678"), ("+86 138-1234-5678", "13812345678"),
    ("一三八一二三四五六七八", "13812345678"), ("两三", None),
], ids=["digits", "spoken-groups", "prefixed", "spoken", "too-short"])
def test_mobile(text: str, value: str | None) -> None:
    result = validate_mobile(text)
    assert result.value == value


@pytest.mark.parametrize(("text", "needle"), [("1381234567", "11位"), ("12812345678", "13到19")],
                         ids=["length", "prefix"])
def test_mobile_errors(text: str, needle: str) -> None:
    assert needle in (validate_mobile(text).error or "")


@pytest.mark.parametrize(("text", "value"), [
    ("粤B12342", "粤B12342"), ("粤b 1234五", "粤B12345"), ("粵B·12345", "粤B12345"),
    ("粤BD12345", "粤BD12345"), ("京A12345D", "京A12345D"), ("粤B1234学", "粤B1234学"),
], ids=["plain", "spoken", "traditional", "new-energy", "new-energy-large", "coach"])
def test_plates(text: str, value: str) -> None:
    assert validate_plate(text).value == value


@pytest.mark.parametrize(("text", "needle"), [
    ("B12345", "省份简称"), ("粤B1234", "7位"), ("粤BO1234", "I和O"), ("粤1B2345", "字母"), ("粤BA12345", "D或F"),
    ("京AF1234D", "D或F"),
], ids=["province", "length", "io", "letter", "new-energy", "new-energy-digits"])
def test_plate_errors(text: str, needle: str) -> None:
    result = validate_plate(text)
    assert not result.ok and needle in (result.error or "")


def test_digits6() -> None:
    assert validate_digits6("12345X").value == "12345X"
    assert validate_digits6("幺二三四五六").value == "123456"
    long = validate_digits6("LSVAB2BR3EN123456")
    assert long.value == "123456" and long.note
    assert "5位" in (validate_digits6("12345").error or "")


def test_dates() -> None:
    assert validate_date("2026年3月7日").value == "2026-03-07"
    assert validate_date("二零二零年一月一日").value == "2020-01-01"
    assert validate_date("20200101").value == "2020-01-01"
    assert validate_date("三月七号", today=TODAY).value == "2026-03-07"
    assert validate_date("明天", today=TODAY).value == "2026-11-23"
    assert "不是有效的日期" in (validate_date("2026年2月30日").error or "")
    assert validate_date("随便").found is False


def test_every_kind_has_a_validator() -> None:
    for kind in ("id_number", "phone", "plate", "digits6", "date", "text"):
        assert validate(kind, "x") is not None


def test_every_problem_the_rules_can_name_has_a_message_in_both_languages() -> None:
    from bot.flow.validators import _messages

    messages = _messages()
    problems = {"id_number": ["old_15", "length", "digits", "province", "birth_date", "birth_range", "check_digit"],
                "plate": ["province", "letter", "length", "io", "new_energy", "serial"]}
    for kind, names in problems.items():
        for name in names:
            texts = messages[kind][name]
            assert texts["zh-Hans"] and texts["en"] and texts["zh-Hans"] != texts["en"]
