"""What an export is asked for (`ExportOptions`) and what went into it (`ExportReport`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Mode = Literal["intents", "retrieval"]
DEFAULT_ACTION_URL = "http://127.0.0.1:5055/webhook"


@dataclass(frozen=True)
class ExportOptions:
    mode: Mode = "intents"
    epochs: int = 40
    """DIET (and ResponseSelector) epochs: a few minutes of training on 2 cores for ~5 000 examples."""
    fallback_threshold: float = 0.3
    ambiguity_threshold: float = 0.1
    use_aliases: bool = True
    use_item_names: bool = True
    action_url: str = DEFAULT_ACTION_URL
    transformer_layers: int = 0
    """0 = no transformer, DIET as a bag-of-features classifier (fast on 2 cores); Rasa's own default is 2."""


@dataclass
class ExportReport:
    directory: Path | None
    mode: Mode
    intents: int = 0
    item_intents: int = 0
    retrieval_responses: int = 0
    examples: int = 0
    dropped_ambiguous: int = 0
    """Example texts found under two different intents after normalisation: left out of both."""
    oos_intents: int = 0
    forms: list[str] = field(default_factory=list)
    slots: list[str] = field(default_factory=list)
    rules: int = 0
    files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["directory"] = str(self.directory) if self.directory else None
        return out
