"""Which language a turn is in and rendering into it: zh-Hans (default), zh-Hant (OpenCC), en."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

import opencc

from knowledge.normalize import to_simplified

LANGS = ("zh-Hans", "zh-Hant", "en")
DEFAULT = "zh-Hans"
_S2T = opencc.OpenCC("s2t")
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*")
_ALIASES = {
    "zh": "zh-Hans", "zh-cn": "zh-Hans", "zh-hans": "zh-Hans", "zh-sg": "zh-Hans", "cn": "zh-Hans",
    "zh-tw": "zh-Hant", "zh-hk": "zh-Hant", "zh-mo": "zh-Hant", "zh-hant": "zh-Hant", "tw": "zh-Hant",
    "en": "en", "en-us": "en", "en-gb": "en", "english": "en",
}


def canonical(lang: str | None) -> str | None:
    """'zh-TW' → 'zh-Hant', 'en-US' → 'en'; None or unknown → None."""
    if not lang:
        return None
    return _ALIASES.get(lang.strip().lower().replace("_", "-"))


@lru_cache(maxsize=4096)
def to_traditional(text: str) -> str:
    return str(_S2T.convert(text))


def detect(text: str) -> str | None:
    """The language the text shows, or None when it shows none (digits, 'OK', script-neutral Chinese)."""
    cjk = _CJK.findall(text)
    if not cjk:
        words = [t for t in re.split(r"[\s,.;:!?()\"]+", text) if _WORD.fullmatch(t)]
        letters = sum(len(w) for w in words)
        return "en" if len(words) >= 2 or letters >= 4 else None
    han = "".join(cjk)
    if to_simplified(han) != han:
        return "zh-Hant"
    if to_traditional(han) != han:
        return "zh-Hans"
    return None


def render(text: str, lang: str) -> str:
    """Text written in Simplified Chinese, shown in the session's script (English text passes through)."""
    return to_traditional(text) if lang == "zh-Hant" else text


def pick(texts: Mapping[str, str], lang: str) -> str:
    """One variant of a localised text: the exact language, zh-Hant made from zh-Hans, else zh-Hans."""
    if lang in texts:
        return texts[lang]
    base = texts.get("zh-Hans") or next(iter(texts.values()), "")
    return to_traditional(base) if lang == "zh-Hant" else base
