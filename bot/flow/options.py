"""Which option an answer picks (a choice step here, a form's choice slot in the Rasa action server), and which
numbered entries an answer names at a pick step."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from bot.flow.schema import Flow, Option
from bot.flow.validators import chinese_numbers
from knowledge.normalize import normalize

_ORDINAL = re.compile(r"^(?:第|选|选择|number|no\.?|#)?\s*(\d{1,2})\s*(?:个|项|条|号|种)?$")


def _said(text: str) -> str:
    return normalize(text) if text.strip() else ""


def choose(text: str, choices: Sequence[Iterable[str]]) -> int | None:
    """The index of the choice an answer picks: its number (2, 第二个), one of its words said whole, or else the one
    choice whose longest word the sentence contains (None when two choices tie)."""
    said = _said(text)
    if not said:
        return None
    ordinal = _ORDINAL.match(chinese_numbers(said))
    if ordinal and 1 <= int(ordinal.group(1)) <= len(choices):
        return int(ordinal.group(1)) - 1
    best: tuple[int, int] | None = None
    tie = False
    for index, choice in enumerate(choices):
        words = [_said(w) for w in choice]
        if said in words:
            return index
        hits = [len(w) for w in words if w and w in said]
        if hits:
            score = max(hits)
            if best is None or score > best[0]:
                best, tie = (score, index), False
            elif score == best[0] and index != best[1]:
                tie = True
    return None if best is None or tie else best[1]


def option_words(option: Option) -> tuple[str, ...]:
    """Every way of naming an option: its titles in each language, its synonyms, its value."""
    return (*option.title.all(), *option.synonyms, option.value)


def match_option(options: Sequence[Option], text: str) -> Option | None:
    index = choose(text, [option_words(o) for o in options])
    return None if index is None else options[index]


def names_option(option: Option, text: str) -> bool:
    """The whole answer is one of the option's titles or synonyms."""
    said = normalize(text)
    return said in {normalize(w) for w in (*option.title.all(), *option.synonyms) if w.strip()}


def find_option(flow: Flow, slot: str, value: Any) -> Option | None:
    """The option whose value a choice slot holds."""
    for step in flow.steps:
        if step.slot == slot:
            for option in step.options:
                if option.value == value:
                    return option
    return None


def pick_numbers(text: str, n: int) -> list[int] | None:
    """Entry numbers named in the answer (1-based, sorted, no repeats); [] when one is out of 1..n, None when the
    answer names no number."""
    numbers = [int(x) for x in re.findall(r"\d+", chinese_numbers(normalize(text) or text))]
    if not numbers:
        return None
    if any(x < 1 or x > n for x in numbers):
        return []
    return sorted(set(numbers))
