"""The knowledge base's vocabulary as recognition hints: a Simplified prompt for Whisper, phrase lists for vosk, and
a sound-alike correction that puts service words back (牵住 → 签注, 林时生愤正 → 临时身份证)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import yaml
from pypinyin import lazy_pinyin

from voice.numbers import to_simplified

PROMPT_LEAD = "以下是公安便民服务大厅的普通话咨询："
# Words every police service hall hears, first in the prompt whatever the local base holds.
CORE_TERMS = ("身份证", "户口本", "居住证", "港澳通行证", "签注", "护照", "驾驶证", "驾照", "行驶证", "违章", "年检",
              "临时身份证明", "无犯罪记录证明", "补办", "挂失", "户籍证明", "落户", "车管所", "派出所")
_CJK = re.compile(r"^[\u4e00-\u9fff]+$")


def default_items_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "knowledge" / "data" / "items"


def load_vocabulary(items_dir: Path | None = None) -> list[str]:
    """Item names, aliases and keywords from the guide-item YAML files (the words KnowledgeEngine.vocabulary gives,
    without loading the search index), the words shared by most items first."""
    counts: Counter[str] = Counter()
    folder = items_dir or default_items_dir()
    for path in sorted(folder.glob("*.yaml")):
        with path.open(encoding="utf-8") as f:
            data = yaml.safe_load(f) or []
        for item in data if isinstance(data, list) else []:
            if isinstance(item, dict):
                words = {item.get("name"), *(item.get("aliases") or []), *(item.get("keywords") or [])}
                counts.update(w for w in words if isinstance(w, str) and w)
    return [w for w, _ in counts.most_common()]


def prompt_terms(vocabulary: Iterable[str], max_chars: int = 110) -> list[str]:
    """Core terms, then the vocabulary's short Chinese words in the order given, within a character budget."""
    terms: list[str] = list(CORE_TERMS)
    used = len(PROMPT_LEAD) + sum(len(t) + 1 for t in terms)
    for w in (to_simplified(v) for v in vocabulary):
        if not (_CJK.match(w) and 2 <= len(w) <= 5) or any(w in t for t in terms):
            continue
        if used + len(w) + 1 > max_chars:
            break
        terms.append(w)
        used += len(w) + 1
    return terms


def build_prompt(vocabulary: Iterable[str], max_chars: int = 110) -> str:
    return PROMPT_LEAD + "、".join(prompt_terms(vocabulary, max_chars)) + "。"


# Two-character service words whose sound no everyday word shares (补办 is left out: it sounds like 不办).
SAFE_SHORT_TERMS = ("护照", "签注", "驾照", "违章", "年检", "挂失", "落户", "户口", "户籍", "备案", "罚款", "销户")


class SoundAlike:
    """Replace a stretch of recognised text by a vocabulary word that sounds exactly the same (toneless pinyin).

    Only words of `min_len` or more characters are used, plus SAFE_SHORT_TERMS: two-character words collide with
    everyday words too often (时间/事件); three characters and up almost never do.
    """

    def __init__(self, vocabulary: Iterable[str], min_len: int = 3, max_len: int = 8) -> None:
        self.by_sound: dict[tuple[str, ...], str] = {}
        for w in (*SAFE_SHORT_TERMS, *(to_simplified(v) for v in vocabulary)):
            if _CJK.match(w) and (min_len <= len(w) <= max_len or w in SAFE_SHORT_TERMS):
                self.by_sound.setdefault(tuple(lazy_pinyin(w)), w)
        self.lengths = sorted({len(k) for k in self.by_sound}, reverse=True)

    def correct(self, text: str) -> str:
        if not self.by_sound:
            return text
        sounds: list[str] = lazy_pinyin(text, errors=lambda run: list(run))  # type: ignore[arg-type, return-value]
        if len(sounds) != len(text):
            return text
        out = list(text)
        i = 0
        while i < len(text):
            for n in self.lengths:
                word = self.by_sound.get(tuple(sounds[i:i + n])) if i + n <= len(text) else None
                if word is not None and _CJK.match(text[i:i + n]):
                    out[i:i + n] = list(word)
                    i += n
                    break
            else:
                i += 1
        return "".join(out)
