from __future__ import annotations

import pytest

from knowledge.normalize import MAX_QUERY_CHARS, InvalidQuery, check_query, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("戶籍證明怎麼開", "户籍证明怎么开"),
        ("ＡＢＣ １２３ 驾照过期了？？", "abc123驾照过期了"),
        ("嗯 那个 身份证丢了", "身份证丢了"),
        ("号码是幺三零一零五", "号码是130105"),
        ("一下子三个月", "一下子三个月"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize("bad", ["", "   ", "？？！！", "\x00\x01\x02", "x" * (MAX_QUERY_CHARS + 1), 42])
def test_check_query_rejects_junk(bad: object) -> None:
    with pytest.raises(InvalidQuery):
        check_query(bad)


def test_check_query_strips_control_characters() -> None:
    assert check_query("身份证\x07丢了") == "身份证丢了"
