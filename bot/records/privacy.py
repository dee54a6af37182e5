"""Mask personal data (ID numbers, mobile numbers, plates, street addresses) before any text is logged, stored or
exported."""

from __future__ import annotations

import hashlib
import re

from knowledge.identifiers import DIGIT_WORDS, PLATE_PROVINCES, PLATE_SUFFIXES

_NUMERAL = "0-9０-９" + "".join(DIGIT_WORDS)
_RUN = re.compile(rf"[{_NUMERAL}](?:[{_NUMERAL}Xx叉 \-]|(?<=[{_NUMERAL}])\s){{9,}}[{_NUMERAL}Xx叉]?")
_TO_DIGIT = str.maketrans({**{chr(0xFF10 + d): str(d) for d in range(10)}, **DIGIT_WORDS, "叉": "X", "x": "X"})
_PLATE = re.compile(rf"([{PLATE_PROVINCES}])\s?([A-HJ-NP-Za-hj-np-z])[\s·•]?([A-HJ-NP-Za-hj-np-z0-9]{{4,5}})"
                    rf"([A-HJ-NP-Za-hj-np-z0-9{PLATE_SUFFIXES}])(?![A-Za-z0-9])")


# A street address: a street, road, lane, village or estate, then a house number (号, 弄, 栋, 单元, 室 …). The
# province, city and district before it stay readable; the street and number are masked.
_HAN = "\u4e00-\u9fff"
_NUM = "0-9０-９一二三四五六七八九十百千零〇两"
_STREET_WORDS = "大道|大街|胡同|小区|社区|花园|新村|公寓|大厦|路|街|道|巷|弄|里|村|苑|园|镇|乡"
_UNIT = "号|號|弄|栋|棟|幢|座|单元|單元|室|楼|樓|层|層"
_ADDRESS = re.compile(
    rf"[{_HAN}A-Za-z0-9]{{0,30}}?(?:{_STREET_WORDS})[{_HAN}A-Za-z]{{0,6}}?"
    rf"[{_NUM}]+(?:[-－—][{_NUM}]+)?(?:号|號|弄|栋|棟|幢|座|单元|單元|室)"
    rf"(?:[{_NUM}A-Za-z\-－]*(?:{_UNIT}))*[0-9０-９]*")
_DIVISION = re.compile(r"^.*(?:省|自治区|特别行政区|市|州|盟|地区|区|區|县|縣|旗)(?=.)")
_EN_ADDRESS = re.compile(r"\b\d{1,5}[A-Za-z]?\s+(?:[A-Za-z]+\s+){1,4}"
                         r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Boulevard|Blvd|Drive|Dr|Way|Court|Ct)\b\.?",
                         re.IGNORECASE)


def mask_address(text: str) -> str:
    """北京市东城区测试路1号 → 北京市东城区****: every street address in `text`, divisions kept."""
    def street(match: re.Match[str]) -> str:
        found = match.group(0)
        street_at = re.search(_STREET_WORDS, found)
        head = found[:street_at.start()] if street_at else ""
        divisions = _DIVISION.match(head)
        return (divisions.group(0) if divisions else "") + "****"

    return _EN_ADDRESS.sub("****", _ADDRESS.sub(street, text))


def _digits(run: str) -> str:
    return re.sub(r"[\s\-]", "", run).translate(_TO_DIGIT)


def mask_id_number(value: str) -> str:
    """1101**********002X: the region's first four and the last four stay readable."""
    v = _digits(value).upper()
    if len(v) < 9:
        return "*" * len(v)
    return v[:4] + "*" * (len(v) - 8) + v[-4:]


def mask_mobile(value: str) -> str:
    v = _digits(value)
    if len(v) < 8:
        return "*" * len(v)
    return v[:3] + "*" * (len(v) - 7) + v[-4:]


def mask_plate(value: str) -> str:
    v = value.replace(" ", "").replace("·", "").upper()
    if len(v) < 4:
        return "*" * len(v)
    return v[:2] + "*" * (len(v) - 3) + v[-1]


def mask_tail(value: str) -> str:
    return "*" * len(value)


def _mask_number(run: str, split: bool = True) -> str:
    digits = _digits(run).upper()
    if not re.fullmatch(r"\d+X?", digits) or len(digits) < 11:
        return run
    if len(digits) in (15, 18):
        return mask_id_number(digits)
    if len(digits) == 11 and digits.startswith("1"):
        return mask_mobile(digits)
    parts = re.split(r"(\s+)", run)
    if split and len(parts) > 1:
        masked = "".join(_mask_number(p, split=False) for p in parts)
        if masked != run:
            return masked
    return digits[:2] + "*" * (len(digits) - 4) + digits[-2:]


def _mask_run(match: re.Match[str]) -> str:
    return _mask_number(match.group(0))


def mask_pii(text: str) -> str:
    """Mask ID numbers (1101**********002X), mobiles (138****5678), plates (粤B****2), any other long number and
    street addresses (北京市东城区****)."""
    if not text:
        return text
    masked = _RUN.sub(_mask_run, text)
    return mask_address(_PLATE.sub(lambda m: mask_plate(m.group(0)), masked))


def mask_value(kind: str, value: str) -> str:
    """Mask one slot value of a known kind (id_number, phone, plate, digits6, address)."""
    if kind == "id_number":
        return mask_id_number(value)
    if kind == "phone":
        return mask_mobile(value)
    if kind == "plate":
        return mask_plate(value)
    if kind == "digits6":
        return mask_tail(value)
    if kind == "address":
        masked = mask_address(value)
        return masked if masked != value else mask_tail(value)
    return mask_pii(value)


def session_hash(session_id: str) -> str:
    """A stable pseudonym for a session in logs, not reversible to the id a client holds."""
    return hashlib.sha256(("daoban:" + session_id).encode()).hexdigest()[:12]
