"""Tokenisers for the lexical and pinyin rankers: jieba words, character bigrams, pinyin syllable bigrams."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import jieba
from pypinyin import Style, lazy_pinyin

jieba.setLogLevel(60)

def _load_stopwords() -> frozenset[str]:
    text = (resources.files("knowledge") / "data" / "stopwords.txt").read_text(encoding="utf-8")
    return frozenset(w for line in text.splitlines() if (w := line.strip()) and not w.startswith("#"))


STOPWORDS = _load_stopwords()


def add_vocabulary(words: Iterable[str]) -> None:
    """Teach jieba the domain's multi-character terms so they are not split (e.g. 临时身份证, 交管12123)."""
    for word in words:
        if 2 <= len(word) <= 12:
            jieba.add_word(word, freq=20000)


def char_bigrams(text: str) -> list[str]:
    if len(text) < 2:
        return [text] if text else []
    return [text[i : i + 2] for i in range(len(text) - 1)]


def words(text: str) -> list[str]:
    return [w for w in jieba.lcut_for_search(text) if w.strip() and w not in STOPWORDS]


def lexical_tokens(text: str) -> list[str]:
    """Words plus character bigrams: words carry meaning, bigrams survive segmentation and typing errors."""
    return words(text) + ["§" + b for b in char_bigrams(text)]


@lru_cache(maxsize=8192)
def _syllables(text: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(text, style=Style.NORMAL, errors="ignore"))


def pinyin_tokens(text: str) -> list[str]:
    """Toneless syllable bigrams, so homophones from speech recognition (身分证, 签住, 驾找) still meet their item."""
    syl = [s for s in _syllables(text) if s.isalpha()]
    return [syl[i] + "_" + syl[i + 1] for i in range(len(syl) - 1)] + syl
