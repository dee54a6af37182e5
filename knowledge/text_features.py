"""Tokenisers for the lexical and pinyin rankers: jieba words, character bigrams, pinyin syllable bigrams."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import jieba
from pypinyin import Style, lazy_pinyin

jieba.setLogLevel(60)

STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 嘛 么 我 你 您 他 她 我们 要 想 请问 怎么 怎么办 怎样 如何 什么 哪里 哪儿 哪 在 是 有 没有 能 能不能 可以 可不可以 "
    "需要 去 办 办理 一下 一个 这个 那个 就 还 也 都 和 跟 给 让 被 把 吗 多少 多久 几 个 现在 已经 应该 得 该 会 不 没 "
    "这 那 里 上 下 时候 谁 为什么 咋 咋办 弄 搞 问 问问 请 帮 帮我 一 二 下来".split()
)


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
