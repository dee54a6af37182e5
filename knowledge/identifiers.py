"""ID numbers, licence plates and the digits people say for them: one rule for the dialogue's validators and for
the voice parser.

Resident ID numbers follow GB 11643-1999: 17 digits (region, birth date, sequence) and an ISO 7064 MOD 11-2 check
character. Plates follow GA 36-2018: a province abbreviation, the issuing office's letter and five characters, or
six on new-energy plates (small: D or F, a letter or digit, four digits; large: five digits, then D or F).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

DIGIT_WORDS: dict[str, str] = {
    "零": "0", "〇": "0", "洞": "0", "幺": "1", "一": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5",
    "六": "6", "七": "7", "八": "8", "九": "9",
}
"""Digit words as people read numbers out (幺 for 1, 两 for 2, 洞 for 0)."""
X_WORDS = ("艾克斯", "埃克斯", "叉")
"""How the X check character of an ID number is said."""

ID_LENGTH = 18
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
    "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83", "91",
})
"""First two digits of an ID number: the province-level codes of GB/T 2260, and 81-83 of the residence permits."""

PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_SUFFIXES = "学警港澳挂领试超使"
"""Characters that may end an ordinary plate (coach, police, Hong Kong and Macau, trailer, consular, test cars)."""
_PLATE_CHAR = "[A-HJ-NP-Z0-9]"
_NEW_ENERGY = re.compile(rf"[DF]{_PLATE_CHAR}[0-9]{{4}}|[0-9]{{5}}[DF]")
_SERIAL = re.compile(rf"{_PLATE_CHAR}{{4}}(?:{_PLATE_CHAR}|[{PLATE_SUFFIXES}])")

MOBILE_PREFIXES = frozenset("3456789")
"""The second digit of a mainland mobile number (13x to 19x)."""

_DIGIT_TABLE = str.maketrans(DIGIT_WORDS)
_SAID_X = re.compile(r"(?<=[0-9])\s*(?:" + "|".join(X_WORDS) + ")")
_SEPARATED = re.compile(r"(?<=[0-9Xx])[\s\-–—_.·,，、]+(?=[0-9Xx])")


def spoken_to_digits(text: str) -> str:
    """Every digit word becomes a digit and separators inside a number go: '幺三八 1234-5678' → '13812345678'."""
    text = unicodedata.normalize("NFKC", text).translate(_DIGIT_TABLE)
    text = _SAID_X.sub("X", text)
    return _SEPARATED.sub("", text)


def id_check_digit(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def id_birth_date(value: str) -> dt.date | None:
    """Characters 7-14 as a date; None when they are not one."""
    try:
        return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def id_problem(value: str, today: dt.date | None = None) -> str | None:
    """The first rule an upper-case ID number breaks, None when it is valid: 'length', 'digits' (only the last
    character may be X), 'province', 'birth_date' (not a date), 'birth_range' (before 1900 or in the future) or
    'check_digit'."""
    if len(value) != ID_LENGTH:
        return "length"
    if not (value[:17].isascii() and value[:17].isdigit()):
        return "digits"
    if value[:2] not in ID_PROVINCES:
        return "province"
    born = id_birth_date(value)
    if born is None:
        return "birth_date"
    if born.year < 1900 or born > (today or dt.date.today()):
        return "birth_range"
    if id_check_digit(value[:17]) != value[17]:
        return "check_digit"
    return None


def is_valid_id(value: str, today: dt.date | None = None) -> bool:
    """18 characters, a known province, a real birth date not in the future, and the right check character."""
    return id_problem(value, today) is None


def plate_problem(plate: str) -> str | None:
    """The first rule an upper-case plate breaks, None when it is well formed: 'province', 'letter' (A-Z without I
    and O), 'length' (7, or 8 on new-energy plates), 'io' (I or O in the serial), 'new_energy' or 'serial'."""
    if not plate or plate[0] not in PLATE_PROVINCES:
        return "province"
    letter = plate[1:2]
    if not ("A" <= letter <= "Z") or letter in "IO":
        return "letter"
    if len(plate) not in (7, 8):
        return "length"
    serial = plate[2:]
    if "I" in serial or "O" in serial:
        return "io"
    if len(plate) == 8:
        return None if _NEW_ENERGY.fullmatch(serial) else "new_energy"
    return None if _SERIAL.fullmatch(serial) else "serial"


def is_valid_plate(plate: str) -> bool:
    return plate_problem(plate) is None
