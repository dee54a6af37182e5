import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.records.privacy import mask_pii, mask_value, session_hash


def test_masks_ids_mobiles_and_plates() -> None:
    text = "我的身份证11010519491231002X，电话13812345678，车牌粤B12342"
    assert mask_pii(text) == "我的身份证1101**********002X，电话138****5678，车牌粤B****2"


def test_masks_spoken_and_grouped_numbers() -> None:
    assert mask_pii("幺三八 1234 5678") == "138****5678"
    assert mask_pii("一一零一零五一九四九一二三一零零二叉") == "1101**********002X"
    assert "8765" not in mask_pii("卡号 6222 0212 3456 8765 123")


def test_new_energy_plate() -> None:
    assert mask_pii("粤BD12345") == "粤B*****5"


def test_leaves_ordinary_text_alone() -> None:
    for text in ("换身份证多少钱", "工作日 9:00-12:00", "二〇二四年三月", "订单123456", "交管12123"):
        assert mask_pii(text) == text


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.text(max_size=10))
@settings(database=None)
def test_no_mobile_survives(mobile: str, around: str) -> None:
    masked = mask_pii(f"{around}{mobile}{around}")
    assert mobile not in masked


def test_mask_value_by_kind() -> None:
    assert mask_value("id_number", "11010519491231002X") == "1101**********002X"
    assert mask_value("phone", "13812345678") == "138****5678"
    assert mask_value("plate", "粤B12342") == "粤B****2"
    assert mask_value("digits6", "12345X") == "******"


def test_session_hash_is_stable_and_opaque() -> None:
    assert session_hash("abc") == session_hash("abc")
    assert "abc" not in session_hash("abc") and re.fullmatch(r"[0-9a-f]{12}", session_hash("abc"))
