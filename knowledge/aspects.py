"""Which part of a guide item a question asks about (fee, materials, …), from cue words kept in data/aspects.yaml."""

from __future__ import annotations

from pathlib import Path

import yaml

from knowledge.normalize import normalize
from knowledge.schema import ASPECTS


class AspectDetector:
    def __init__(self, cues: dict[str, list[str]]) -> None:
        unknown = set(cues) - set(ASPECTS)
        if unknown:
            raise ValueError(f"aspects.yaml: unknown aspect(s) {sorted(unknown)}; allowed: {', '.join(ASPECTS)}")
        self._cues = [(aspect, [normalize(str(c)) for c in words])
                      for aspect, words in cues.items()]

    @classmethod
    def from_file(cls, path: Path) -> AspectDetector:
        with path.open(encoding="utf-8") as fh:
            return cls(yaml.safe_load(fh) or {})

    def detect(self, normalized_question: str) -> str | None:
        """The first aspect, in data-file order, with a cue in the question."""
        for aspect, cues in self._cues:
            if any(cue and cue in normalized_question for cue in cues):
                return aspect
        return None
