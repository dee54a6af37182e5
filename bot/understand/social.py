"""Social turns: greetings, thanks, goodbyes, who and what the assistant is, and where the hall's amenities are.

A turn is social only when the whole utterance is made of social words (bot/data/understand/social.yaml), so a
question that merely starts with 你好 or ends with 谢谢 is not: `strip_social` hands its question part back for
ranking instead.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import opencc
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from knowledge.normalize import to_simplified
from knowledge.schema import SiteProfile

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "understand" / "social.yaml"
ActName = Literal["greeting", "thanks", "goodbye", "identity", "capabilities"]
ACTS: tuple[str, ...] = ("greeting", "thanks", "goodbye", "identity", "capabilities")
FACILITY = "facility"
REPLY_LANGS = ("zh-Hans", "zh-Hant", "en")
PLACEHOLDERS = frozenset({"name", "duty_phone", "where"})
MAX_CHARS = 80
"""Longer utterances are never social: nobody says a 40-character hello."""

_S2T = opencc.OpenCC("s2t")
_HARD = "|"
_SOFT = " "
_GROUP = re.compile(r"\(([^()\[\]]*)\)|\[([^()\[\]]*)\]")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_LEFT_TRIM = " \t\r\n,，、;；:：.。!！?？~～…-—"
_RIGHT_TRIM = " \t\r\n,，、;；:：~～…-—"


# ---------------------------------------------------------------------------------------------------------- data


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cues(_Model):
    zh: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.zh, *self.en]


class ReplyText(_Model):
    screen: str = Field(min_length=1)
    speech: str | None = None


Replies = dict[str, ReplyText | str]


def _check_replies(replies: Mapping[str, ReplyText | str], where: str) -> None:
    missing = [lang for lang in ("zh-Hans", "en") if lang not in replies]
    if missing:
        raise ValueError(f"{where}: reply needs {', '.join(missing)}")
    unknown = [lang for lang in replies if lang not in REPLY_LANGS]
    if unknown:
        raise ValueError(f"{where}: unknown language {', '.join(unknown)}; use {', '.join(REPLY_LANGS)}")
    for lang, reply in replies.items():
        texts = [reply] if isinstance(reply, str) else [reply.screen, reply.speech or ""]
        for text in texts:
            bad = set(_PLACEHOLDER.findall(text)) - PLACEHOLDERS
            if bad:
                raise ValueError(f"{where}.{lang}: unknown placeholder {{{', '.join(sorted(bad))}}}")


class Act(_Model):
    cues: Cues
    reply: Replies
    quick_replies: dict[str, list[str]] = Field(default_factory=dict)


class Place(_Model):
    cues: Cues
    extra: Cues = Field(default_factory=Cues)
    bare: bool = Field(default=True, description="a facility cue alone ('厕所') is enough, without a where-word")
    reply: Replies


class Facilities(_Model):
    words: Cues
    places: dict[str, Place]
    missing: Replies


class Strip(_Model):
    leading: list[str] = Field(default_factory=list)
    trailing: list[str] = Field(default_factory=list)
    not_before: list[str] = Field(default_factory=list)


class SocialData(_Model):
    precedence: list[ActName]
    particles: list[str]
    acknowledgements: Cues
    fillers: Cues
    strip: Strip = Field(default_factory=Strip)
    acts: dict[str, Act]
    facility: Facilities

    @model_validator(mode="after")
    def _complete(self) -> SocialData:
        unknown = sorted(set(self.acts) - set(ACTS))
        if unknown:
            raise ValueError(f"acts: unknown act {', '.join(unknown)}; the acts are {', '.join(ACTS)}")
        for name in ACTS:
            if name not in self.acts:
                raise ValueError(f"acts.{name} is missing")
            if name not in self.precedence:
                raise ValueError(f"precedence lacks {name}")
            _check_replies(self.acts[name].reply, f"acts.{name}")
        for key, place in self.facility.places.items():
            _check_replies(place.reply, f"facility.places.{key}")
        _check_replies(self.facility.missing, "facility.missing")
        return self


# ---------------------------------------------------------------------------------------------------------- text


def expand(pattern: str) -> list[str]:
    """Every phrase a cue pattern stands for: '(a|b)' picks one, '[a|b]' may be left out."""
    parts: list[list[str]] = []
    pos = 0
    for m in _GROUP.finditer(pattern):
        parts.append([pattern[pos:m.start()]])
        if m.group(1) is not None:
            parts.append(m.group(1).split("|"))
        else:
            parts.append(["", *m.group(2).split("|")])
        pos = m.end()
    parts.append([pattern[pos:]])
    if any(ch in "()[]" for part in parts if len(part) == 1 for ch in part[0]):
        raise ValueError(f"cue {pattern!r}: unbalanced or nested brackets")
    return ["".join(combo) for combo in itertools.product(*parts)]


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff"


@lru_cache(maxsize=8192)
def _fold(ch: str) -> str:
    """One input character as matching sees it: NFKC, lower case, Simplified; punctuation a hard break."""
    out = []
    for c in to_simplified(unicodedata.normalize("NFKC", ch)).lower():
        if c in "'’‘`´":
            continue
        if c.isspace():
            out.append(_SOFT)
        elif unicodedata.category(c)[0] in "PSCZ":
            out.append(_HARD)
        else:
            out.append(c)
    return "".join(out)


def _clean(text: str) -> tuple[str, list[int]]:
    """The text folded for matching, and for each folded character the index of the character it came from.

    Separators collapse to one: a space between two Latin words stays a space (it is part of 'thank you'), spaces
    between two Chinese characters go (speech recognisers insert them), anything else becomes a hard break.
    """
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for c in _fold(ch):
            chars.append(c)
            index.append(i)
    out: list[str] = []
    out_index: list[int] = []
    i = 0
    while i < len(chars):
        if chars[i] not in (_SOFT, _HARD):
            out.append(chars[i])
            out_index.append(index[i])
            i += 1
            continue
        j = i
        while j < len(chars) and chars[j] in (_SOFT, _HARD):
            j += 1
        if out and j < len(chars):
            spaces = all(c == _SOFT for c in chars[i:j])
            if spaces and _is_word_char(out[-1]) and _is_word_char(chars[j]):
                out.append(_SOFT)
                out_index.append(index[i])
            elif not (spaces and _is_han(out[-1]) and _is_han(chars[j])):
                out.append(_HARD)
                out_index.append(index[i])
        i = j
    return "".join(out), out_index


def _clean_cue(cue: str) -> str:
    folded, _ = _clean(cue)
    if _HARD in folded:
        folded = "".join(part.strip() for part in folded.split(_HARD))
    return folded


def _to_traditional(text: str) -> str:
    return str(_S2T.convert(text))


# ---------------------------------------------------------------------------------------------------------- match


@dataclass(frozen=True)
class SocialMatch:
    """A social turn: `act` is one of ACTS or 'facility' (then `facility` names the place, e.g. 'toilet').

    `rest` is the utterance without its greeting or thanks (empty for a pure greeting, '厕所在哪' for
    '你好，厕所在哪').
    """

    act: str
    facility: str | None = None
    rest: str = ""


Kind = tuple[str, str]
"""(kind, name): ('act', 'thanks'), ('place', 'toilet'), ('extra', 'print'), ('word', ''), ('ack', ''), …"""

_Token = tuple[int, int, tuple[Kind, ...]]


class _Lexicon:
    """Cues by first character, longest first, each with the kinds of word it is."""

    def __init__(self) -> None:
        self._kinds: dict[str, list[Kind]] = {}

    def add(self, patterns: Iterable[str], kind: Kind) -> None:
        for pattern in patterns:
            for phrase in expand(str(pattern)):
                cue = _clean_cue(phrase)
                if cue:
                    kinds = self._kinds.setdefault(cue, [])
                    if kind not in kinds:
                        kinds.append(kind)

    def freeze(self) -> dict[str, list[tuple[str, tuple[Kind, ...]]]]:
        by_first: dict[str, list[tuple[str, tuple[Kind, ...]]]] = {}
        for cue, kinds in self._kinds.items():
            by_first.setdefault(cue[0], []).append((cue, tuple(kinds)))
        for entries in by_first.values():
            entries.sort(key=lambda e: -len(e[0]))
        return by_first


def _parse(s: str, start: int, end: int, lexicon: Mapping[str, list[tuple[str, tuple[Kind, ...]]]],
           ) -> list[_Token] | None:
    """Tokens covering s[start:end] exactly (separators between them are free), or None when something is left."""
    back: dict[int, tuple[int, _Token | None]] = {start: (start, None)}
    for pos in range(start, end):
        if pos not in back:
            continue
        if s[pos] in (_SOFT, _HARD):
            back.setdefault(pos + 1, (pos, None))
            continue
        if pos > 0 and _is_word_char(s[pos]) and _is_word_char(s[pos - 1]):
            continue
        for cue, kinds in lexicon.get(s[pos], ()):
            stop = pos + len(cue)
            if stop > end or s[pos:stop] != cue:
                continue
            if stop < len(s) and _is_word_char(s[stop]) and _is_word_char(s[stop - 1]):
                continue
            back.setdefault(stop, (pos, (pos, stop, kinds)))
    if end not in back:
        return None
    tokens: list[_Token] = []
    pos = end
    while pos != start:
        prev, token = back[pos]
        if token is not None:
            tokens.append(token)
        pos = prev
    tokens.reverse()
    return tokens


def _has(token: _Token, kind: str) -> bool:
    return any(k == kind for k, _ in token[2])


def _names(tokens: Iterable[_Token], kind: str) -> list[str]:
    return [name for token in tokens for k, name in token[2] if k == kind]


class Social:
    """Recognises social turns and answers them; load once, then call `match` per turn."""

    def __init__(self, data: SocialData) -> None:
        self.data = data
        lexicon = _Lexicon()
        for name, act in data.acts.items():
            lexicon.add(act.cues.all(), ("act", name))
        for key, place in data.facility.places.items():
            lexicon.add(place.cues.all(), ("place", key))
            lexicon.add(place.extra.all(), ("extra", key))
        lexicon.add(data.acknowledgements.all(), ("ack", ""))
        lexicon.add(data.fillers.all(), ("filler", ""))
        lexicon.add(data.particles, ("particle", ""))
        lexicon.add(data.facility.words.all(), ("word", ""))
        self._lexicon = lexicon.freeze()

        edge = _Lexicon()
        for name in ("greeting", "thanks", "goodbye"):
            edge.add(data.acts[name].cues.all(), ("act", name))
        edge.add(data.acknowledgements.all(), ("ack", ""))
        edge.add(data.fillers.all(), ("filler", ""))
        edge.add(data.particles, ("particle", ""))
        self._edge = edge.freeze()
        self._leading = sorted({_clean_cue(c) for p in data.strip.leading for c in expand(p)} - {""},
                               key=len, reverse=True)
        self._not_before = [_clean_cue(w) for w in data.strip.not_before if _clean_cue(w)]
        self._trailing = sorted({_clean_cue(c) for p in data.strip.trailing for c in expand(p)} - {""},
                                key=len, reverse=True)

    @classmethod
    def load(cls, path: Path | None = None) -> Social:
        """Read and check the social vocabulary; a mistake raises ValueError naming the file and field."""
        path = path or DEFAULT_PATH
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        try:
            return cls(SocialData.model_validate(raw))
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from exc

    # ------------------------------------------------------------------------------------------------------ match

    def match(self, text: str) -> SocialMatch | None:
        """The social act when the WHOLE utterance is social (or a where-is question about an amenity), else None."""
        if len(text) > MAX_CHARS * 2:
            return None
        s, _ = _clean(text)
        if not s or len(s) > MAX_CHARS:
            return None
        tokens = _parse(s, 0, len(s), self._lexicon)
        if not tokens:
            return None
        places = _names(tokens, "place")
        if places:
            return self._facility(tokens, places[0], text)
        if any(all(k in ("word", "extra") for k, _ in token[2]) for token in tokens):
            return None
        acts = set(_names(tokens, "act"))
        for name in self.data.precedence:
            if name in acts:
                return SocialMatch(act=name)
        return None

    def _facility(self, tokens: list[_Token], key: str, text: str) -> SocialMatch | None:
        place = self.data.facility.places[key]
        for token in tokens:
            own = {k for k, name in token[2] if name in ("", key) or k == "act"}
            if not own:
                return None
        if not place.bare and not any(_has(token, "word") for token in tokens):
            return None
        return SocialMatch(act=FACILITY, facility=key, rest=self.strip_social(text))

    # ------------------------------------------------------------------------------------------------------ strip

    def strip_social(self, text: str) -> str:
        """The text without a leading greeting and trailing thanks: '你好，我身份证丢了，谢谢' → '我身份证丢了'.

        Returns '' when nothing but social words is there, and the text itself when it has none at its edges.
        """
        s, index = _clean(text)
        if not s:
            return text.strip()
        bounds = self._question_bounds(s)
        if bounds is None:
            return ""
        start, end = bounds
        if (start, end) == (0, len(s)):
            return text.strip()
        return text[index[start]: index[end - 1] + 1].lstrip(_LEFT_TRIM).rstrip(_RIGHT_TRIM)

    def _question_bounds(self, s: str) -> tuple[int, int] | None:
        """Where the question part of the folded text starts and ends; None when all of it is social."""
        segments: list[tuple[int, int]] = []
        pos = 0
        for piece in s.split(_HARD):
            segments.append((pos, pos + len(piece)))
            pos += len(piece) + 1
        parsed = [_parse(s, a, b, self._edge) for a, b in segments]
        if all(parsed) and any(_has(t, "act") for tokens in parsed for t in tokens or ()):
            return None
        while len(segments) > 1 and parsed[0]:
            segments.pop(0)
            parsed.pop(0)
        while len(segments) > 1 and any(_has(t, "act") for t in parsed[-1] or ()):
            segments.pop()
            parsed.pop()
        start, end = segments[0][0], segments[-1][1]
        start = self._cut_leading(s, start, end)
        end = self._cut_trailing(s, start, end)
        return (start, end) if start < end else None

    def _cut_leading(self, s: str, start: int, end: int) -> int:
        pos = start
        while True:
            cue = next((c for c in self._leading if s.startswith(c, pos) and pos + len(c) < end), None)
            if cue is None or (_is_word_char(cue[-1]) and _is_word_char(s[pos + len(cue)])):
                return pos
            if any(s.startswith(word, pos + len(cue)) for word in self._not_before):
                return pos
            pos += len(cue)
            while pos < end and s[pos] == _SOFT:
                pos += 1

    def _cut_trailing(self, s: str, start: int, end: int) -> int:
        stop = end
        while True:
            cue = next((c for c in self._trailing if s.endswith(c, start, stop) and stop - len(c) > start), None)
            if cue is None or (_is_word_char(cue[0]) and _is_word_char(s[stop - len(cue) - 1])):
                return stop
            stop -= len(cue)
            while stop > start and s[stop - 1] == _SOFT:
                stop -= 1

    # ------------------------------------------------------------------------------------------------------ reply

    def reply(self, match: SocialMatch, lang: str, site: SiteProfile) -> tuple[str, str, list[str]]:
        """Screen text, speech text and quick-reply button titles for a social turn, in `lang`."""
        lang = lang if lang in REPLY_LANGS else "zh-Hans"
        values = {"name": site.name, "duty_phone": site.duty_phone}
        quick: list[str] = []
        if match.act == FACILITY:
            place = self.data.facility.places.get(match.facility or "")
            where = None
            if place is not None:
                where = (site.facilities.get(f"{match.facility}_en") if lang == "en" else None) \
                    or site.facilities.get(match.facility or "")
            if place is None or not where:
                replies = self.data.facility.missing
            else:
                replies = place.reply
                values["where"] = where
        elif match.act in self.data.acts:
            act = self.data.acts[match.act]
            replies = act.reply
            quick = _pick_list(act.quick_replies, lang)
        else:
            raise ValueError(f"not a social act: {match.act!r}")
        screen, speech = _render(replies, lang, values)
        return screen, speech, quick


def _fill(template: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def _render(replies: Mapping[str, ReplyText | str], lang: str, values: Mapping[str, str]) -> tuple[str, str]:
    """zh-Hant is written out when the data has it, else made from zh-Hans (values included) by OpenCC."""
    chosen = replies.get(lang)
    convert = False
    if chosen is None:
        chosen = replies["zh-Hans"]
        convert = lang == "zh-Hant"
    elif lang == "zh-Hant":
        values = {k: _to_traditional(v) for k, v in values.items()}
    screen = chosen if isinstance(chosen, str) else chosen.screen
    speech = chosen if isinstance(chosen, str) else (chosen.speech or chosen.screen)
    screen, speech = _fill(screen, values), _fill(speech, values)
    if convert:
        screen, speech = _to_traditional(screen), _to_traditional(speech)
    return screen, speech


def _pick_list(options: Mapping[str, list[str]], lang: str) -> list[str]:
    if lang in options:
        return list(options[lang])
    base = options.get("zh-Hans", [])
    return [_to_traditional(t) for t in base] if lang == "zh-Hant" else list(base)
