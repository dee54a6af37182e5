"""Follow-ups on the item in focus ("那要多少钱？") and switches to another item ("不是这个，我问的是换领")."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.paths import package_data
from knowledge.aspects import AspectDetector
from knowledge.loader import default_data_dir
from knowledge.normalize import normalize


@dataclass(frozen=True)
class FollowUpCues:
    max_chars: int
    fillers: tuple[str, ...]
    aspect_cues: tuple[tuple[str, tuple[str, ...]], ...]
    detector: AspectDetector
    switch_cues: tuple[str, ...]
    about_other: tuple[re.Pattern[str], ...]
    vague_words: tuple[str, ...] = ()
    objects: tuple[tuple[str, str], ...] = ()
    also_words: tuple[str, ...] = ()
    joining_words: tuple[str, ...] = ()
    """(name, document) pairs, longest name first: which document a clause names."""
    en_aspects: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...] = ()
    en_stopwords: frozenset[str] = frozenset()

    @classmethod
    def load(cls, path: Path | None = None, aspects_path: Path | None = None) -> FollowUpCues:
        with (path or package_data() / "followup.yaml").open(encoding="utf-8") as fh:
            data: dict[str, Any] = yaml.safe_load(fh) or {}
        with (aspects_path or default_data_dir() / "aspects.yaml").open(encoding="utf-8") as fh:
            aspects: dict[str, list[str]] = yaml.safe_load(fh) or {}
        with (package_data() / "en_terms.yaml").open(encoding="utf-8") as fh:
            english: dict[str, Any] = yaml.safe_load(fh) or {}
        merged: dict[str, list[str]] = {k: [str(w) for w in v] for k, v in aspects.items()}
        for aspect, words in (data.get("extra_cues") or {}).items():
            merged.setdefault(aspect, []).extend(str(w) for w in words)
        return cls(
            max_chars=int(data.get("max_chars", 16)),
            fillers=_longest_first(data.get("fillers", [])),
            aspect_cues=tuple((a, _longest_first(w for w in ws if not w.startswith("re:")))
                              for a, ws in merged.items()),
            detector=AspectDetector(merged),
            switch_cues=_longest_first(data.get("switch_cues", [])),
            about_other=tuple(re.compile(p, re.IGNORECASE) for p in data.get("about_other", [])),
            vague_words=_longest_first(data.get("vague_words", [])),
            also_words=tuple(str(w).lower() for w in (data.get("two_needs") or {}).get("also", [])),
            joining_words=tuple(str(w).lower() for w in (data.get("two_needs") or {}).get("joined", [])),
            objects=tuple(sorted(((normalize(str(n)), str(doc)) for doc, names in (data.get("objects") or {}).items()
                                  for n in names), key=lambda pair: -len(pair[0]))),
            en_aspects=tuple((str(a), tuple(_en_phrase(str(c)) for c in cues))
                             for a, cues in (english.get("aspects") or {}).items()),
            en_stopwords=frozenset(str(w).lower() for w in english.get("stopwords", [])),
        )


def _en_phrase(p: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z])" + re.escape(p.lower()) + r"(?![a-z])")


def _longest_first(words: Iterable[Any]) -> tuple[str, ...]:
    normed = {normalize(str(w)) for w in words if str(w).strip()}
    return tuple(sorted((w for w in normed if w), key=len, reverse=True))


class FollowUps:
    def __init__(self, cues: FollowUpCues, vocabulary: Iterable[str],
                 names_subject: Callable[[str], bool] | None = None) -> None:
        self.cues = cues
        self._names_subject = names_subject or (lambda _text: False)
        self.vocabulary = {v for v in (normalize(w) for w in vocabulary if w.strip()) if len(v) >= 2}
        self._all_cues = _longest_first(c for _, words in cues.aspect_cues for c in words)

    def aspect(self, normalized: str) -> str | None:
        return self.cues.detector.detect(normalized)

    def residue(self, normalized: str) -> str:
        """What is left once aspect cues and fillers are taken out."""
        rest = normalized
        for cue in self._all_cues:
            rest = rest.replace(cue, "")
        for filler in self.cues.fillers:
            rest = rest.replace(filler, "")
        return rest

    def names_item(self, text: str) -> bool:
        """True when some item name, alias or keyword appears in the text."""
        n = len(text)
        return any(text[i:j] in self.vocabulary for i in range(n) for j in range(i + 2, min(n, i + 12) + 1))

    def aspect_followup(self, normalized: str) -> str | None:
        """The aspect asked, when the question is a follow-up on the item in focus; else None."""
        if not normalized or len(normalized) > self.cues.max_chars:
            return None
        aspect = self.aspect(normalized)
        if aspect is None:
            return None
        rest = self.residue(normalized)
        if len(rest) > 4 or self.names_item(rest):
            return None
        return aspect

    def english_aspect(self, text: str) -> str | None:
        """The aspect of a short English follow-up ('How much?', 'Where do I apply?'); None if it names a subject."""
        low = " " + text.lower().replace("’", "'") + " "
        found = next((a for a, cues in self.cues.en_aspects if any(c.search(low) for c in cues)), None)
        if found is None or self._names_subject(text):
            return None
        for _, cues in self.cues.en_aspects:
            for cue in cues:
                low = cue.sub(" ", low)
        content = [w for w in re.findall(r"[a-z']+", low) if len(w) > 2 and w not in self.cues.en_stopwords]
        return None if content else found

    def document(self, normalized: str) -> str | None:
        """The document a clause names first ("行驶证也丢了" → vehicle_licence), or None."""
        best: tuple[int, str] | None = None
        for name, doc in self.cues.objects:
            at = normalized.find(name)
            if at >= 0 and (best is None or at < best[0]):
                best = (at, doc)
                normalized = normalized.replace(name, "#" * len(name))
        return best[1] if best else None

    def also(self, clause: str) -> bool:
        """The clause adds a need of its own ("行驶证也丢了")."""
        low = clause.lower()
        return any(w in low for w in self.cues.also_words)

    def joined(self, question: str) -> bool:
        """The question joins a second need on ("…，还有护照…")."""
        low = question.lower()
        return any(w in low for w in self.cues.joining_words)

    def vague(self, normalized: str) -> bool:
        """Nothing but generic words and fillers ("我要办个证", "那个东西怎么弄"): no service is named."""
        rest = normalized
        for word in (*self.cues.vague_words, *self.cues.fillers):
            rest = rest.replace(word, "")
        return bool(normalized) and not rest

    def switch(self, normalized: str) -> str | None:
        """The rest of '不是这个，我问的是X' (X), '' when only '不是这个' was said, None when no switch."""
        for cue in self.cues.switch_cues:
            if cue in normalized:
                rest = normalized.replace(cue, "", 1)
                for filler in ("我问的是", "我说的是", "是", "而是", "我要", "我想", "问"):
                    rest = rest.removeprefix(filler)
                return rest
        return None

    def about_other(self, text: str) -> str | None:
        """'那护照呢？' → '护照' (ask the aspect in focus about another item)."""
        stripped = re.sub(r"[\s？?。！!，,]+$", "", text.strip())
        for pattern in self.cues.about_other:
            m = pattern.match(stripped)
            if m and m.group(1).strip():
                subject = normalize(m.group(1))
                if subject and self.names_item(subject):
                    return subject
        return None
