"""Text normalisation shared by indexing and querying: one canonical form for what people type or say."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

from knowledge.identifiers import DIGIT_WORDS

_T2S = opencc.OpenCC("t2s")
_SPOKEN_DIGITS = str.maketrans(DIGIT_WORDS)
_DIGIT_RUN = re.compile("[" + "".join(DIGIT_WORDS) + "]{4,}")
_PUNCT = re.compile(r"[\s\u3000!-/:-@\[-`{-~，。！？、；：“”‘’（）《》【】…—·「」『』〈〉〔〕]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FILLERS = re.compile(r"^(?:嗯+|啊+|呃+|那个|就是|请问一下|请问|你好|您好|麻烦问一下|问一下|我想问一下|我想问)+")

MAX_QUERY_CHARS = 500


class InvalidQuery(ValueError):
    """The text cannot be a question: empty, junk, or too long."""


def to_simplified(text: str) -> str:
    return str(_T2S.convert(text))


def is_traditional(text: str) -> bool:
    return to_simplified(text) != text


def spoken_digits(text: str) -> str:
    """Runs of four or more spoken digits (幺三零一…) become Arabic digits; shorter runs are words (一下, 三个月)."""
    return _DIGIT_RUN.sub(lambda m: m.group(0).translate(_SPOKEN_DIGITS), text)


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """Simplified, half-width, lower-case, spoken digit runs as digits, no spaces or punctuation, no leading fillers."""
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text).lower()
    text = spoken_digits(text)
    text = _PUNCT.sub("", text)
    return _FILLERS.sub("", text) or text


def check_query(text: object) -> str:
    """Return the cleaned question or raise InvalidQuery with a message fit for the citizen or the caller."""
    if not isinstance(text, str):
        raise InvalidQuery("问题必须是文字")
    if "\x00" in text or _CONTROL.search(text):
        text = _CONTROL.sub("", text.replace("\x00", ""))
    stripped = text.strip()
    if not stripped:
        raise InvalidQuery("问题是空的，请说出或输入您要办理的事项")
    if len(stripped) > MAX_QUERY_CHARS:
        raise InvalidQuery(f"问题太长了（{len(stripped)}字），请用一两句话说明要办的事（不超过{MAX_QUERY_CHARS}字）")
    letters = sum(1 for ch in stripped if ch.isalnum())
    if letters == 0:
        raise InvalidQuery("没有看懂您的问题，请用文字说明要办理的事项")
    return stripped
