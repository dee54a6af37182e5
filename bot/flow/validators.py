"""Slot validators: each returns the clean value or a precise error in Chinese and English, never raises."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import cn2an
import yaml

from bot.paths import package_data
from knowledge.identifiers import (
    MOBILE_PREFIXES,
    PLATE_PROVINCES,
    PLATE_SUFFIXES,
    id_problem,
    plate_problem,
    spoken_to_digits,
)
from knowledge.normalize import to_simplified


@dataclass(frozen=True)
class Validation:
    ok: bool
    value: str | None = None
    error: str | None = None
    error_en: str | None = None
    found: bool = True
    """False when the text holds nothing that looks like this kind of value (so it may be a question instead)."""
    note: str | None = None
    note_en: str | None = None

    def message(self, lang: str) -> str | None:
        return self.error_en if lang == "en" else self.error

    def remark(self, lang: str) -> str | None:
        return self.note_en if lang == "en" else self.note


def _ok(value: str, note: str | None = None, note_en: str | None = None) -> Validation:
    return Validation(True, value, note=note, note_en=note_en)


def _problem(kind: str, problem: str, **values: object) -> Validation:
    """The citizen's message for a problem with a value, from data/validation.yaml."""
    texts = _messages()[kind][problem]
    return _bad(texts["zh-Hans"].format(**values), texts["en"].format(**values))


@lru_cache(maxsize=1)
def _messages() -> dict[str, dict[str, dict[str, str]]]:
    with (package_data() / "validation.yaml").open(encoding="utf-8") as fh:
        data: dict[str, dict[str, dict[str, str]]] = yaml.safe_load(fh)
    return data


def _bad(zh: str, en: str) -> Validation:
    return Validation(False, error=zh, error_en=en)


NOT_FOUND = Validation(False, found=False)


def _longest(pattern: str, text: str) -> str | None:
    runs = re.findall(pattern, text)
    return max(runs, key=len) if runs else None


def validate_id_number(text: str, today: dt.date | None = None) -> Validation:
    """GB 11643-1999: 18 characters, a real region and birth date, the ISO 7064 MOD 11-2 check digit (0-9 or X)."""
    run = _longest(r"[0-9Xx]+", spoken_to_digits(text))
    if run is None or sum(c.isdigit() for c in run) < 4:
        return NOT_FOUND
    value = run.upper()
    if len(value) == 15 and value.isdigit():
        return _problem("id_number", "old_15")
    problem = id_problem(value, today)
    if problem:
        return _problem("id_number", problem, n=len(value), code=value[:2], birth=value[6:14])
    return _ok(value)


def validate_mobile(text: str) -> Validation:
    digits = spoken_to_digits(text)
    digits = re.sub(r"^(?:\+?86|0086)(?=1\d{10}\b)", "", digits.strip())
    run = _longest(r"\d+", digits)
    if run is None or len(run) < 5:
        return NOT_FOUND
    if run.startswith("86") and len(run) == 13:
        run = run[2:]
    if len(run) != 11:
        return _bad(f"手机号码应为11位，您输入了{len(run)}位，请重新输入。",
                    f"A mobile number has 11 digits; you entered {len(run)}.")
    if run[0] != "1" or run[1] not in MOBILE_PREFIXES:
        return _bad("手机号码应以13到19开头，请核对。", "A mainland mobile number starts with 13-19.")
    return _ok(run)


def validate_plate(text: str) -> Validation:
    """Province abbreviation + issuing letter + 5 characters (7 in all), or 6 for new-energy plates (8 in all)."""
    cleaned = spoken_to_digits(to_simplified(text)).upper()
    cleaned = re.sub(r"[\s·•\-.]", "", cleaned)
    match = re.search(rf"[{PLATE_PROVINCES}][A-Z0-9{PLATE_SUFFIXES}]+", cleaned)
    if match is None:
        run = _longest(r"[A-Z0-9]{5,}", cleaned)
        if run is None:
            return NOT_FOUND
        return _problem("plate", "province")
    plate = match.group(0)
    problem = plate_problem(plate)
    if problem:
        return _problem("plate", problem, n=len(plate))
    return _ok(plate)


def validate_digits6(text: str) -> Validation:
    """The last six characters of a document number (vehicle licence, VIN, engine number)."""
    cleaned = spoken_to_digits(text).upper()
    run = _longest(r"[A-Z0-9]+", re.sub(r"[\s\-]", "", cleaned))
    if run is None or not re.search(r"\d", run):
        return NOT_FOUND
    if len(run) < 6:
        return _bad(f"需要输入后6位，您输入了{len(run)}位，请补全。",
                    f"Six characters are needed; you entered {len(run)}.")
    if len(run) > 6:
        return _ok(run[-6:], note=f"您输入了{len(run)}位，已取最后6位“{run[-6:]}”。",
                   note_en=f"You entered {len(run)} characters; the last six ({run[-6:]}) are used.")
    return _ok(run)


def chinese_numbers(text: str) -> str:
    """Spoken numbers inside words: 第二条 → 第2条, 三月七日 → 3月7日 (cn2an), leaving other text alone."""
    try:
        return str(cn2an.transform(unicodedata.normalize("NFKC", text), "cn2an"))
    except (ValueError, KeyError, IndexError):
        return unicodedata.normalize("NFKC", text)


_RELATIVE = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "today": 0, "tomorrow": 1}
_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_COMPACT = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")
_MD = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})")


def validate_date(text: str, today: dt.date | None = None) -> Validation:
    """2026-03-07, 2026/3/7, 20260307, 2026年3月7日, 三月七号, 明天; a month and day alone means this year."""
    today = today or dt.date.today()
    low = to_simplified(text).strip().lower()
    for word, days in _RELATIVE.items():
        if word in low:
            return _ok((today + dt.timedelta(days=days)).isoformat())
    converted = chinese_numbers(low)
    parts: tuple[int, int, int] | None = None
    if (m := _YMD.search(converted)) or (m := _COMPACT.search(converted)):
        parts = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _MD.search(converted):
        parts = today.year, int(m.group(1)), int(m.group(2))
    if parts is None:
        return NOT_FOUND
    try:
        return _ok(dt.date(*parts).isoformat())
    except ValueError:
        y, mo, d = parts
        return _bad(f"{y}年{mo}月{d}日不是有效的日期，请核对。", f"{y}-{mo:02d}-{d:02d} is not a valid date.")


def validate_text(text: str) -> Validation:
    value = text.strip()
    return _ok(value) if value else NOT_FOUND


VALIDATORS: dict[str, Callable[[str], Validation]] = {
    "id_number": validate_id_number,
    "phone": validate_mobile,
    "plate": validate_plate,
    "digits6": validate_digits6,
    "date": validate_date,
    "text": validate_text,
}
SENSITIVE = frozenset({"id_number", "phone", "plate", "digits6"})


def validate(kind: str, text: str) -> Validation:
    return VALIDATORS[kind](text)
