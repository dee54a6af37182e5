"""Prompts and system messages kept in data (bot/data/messages.yaml), filled and rendered per language."""

from __future__ import annotations

import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from bot.paths import package_data
from bot.turn import Message
from bot.understand.lang import pick


class _Loose(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_FORMATTER = string.Formatter()


def fill(template: str, values: Mapping[str, Any]) -> str:
    """str.format that leaves unknown placeholders as they are instead of raising."""
    try:
        return _FORMATTER.vformat(template, (), _Loose(values))
    except (ValueError, IndexError, AttributeError):
        return template


def placeholders(template: str) -> list[str]:
    try:
        return [name.split(".")[0].split("[")[0] for _, name, _, _ in _FORMATTER.parse(template) if name]
    except ValueError:
        return []


class Messages:
    """key → {zh-Hans, en, zh-Hant?, speech?: {…}}; every key must have zh-Hans and en."""

    def __init__(self, table: Mapping[str, Mapping[str, Any]]) -> None:
        self._table = dict(table)
        missing = [k for k, v in self._table.items() if not {"zh-Hans", "en"} <= set(v)]
        if missing:
            raise ValueError(f"messages without zh-Hans or en: {', '.join(sorted(missing))}")

    @classmethod
    def load(cls, path: Path | None = None) -> Messages:
        with (path or package_data() / "messages.yaml").open(encoding="utf-8") as fh:
            return cls(yaml.safe_load(fh) or {})

    def __contains__(self, key: str) -> bool:
        return key in self._table

    def keys(self) -> list[str]:
        return list(self._table)

    def text(self, key: str, lang: str, **values: Any) -> str:
        entry = self._table[key]
        return fill(pick({k: v for k, v in entry.items() if isinstance(v, str)}, lang), values)

    def speech(self, key: str, lang: str, **values: Any) -> str:
        entry = self._table[key]
        spoken = entry.get("speech")
        if isinstance(spoken, Mapping):
            return fill(pick(spoken, lang), values)
        return self.text(key, lang, **values)

    def message(self, key: str, lang: str, **values: Any) -> Message:
        return Message(self.text(key, lang, **values), self.speech(key, lang, **values))
