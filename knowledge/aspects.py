"""Which part of a guide item a question asks about (fee, materials, …), from cue words kept in data/aspects.yaml."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import yaml

from knowledge.normalize import normalize, to_simplified
from knowledge.schema import ASPECTS

_CLAUSES = re.compile(r"[，,。；;？?！!]+|还有|另外|以及|顺便|\s+(?:and|also)\s+", re.IGNORECASE)
STRIPPABLE = frozenset({"fee", "materials", "time_limit", "validity", "hours", "location", "online", "progress"})
"""Aspects whose cue words say nothing about which item is meant; conditions and steps cues are ordinary verbs."""


def _cue(text: str) -> str | re.Pattern[str]:
    if text.startswith("re:"):
        return re.compile(text[3:])
    return normalize(text)


def split_clauses(question: str) -> list[str]:
    """The clauses of a question, split at punctuation and joining words (还有, 另外, and, …); blanks dropped."""
    return [c for c in _CLAUSES.split(question) if c and c.strip()]


class AspectDetector:
    def __init__(self, cues: dict[str, list[str]]) -> None:
        unknown = set(cues) - set(ASPECTS)
        if unknown:
            raise ValueError(f"aspects.yaml: unknown aspect(s) {sorted(unknown)}; allowed: {', '.join(ASPECTS)}")
        self._cues = [(aspect, [_cue(str(c)) for c in words]) for aspect, words in cues.items()]
        plain = {c for a, cs in self._cues if a in STRIPPABLE for c in cs if isinstance(c, str) and c}
        self._plain_longest_first = sorted(plain, key=len, reverse=True)

    @classmethod
    def from_file(cls, path: Path) -> AspectDetector:
        with path.open(encoding="utf-8") as fh:
            return cls(yaml.safe_load(fh) or {})

    def protect(self, phrases: set[str]) -> None:
        """Never strip a cue that is also an item's own name, alias or keyword (晚上 for the 24-hour area)."""
        self._plain_longest_first = [c for c in self._plain_longest_first if c not in phrases]

    def strip(self, question: str) -> str:
        """The normalised question without its aspect cues (护照多少钱 → 护照): what names the item, left to rank."""
        rest = normalize(question)
        for cue in self._plain_longest_first:
            rest = rest.replace(cue, "")
        return rest if len(rest) >= 2 else normalize(question)

    def detect_all(self, question: str) -> list[str]:
        """One aspect per clause, in the order asked: "多少钱，有效期多久" → fee, validity; "有效期多久" → validity."""
        found: list[str] = []
        for clause in split_clauses(question):
            aspect = self.detect(clause) if clause.strip() else None
            if aspect and aspect not in found:
                found.append(aspect)
        return found

    def detect(self, question: str) -> str | None:
        """The first aspect, in data-file order, with a cue in the question. Word cues are looked up in the
        normalised question; patterns in the lower-cased Simplified text, which keeps the spaces English needs."""
        compact = normalize(question)
        spaced = to_simplified(unicodedata.normalize("NFKC", question)).lower()
        for aspect, cues in self._cues:
            for cue in cues:
                if cue.search(spaced) if isinstance(cue, re.Pattern) else cue in compact:
                    return aspect
        return None
