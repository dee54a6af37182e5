"""Numbers as people type or say them: 幺三八, 两, 洞, full-width digits, 叉 for X, spaces between groups."""

from __future__ import annotations

import re
import unicodedata

import cn2an

_DIGIT_WORDS = str.maketrans("零〇洞幺一二两三四五六七八九", "00011223456789")
_X_WORDS = re.compile(r"(?<=[0-9])\s*(?:叉|艾克斯|埃克斯)")
_SEPARATED = re.compile(r"(?<=[0-9Xx])[\s\-–—_.·,，、]+(?=[0-9Xx])")


def spoken_to_digits(text: str) -> str:
    """Every digit word becomes a digit and separators inside a number go: '幺三八 1234-5678' → '13812345678'."""
    text = unicodedata.normalize("NFKC", text).translate(_DIGIT_WORDS)
    text = _X_WORDS.sub("X", text)
    return _SEPARATED.sub("", text)


def chinese_numbers(text: str) -> str:
    """Spoken numbers inside words: 第二条 → 第2条, 三月七日 → 3月7日 (cn2an), leaving other text alone."""
    try:
        return str(cn2an.transform(unicodedata.normalize("NFKC", text), "cn2an"))
    except (ValueError, KeyError, IndexError):
        return unicodedata.normalize("NFKC", text)
