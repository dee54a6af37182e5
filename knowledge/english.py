"""English questions: find the Chinese terms the guide items use, so foreigners' questions rank like Chinese ones."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

_LATIN = re.compile(r"[A-Za-z]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def is_english(text: str) -> bool:
    """Mostly Latin letters and no more than a few Chinese characters."""
    latin = len(_LATIN.findall(text))
    return latin >= 3 and latin > 3 * len(_HAN.findall(text))


class EnglishTerms:
    def __init__(self, table: dict[str, str]) -> None:
        self._table = sorted(((k.lower(), str(v)) for k, v in table.items()), key=lambda kv: len(kv[0]), reverse=True)

    @classmethod
    def from_file(cls, path: Path) -> EnglishTerms:
        if not path.exists():
            return cls({})
        with path.open(encoding="utf-8") as fh:
            return cls(yaml.safe_load(fh) or {})

    def expand(self, text: str) -> str:
        """The question with the Chinese terms of every English phrase it contains appended."""
        lowered = " " + re.sub(r"[^a-z0-9' -]+", " ", text.lower()) + " "
        found: list[str] = []
        for phrase, terms in self._table:
            if f" {phrase} " in lowered or f" {phrase}s " in lowered:
                found.append(terms)
                lowered = lowered.replace(phrase, " ")
        return text if not found else text + " " + " ".join(found)
