"""Words that steer the dialogue (返回, 重复, 说慢一点, 取消, 帮助, 转人工, yes/no, corrections), kept in data."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pypinyin import lazy_pinyin

from bot.paths import package_data
from knowledge.normalize import normalize

COMMANDS = ("back", "repeat", "slower", "cancel", "help", "human", "start", "guide", "restart")
_CLAUSE = re.compile(r"[\s,，。.!！;；、?？~～]+")
_NOT_BY_SOUND = frozenset({"cancel", "restart"})
"""Never taken from a sound-alike: 补办了 sounds like 不办了, and losing a filled-in flow costs the citizen."""
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_PIECE = re.compile(r"\{([a-z_]+)\}")
_EVENT_TEXT = re.compile(r"^/([a-z_]+)\s*(\{.*\})?\s*$", re.DOTALL)
_QUESTION = re.compile(r"[?？吗呢嘛]|怎么|什么|哪|多少|几|能不能|可不可以|可以吗|要不要|是否|如何|咋|"
                       r"\b(?:how|what|where|when|which|can|do|does|is|are)\b", re.IGNORECASE)


def looks_like_question(text: str) -> bool:
    return bool(_QUESTION.search(text) or _QUESTION.search(_norm(text)))


def parse_event_text(text: str) -> dict[str, Any] | None:
    """'/payment_done{"amount": 40}' → {"type": "payment_done", "amount": 40} (button payloads for events)."""
    m = _EVENT_TEXT.match(text.strip())
    if not m:
        return None
    event: dict[str, Any] = {}
    if m.group(2):
        try:
            loaded = json.loads(m.group(2))
        except json.JSONDecodeError:
            return None
        if not isinstance(loaded, dict):
            return None
        event.update(loaded)
    event["type"] = m.group(1)
    return event


def _sound(text: str) -> str:
    """How a command sounds, without tones: speech recognition writes 再说一边 for 再说一遍, 上一部 for 上一步."""
    return " ".join(lazy_pinyin(text))


def _norm(text: str) -> str:
    return normalize(text) if text.strip() else ""


def _compile(pattern: object, parts: Mapping[str, str], where: str) -> re.Pattern[str]:
    """A pattern of commands.yaml, its {name} pieces taken from `parts`."""
    def piece(m: re.Match[str]) -> str:
        if m.group(1) not in parts:
            raise ValueError(f"commands.yaml: {where}: unknown piece {{{m.group(1)}}}")
        return parts[m.group(1)]

    try:
        return re.compile(_PIECE.sub(piece, str(pattern)))
    except re.error as exc:
        raise ValueError(f"commands.yaml: {where}: {exc}") from exc


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
        self._aside_openers = {_norm(str(w)) for w in table.get("by_the_way", [])}
        self._yes_longest = sorted(self._yes, key=len, reverse=True)
        self._no_longest = sorted(self._no, key=len, reverse=True)
        self._corrections = sorted((_norm(str(w)) for w in table.get("correction", [])), key=len, reverse=True)
        self._start_cues = [_norm(str(w)) for w in table.get("start_cues", [])]
        self._all_words = [_norm(str(w)) for w in table.get("all", [])]
        self._emergency = [_norm(str(w)) for w in table.get("emergency", [])]
        self._sounds = {_sound(w): name for w, name in self._commands.items()
                        if len(w) >= 3 and _CJK.fullmatch(w) and name not in _NOT_BY_SOUND}
        parts = {str(k): str(v) for k, v in (table.get("parts") or {}).items()}
        self._patterns: list[tuple[str, re.Pattern[str], bool]] = []
        for name, spec in (table.get("patterns") or {}).items():
            if name not in COMMANDS:
                raise ValueError(f"commands.yaml: patterns: unknown command {name!r}; known: {', '.join(COMMANDS)}")
            for whole in spec.get("whole", []):
                self._patterns.append((name, _compile(whole, parts, f"patterns.{name}"), True))
            for part in spec.get("within", []):
                self._patterns.append((name, _compile(part, parts, f"patterns.{name}"), False))
        self._asides = [_compile(p, parts, "asides") for p in table.get("asides", [])]
        self._never = [_compile(p, parts, "never") for p in table.get("never", [])]
        self._yes_patterns = [_compile(p, parts, "affirm_patterns") for p in table.get("affirm_patterns", [])]
        self._no_patterns = [_compile(p, parts, "deny_patterns") for p in table.get("deny_patterns", [])]
        breaks = [re.escape(str(w)) for w in table.get("breaks", []) if str(w)]
        self._breaks = re.compile(f"(?<=.)(?={'|'.join(breaks)})") if breaks else None

    @classmethod
    def load(cls, path: Path | None = None) -> Commands:
        with (path or package_data() / "commands.yaml").open(encoding="utf-8") as fh:
            return cls(yaml.safe_load(fh) or {})

    def core(self, text: str) -> str:
        """The normalised text with polite fillers stripped from both ends (请…吧, 我要…, …一下)."""
        return self._variants(text)[-1]

    def match(self, text: str) -> str | None:
        """The command the whole utterance is, or None (a command word inside a question is not a command).
        Clause by clause: "没听清楚，再讲一次" is one repeat, "算了，我不弄了" one cancel; clauses that are only
        fillers, yes-words or asides ("好的，现在办", "等下我还没想好，算了不办了") go with the command of the
        others."""
        whole = self._command(text)
        if whole:
            return whole
        found: set[str] = set()
        for clause in self._clauses(text):
            command = self._command(clause)
            if command:
                found.add(command)
            elif not self._minor(clause):
                return None
        return found.pop() if len(found) == 1 else None

    def _clauses(self, text: str) -> list[str]:
        pieces = [c for c in _CLAUSE.split(text) if c]
        if self._breaks is None:
            return pieces
        return [part for piece in pieces for part in self._breaks.split(piece) if part]

    def _minor(self, clause: str) -> bool:
        """A clause that goes with any command: a filler, a yes/no word, or an aside that is no question."""
        if self.core(clause) in self._fillers or self._yes_no_word(clause) is not None:
            return True
        if looks_like_question(clause):
            return False
        t = _norm(clause)
        return any(p.search(t) for p in self._asides)

    def _command(self, text: str) -> str | None:
        variants = self._variants(text)
        if any(p.fullmatch(variants[0]) for p in self._never):
            return None
        for t in variants:
            if t in self._commands:
                return self._commands[t]
        for name, pattern, whole in self._patterns:
            for t in variants:
                if pattern.fullmatch(t) if whole else pattern.search(t):
                    return name
        for t in variants:
            if 2 <= len(t) <= 8 and _CJK.fullmatch(t) and _sound(t) in self._sounds:
                return self._sounds[_sound(t)]
        return None

    def _variants(self, text: str) -> list[str]:
        """The normalised text and each step of stripping fillers from its ends ("你说太快了" → "说太快了")."""
        t = _norm(text)
        seen = [t]
        changed = True
        while changed and t:
            changed = False
            for f in self._fillers:
                if f and t.startswith(f) and len(t) > len(f):
                    t, changed = t[len(f):], True
                elif f and t.endswith(f) and len(t) > len(f):
                    t, changed = t[: -len(f)], True
                if changed:
                    seen.append(t)
                    break
        return seen

    def _meaning(self, t: str) -> bool | None:
        if t in self._yes or any(p.fullmatch(t) for p in self._yes_patterns):
            return True
        if t in self._no or any(p.fullmatch(t) for p in self._no_patterns):
            return False
        return None

    def _yes_no_word(self, text: str) -> bool | None:
        for t in (_norm(text), self.core(text)):
            meaning = self._meaning(t)
            if meaning is not None:
                return meaning
        return None

    def yes_no(self, text: str) -> bool | None:
        """Yes or no, however it is said: 好的/行/没错/嗯/OK, 好的继续, 这回对了, 系啊; 不对/不是/不用了/算了."""
        first, *rest = _CLAUSE.split(text.strip(), maxsplit=1)
        if rest and rest[0] and _norm(first) in self._aside_openers:
            return None
        for t in (_norm(text), self.core(text), _norm(first) if first else ""):
            meaning = self._meaning(t) if t else None
            if meaning is not None:
                return meaning
        return self._segmented(self.core(text))

    def _segmented(self, t: str) -> bool | None:
        """Text made only of yes-words ("好的继续", "嗯嗯可以") or only of no-words ("不用不用")."""
        for words, meaning in ((self._yes_longest, True), (self._no_longest, False)):
            rest = t
            while rest:
                word = next((w for w in words if w and rest.startswith(w)), None)
                if word is None:
                    break
                rest = rest[len(word):]
            if t and not rest:
                return meaning
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
