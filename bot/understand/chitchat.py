"""Small talk that is no question: insults, new "instructions" for the assistant, spam, remarks about the hall.

The cue words live in bot/data/understand/chitchat.yaml; each category has a calm reply per language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.paths import package_data
from bot.understand.lang import to_traditional
from knowledge.normalize import normalize

LANGS = ("zh-Hans", "zh-Hant", "en")


@dataclass(frozen=True)
class _Category:
    name: str
    cues: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    reply: dict[str, str]
    speech: dict[str, str]


class SmallTalk:
    def __init__(self, data: dict[str, Any], source: str = "chitchat.yaml") -> None:
        categories = data.get("categories")
        if not isinstance(categories, dict) or not categories:
            raise ValueError(f"{source}: 'categories' must be a non-empty mapping")
        self._categories: list[_Category] = []
        for name, spec in categories.items():
            reply = dict(spec.get("reply") or {})
            for lang in ("zh-Hans", "en"):
                if not reply.get(lang):
                    raise ValueError(f"{source}: categories.{name}.reply.{lang} is missing")
            try:
                patterns = tuple(re.compile(str(p)) for p in spec.get("patterns") or [])
            except re.error as exc:
                raise ValueError(f"{source}: categories.{name}.patterns: {exc}") from exc
            cues = tuple(c for c in (normalize(str(w)) for w in spec.get("cues") or []) if c)
            self._categories.append(_Category(str(name), cues, patterns, reply, dict(spec.get("speech") or {})))

    @classmethod
    def load(cls, path: Path | None = None) -> SmallTalk:
        path = path or package_data() / "understand" / "chitchat.yaml"
        try:
            with path.open(encoding="utf-8") as fh:
                data = yaml.safe_load(fh) or {}
        except yaml.YAMLError as exc:
            raise ValueError(f"{path}: not valid YAML ({exc})") from exc
        return cls(data, str(path))

    def match(self, text: str) -> str | None:
        """The category of small talk the text is, or None."""
        t = normalize(text)
        for category in self._categories:
            if any(c in t for c in category.cues) or any(p.search(t) for p in category.patterns):
                return category.name
        return None

    def reply(self, category: str, lang: str) -> tuple[str, str]:
        """(screen text, speech) in the language; zh-Hant is made from zh-Hans when not written."""
        found = next(c for c in self._categories if c.name == category)
        screen = _pick(found.reply, lang)
        return screen, _pick(found.speech, lang) if found.speech else screen


def _pick(texts: dict[str, str], lang: str) -> str:
    if lang in texts:
        return texts[lang]
    if lang == "zh-Hant":
        return to_traditional(texts["zh-Hans"])
    return texts.get(lang) or texts["zh-Hans"]
