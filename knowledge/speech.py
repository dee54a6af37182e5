"""Turn screen text into text meant to be read aloud: numbers as words, hotline digits one by one."""

from __future__ import annotations

import re

import cn2an

_LONG_DIGITS = re.compile(r"\d{5,}")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SPOKEN = str.maketrans("0123456789", "零幺二三四五六七八九")
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")
_SENTENCE_END = re.compile(r"(?<=[。！？；])")


def read_digits(digits: str) -> str:
    """Phone numbers and app names are read digit by digit, 1 as 幺 (交管12123 → 交管幺二幺二三)."""
    return digits.translate(_SPOKEN)


def _number(match: re.Match[str]) -> str:
    try:
        return str(cn2an.an2cn(match.group(0)))
    except (ValueError, KeyError):
        return match.group(0)


def for_speech(text: str, max_sentences: int = 2) -> str:
    """At most `max_sentences` sentences, brackets dropped, numbers written as they are spoken."""
    text = _BRACKETS.sub("", text).replace("\n", "。").replace("•", "").replace("- ", "")
    sentences = [s.strip(" 。；") for s in _SENTENCE_END.split(text) if s.strip(" 。；")]
    text = "。".join(sentences[:max_sentences])
    if text:
        text += "。"
    text = _LONG_DIGITS.sub(lambda m: read_digits(m.group(0)), text)
    text = text.replace("-", "到").replace("~", "到").replace("%", "").replace("〔", "").replace("〕", "")
    return _NUMBER.sub(_number, text)
