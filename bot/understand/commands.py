"""Words that steer the dialogue (返回, 重复, 取消, 帮助, 转人工, yes/no, corrections), kept in data."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from bot.paths import package_data
from knowledge.normalize import normalize

COMMANDS = ("back", "repeat", "cancel", "help", "human", "start", "guide", "restart")
_QUESTION = re.compile(r"[?？吗呢嘛]|怎么|什么|哪|多少|几|能不能|可不可以|可以吗|要不要|是否|如何|咋|"
                       r"\b(?:how|what|where|when|which|can|do|does|is|are)\b", re.IGNORECASE)


def looks_like_question(text: str) -> bool:
    return bool(_QUESTION.search(text) or _QUESTION.search(_norm(text)))


def _norm(text: str) -> str:
    return normalize(text) if text.strip() else ""


class Commands:
    def __init__(self, table: Mapping[str, Any]) -> None:
        self._fillers = sorted((_norm(w) for w in table.get("fillers", [])), key=len, reverse=True)
        self._commands: dict[str, str] = {}
        for name, words in (table.get("commands") or {}).items():
            if name not in COMMANDS:
                raise ValueError(f"commands.yaml: unknown command {name!r}; known: {', '.join(COMMANDS)}")
            for w in words:
                self._commands.setdefault(_norm(str(w)), name)
        self._yes = {_norm(str(w)) for w in table.get("affirm", [])}
        self._no = {_norm(str(w)) for w in table.get("deny", [])}
        self._corrections = sorted((_norm(str(w)) for w in table.get("correction", [])), key=len, reverse=True)
        self._start_cues = [_norm(str(w)) for w in table.get("start_cues", [])]
        self._all_words = [_norm(str(w)) for w in table.get("all", [])]
        self._emergency = [_norm(str(w)) for w in table.get("emergency", [])]

    @classmethod
    def load(cls, path: Path | None = None) -> Commands:
        with (path or package_data() / "commands.yaml").open(encoding="utf-8") as fh:
            return cls(yaml.safe_load(fh) or {})

    def core(self, text: str) -> str:
        """The normalised text with polite fillers stripped from both ends (请…吧, 我要…, …一下)."""
        t = _norm(text)
        changed = True
        while changed and t:
            changed = False
            for f in self._fillers:
                if f and t.startswith(f) and len(t) > len(f):
                    t, changed = t[len(f):], True
                if f and t.endswith(f) and len(t) > len(f):
                    t, changed = t[: -len(f)], True
        return t

    def match(self, text: str) -> str | None:
        """The command the whole utterance is, or None (a command word inside a question is not a command)."""
        t = _norm(text)
        return self._commands.get(t) or self._commands.get(self.core(text))

    def yes_no(self, text: str) -> bool | None:
        first = re.split(r"[\s,，。.!！;；、]+", text.strip(), maxsplit=1)[0]
        for t in (_norm(text), self.core(text), _norm(first) if first else ""):
            if t in self._yes:
                return True
            if t in self._no:
                return False
        return None

    def correction(self, text: str) -> str | None:
        """What follows a correction cue ('不对，号码是…' → '号码是…'), or None when the text is no correction."""
        t = _norm(text)
        for cue in self._corrections:
            if cue and t.startswith(cue):
                rest = t[len(cue):]
                return re.sub(r"^(?:号码|号|应该|是|为|成|改成|改为)+", "", rest) or None
        return None

    def wants_to_start(self, text: str) -> bool:
        t = _norm(text)
        return any(cue and cue in t for cue in self._start_cues)

    def means_all(self, text: str) -> bool:
        t = self.core(text)
        return any(w and w in t for w in self._all_words)

    def is_emergency(self, text: str) -> bool:
        t = _norm(text)
        return any(w and w in t for w in self._emergency)
