"""What is ranked: one document per guide item and per out-of-scope group, with the texts each signal reads."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.normalize import normalize
from knowledge.schema import GuideItem, OutOfScopeGroup


@dataclass(frozen=True)
class Doc:
    """One rankable target: a guide item or an out-of-scope group."""

    id: str
    title: str
    fields: tuple[tuple[str, int], ...]
    """(text, repeat) pairs: a field repeated n times weighs n times in BM25."""
    entries: tuple[str, ...]
    """Short texts embedded one by one for the dense ranker (name, aliases, examples)."""
    phrases: tuple[str, ...] = ()
    """Names, aliases and keywords: found verbatim in a question, they are strong evidence."""
    out_of_scope: bool = False
    prior: float = 0.0
    """Small boost for everyday services (those with a self-service machine in the hall)."""
    foreigners: bool = False
    """A service for foreign nationals: ranked lower unless the question says it comes from one."""


def item_doc(item: GuideItem) -> Doc:
    fields = [(item.name, 3), *((a, 2) for a in item.aliases), *((k, 2) for k in item.keywords),
              *((e, 1) for e in item.examples), (item.summary, 1)]
    entries = (item.name, *item.aliases, *item.examples, item.summary)
    phrases = (item.name, *item.aliases, *item.keywords)
    prior = 1.0 if item.channels.kiosk or item.flow else 0.0
    return Doc(item.id, item.name, tuple(fields), tuple(dict.fromkeys(entries)), _phrases(phrases), prior=prior,
               foreigners=item.name.startswith("外国人"))


def oos_doc(group: OutOfScopeGroup) -> Doc:
    fields = [*((k, 2) for k in group.keywords), *((e, 1) for e in group.examples)]
    return Doc(group.id, group.name, tuple(fields), tuple(dict.fromkeys(group.examples)), _phrases(group.keywords),
               out_of_scope=True)


def _phrases(texts: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(sorted({normalize(t) for t in texts if len(normalize(t)) >= 2}, key=len, reverse=True))
