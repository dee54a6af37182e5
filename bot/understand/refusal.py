"""Requests to refuse: other people's data, forged or falsified documents, evading enforcement, proxy points…

The cue lists and patterns live in bot/data/understand/refusals.yaml so that they can be reviewed and extended
without touching code. Chinese is matched on the normalised text, English on the lower-cased text. A category's
rules for one language may be split into groups, each with its own `unless`, so that the innocent look-alikes of one
kind of request do not let another kind through.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import opencc
import yaml

from knowledge.normalize import normalize

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "understand" / "refusals.yaml"
LANGUAGES = ("zh-Hans", "zh-Hant", "en")
_MATCH_LANGS = ("zh", "en")
_TOP_KEYS = {"vocab", "categories"}
_CATEGORY_KEYS = {"id", "zh", "en", "reply", "speech"}
_RULE_KEYS = {"cues", "patterns", "unless"}
_LANG_KEYS = _RULE_KEYS | {"groups"}
_TEXT_LANGS = set(LANGUAGES)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)\}")
_S2T = opencc.OpenCC("s2t")


@dataclass(frozen=True)
class RefusalMatch:
    category: str
    cue: str


@dataclass(frozen=True)
class _Rules:
    """Chinese cues match anywhere in the text; English cues only as whole words ("forge" is not in "forget")."""

    cues: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]
    whole_words: bool
    groups: tuple[_Rules, ...] = ()

    def blocked(self, text: str) -> bool:
        return any(p.search(text) for p in self.unless)

    def find(self, text: str) -> str | None:
        for cue in self.cues:
            if cue in text and (not self.whole_words or re.search(rf"\b{re.escape(cue)}\b", text)):
                return cue
        for pattern in self.patterns:
            found = pattern.search(text)
            if found:
                return found.group(0)
        for group in self.groups:
            if not group.blocked(text):
                inner = group.find(text)
                if inner is not None:
                    return inner
        return None


@dataclass(frozen=True)
class _Category:
    id: str
    rules: dict[str, _Rules]
    reply: dict[str, str]
    speech: dict[str, str]


class Refusals:
    """The refusal categories of one refusals.yaml, checked in file order."""

    def __init__(self, categories: tuple[_Category, ...]) -> None:
        self._categories = categories
        self._by_id = {c.id: c for c in categories}

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(c.id for c in self._categories)

    @classmethod
    def load(cls, path: Path | None = None) -> Refusals:
        source = path or DEFAULT_PATH
        try:
            with source.open(encoding="utf-8") as fh:
                data = yaml.load(fh, Loader=_StrictLoader)
        except yaml.YAMLError as exc:
            raise ValueError(f"{source}: not valid YAML: {exc}") from exc
        return cls(_parse(data, str(source)))

    def match(self, text: str) -> RefusalMatch | None:
        """The first category whose cue or pattern occurs in the text and whose `unless` patterns do not."""
        texts = {"zh": _chinese(text), "en": _english(text)}
        for category in self._categories:
            if any(rules.blocked(texts[lang]) for lang, rules in category.rules.items()):
                continue
            for lang, rules in category.rules.items():
                cue = rules.find(texts[lang])
                if cue is not None:
                    return RefusalMatch(category.id, cue)
        return None

    def reply(self, category: str, lang: str) -> tuple[str, str]:
        """(screen text, speech) of a category in one of LANGUAGES; KeyError for a category not in the file."""
        if lang not in _TEXT_LANGS:
            raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
        found = self._by_id[category]
        return found.reply[lang], found.speech[lang]


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key written twice in one mapping instead of keeping the last."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _chinese(text: str) -> str:
    """normalize() without dropping a leading "那个" (in "那个人住哪" it names the person); the "x" hides it."""
    return normalize("x" + text)[1:]


def _english(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split())


def _fail(file: str, key: str, why: str) -> ValueError:
    return ValueError(f"{file}: {key}: {why}")


def _mapping(value: Any, file: str, key: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(file, key, "expected a mapping")
    unknown = sorted(str(k) for k in value if k not in allowed)
    if unknown:
        raise _fail(file, f"{key}.{unknown[0]}", f"unknown field; allowed: {', '.join(sorted(allowed))}")
    return value


def _strings(value: Any, file: str, key: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str | int) and str(v).strip() for v in value):
        raise _fail(file, key, "expected a list of non-empty strings")
    return [str(v) for v in value]


def _compile(source: str, file: str, key: str) -> re.Pattern[str]:
    try:
        return re.compile(source)
    except re.error as exc:
        raise _fail(file, key, f"bad regular expression: {exc}") from exc


def _vocab(data: Any, file: str) -> dict[str, dict[str, str]]:
    langs = _mapping(data or {}, file, "vocab", set(_MATCH_LANGS))
    out: dict[str, dict[str, str]] = {}
    for lang in _MATCH_LANGS:
        groups = _mapping(langs.get(lang) or {}, file, f"vocab.{lang}", set(langs.get(lang) or {}))
        out[lang] = {}
        for name, words in groups.items():
            key = f"vocab.{lang}.{name}"
            if not isinstance(name, str) or not _PLACEHOLDER.fullmatch("{" + name + "}"):
                raise _fail(file, key, "a vocabulary name is letters, digits and _")
            items = [_expand(item, out[lang], file, f"{key}[{i}]").pattern
                     for i, item in enumerate(_strings(words, file, key))]
            if not items:
                raise _fail(file, key, "empty vocabulary")
            ordered = sorted(items, key=len, reverse=True)
            out[lang][name] = "(?:" + "|".join(ordered) + ")"
    return out


def _expand(source: str, vocab: dict[str, str], file: str, key: str) -> re.Pattern[str]:
    def sub(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in vocab:
            raise _fail(file, key, f"unknown vocabulary {{{name}}}")
        return vocab[name]

    return _compile(_PLACEHOLDER.sub(sub, source), file, key)


def _rules(data: Any, vocab: dict[str, str], lang: str, file: str, key: str, top: bool = True) -> _Rules:
    body = _mapping(data, file, key, _LANG_KEYS if top else _RULE_KEYS)
    prepare = normalize if lang == "zh" else _english
    cues = tuple(c for c in (prepare(w) for w in _strings(body.get("cues"), file, f"{key}.cues")) if c)
    patterns = tuple(_expand(p, vocab, file, f"{key}.patterns[{i}]")
                     for i, p in enumerate(_strings(body.get("patterns"), file, f"{key}.patterns")))
    unless = tuple(_expand(p, vocab, file, f"{key}.unless[{i}]")
                   for i, p in enumerate(_strings(body.get("unless"), file, f"{key}.unless")))
    raw_groups = body.get("groups") or []
    if not isinstance(raw_groups, list):
        raise _fail(file, f"{key}.groups", "expected a list")
    groups = tuple(_rules(g, vocab, lang, file, f"{key}.groups[{i}]", top=False) for i, g in enumerate(raw_groups))
    if not cues and not patterns and not groups:
        raise _fail(file, key, "needs cues or patterns")
    return _Rules(tuple(sorted(cues, key=len, reverse=True)), patterns, unless, whole_words=lang == "en",
                  groups=groups)


def _texts(data: Any, file: str, key: str, required: bool) -> dict[str, str]:
    if data is None and not required:
        return {}
    body = _mapping(data, file, key, _TEXT_LANGS)
    for lang in ("zh-Hans", "en"):
        if not isinstance(body.get(lang), str) or not body[lang].strip():
            raise _fail(file, f"{key}.{lang}", "required text is missing")
    if "zh-Hant" in body and not (isinstance(body["zh-Hant"], str) and body["zh-Hant"].strip()):
        raise _fail(file, f"{key}.zh-Hant", "expected text")
    texts = {lang: str(body[lang]).strip() for lang in LANGUAGES if lang in body}
    texts.setdefault("zh-Hant", str(_S2T.convert(texts["zh-Hans"])))
    return texts


def _parse(data: Any, file: str) -> tuple[_Category, ...]:
    top = _mapping(data, file, "(top level)", _TOP_KEYS)
    vocab = _vocab(top.get("vocab"), file)
    raw = top.get("categories")
    if not isinstance(raw, list) or not raw:
        raise _fail(file, "categories", "expected a non-empty list")
    categories: list[_Category] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        key = f"categories[{i}]"
        body = _mapping(item, file, key, _CATEGORY_KEYS)
        cid = body.get("id")
        if not isinstance(cid, str) or not cid.strip():
            raise _fail(file, f"{key}.id", "required")
        if cid in seen:
            raise _fail(file, f"{key}.id", f"duplicate category {cid!r}")
        seen.add(cid)
        key = f"categories[{cid}]"
        rules = {lang: _rules(body[lang], vocab[lang], lang, file, f"{key}.{lang}")
                 for lang in _MATCH_LANGS if lang in body}
        if not rules:
            raise _fail(file, key, "needs zh or en rules")
        reply = _texts(body.get("reply"), file, f"{key}.reply", required=True)
        speech = _texts(body.get("speech"), file, f"{key}.speech", required=False) or dict(reply)
        categories.append(_Category(cid, rules, reply, speech))
    return tuple(categories)
