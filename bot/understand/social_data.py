"""The social vocabulary (bot/data/understand/social.yaml): schema, cue patterns, text folding, reply templates."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Literal

import opencc
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from knowledge.normalize import to_simplified

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "understand" / "social.yaml"
ActName = Literal["greeting", "thanks", "goodbye", "identity", "capabilities"]
ACTS: tuple[str, ...] = ("greeting", "thanks", "goodbye", "identity", "capabilities")
REPLY_LANGS = ("zh-Hans", "zh-Hant", "en")
PLACEHOLDERS = frozenset({"name", "duty_phone", "where"})

SOFT = " "
"""A space between two Latin words: part of a cue ('thank you')."""
HARD = "|"
"""Any other separator: punctuation, or a space between Latin and Chinese."""

_S2T = opencc.OpenCC("s2t")
_GROUP = re.compile(r"\(([^()\[\]]*)\)|\[([^()\[\]]*)\]")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


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
    question_particles: list[str] = Field(default_factory=list)
    acknowledgements: Cues
    closings: Cues = Field(default_factory=Cues)
    fillers: Cues
    addressees: Cues = Field(default_factory=Cues)
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


def load_data(path: Path | None = None) -> SocialData:
    """Read and check the social vocabulary; a mistake raises ValueError naming the file and field."""
    path = path or DEFAULT_PATH
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        return SocialData.model_validate(raw)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


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


def is_word_char(ch: str) -> bool:
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
            out.append(SOFT)
        elif unicodedata.category(c)[0] in "PSCZ":
            out.append(HARD)
        else:
            out.append(c)
    return "".join(out)


def clean(text: str) -> tuple[str, list[int]]:
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
        if chars[i] not in (SOFT, HARD):
            out.append(chars[i])
            out_index.append(index[i])
            i += 1
            continue
        j = i
        while j < len(chars) and chars[j] in (SOFT, HARD):
            j += 1
        if out and j < len(chars):
            spaces = all(c == SOFT for c in chars[i:j])
            if spaces and is_word_char(out[-1]) and is_word_char(chars[j]):
                out.append(SOFT)
                out_index.append(index[i])
            elif not (spaces and _is_han(out[-1]) and _is_han(chars[j])):
                out.append(HARD)
                out_index.append(index[i])
        i = j
    return "".join(out), out_index


def clean_cue(cue: str) -> str:
    folded, _ = clean(cue)
    if HARD in folded:
        folded = "".join(part.strip() for part in folded.split(HARD))
    return folded


def to_traditional(text: str) -> str:
    return str(_S2T.convert(text))


def _fill(template: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def render(replies: Mapping[str, ReplyText | str], lang: str, values: Mapping[str, str]) -> tuple[str, str]:
    """Screen and speech text; zh-Hant is written out when the data has it, else made from zh-Hans by OpenCC."""
    chosen = replies.get(lang)
    convert = False
    if chosen is None:
        chosen = replies["zh-Hans"]
        convert = lang == "zh-Hant"
    elif lang == "zh-Hant":
        values = {k: to_traditional(v) for k, v in values.items()}
    screen = chosen if isinstance(chosen, str) else chosen.screen
    speech = chosen if isinstance(chosen, str) else (chosen.speech or chosen.screen)
    screen, speech = _fill(screen, values), _fill(speech, values)
    if convert:
        screen, speech = to_traditional(screen), to_traditional(speech)
    return screen, speech


def pick_list(options: Mapping[str, list[str]], lang: str) -> list[str]:
    """Quick-reply titles in `lang`; zh-Hant made from zh-Hans when the data has none."""
    if lang in options:
        return list(options[lang])
    base = options.get("zh-Hans", [])
    return [to_traditional(t) for t in base] if lang == "zh-Hant" else list(base)
