"""Social turns: greetings, thanks, goodbyes, who and what the assistant is, and where the hall's amenities are.

A turn is social only when the whole utterance is made of social words (bot/data/understand/social.yaml), so a
question that merely starts with 你好 or ends with 谢谢 is not: `strip_social` hands its question part back for
ranking instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.understand.social_data import (
    HARD,
    REPLY_LANGS,
    SOFT,
    SocialData,
    clean,
    clean_cue,
    expand,
    is_word_char,
    load_data,
    pick_list,
    render,
)
from knowledge.schema import SiteProfile

FACILITY = "facility"
MAX_CHARS = 80
"""Longer utterances are never social: nobody says a 40-character hello."""

_STATEMENTS = ("thanks", "goodbye")
"""Acts that a question particle undoes: "办完了吗" asks, "办完了" leaves."""
_LEFT_TRIM = " \t\r\n,，、;；:：.。!！?？~～…-—"
_RIGHT_TRIM = " \t\r\n,，、;；:：~～…-—"


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
"""(kind, name): ('act', 'thanks'), ('place', 'toilet'), ('extra', 'print'), ('word', ''), ('closing', ''), …"""

_Token = tuple[int, int, tuple[Kind, ...]]
_Index = dict[str, list[tuple[str, tuple[Kind, ...]]]]


class _Lexicon:
    """Cues by first character, longest first, each with the kinds of word it is."""

    def __init__(self) -> None:
        self._kinds: dict[str, list[Kind]] = {}

    def add(self, patterns: Iterable[str], kind: Kind) -> None:
        for pattern in patterns:
            for phrase in expand(str(pattern)):
                cue = clean_cue(phrase)
                if cue:
                    kinds = self._kinds.setdefault(cue, [])
                    if kind not in kinds:
                        kinds.append(kind)

    def freeze(self) -> _Index:
        by_first: _Index = {}
        for cue, kinds in self._kinds.items():
            by_first.setdefault(cue[0], []).append((cue, tuple(kinds)))
        for entries in by_first.values():
            entries.sort(key=lambda e: -len(e[0]))
        return by_first


def _parse(s: str, start: int, end: int, lexicon: Mapping[str, list[tuple[str, tuple[Kind, ...]]]],
           ) -> list[_Token] | None:
    """The fewest tokens covering s[start:end] exactly (separators between them are free), or None when something
    is left: "你是不是机器人啊" is 你 + 是不是机器人 + 啊, not 你 + 是 + 不 + 是机器人啊."""
    back: dict[int, tuple[int, int, _Token | None]] = {start: (0, start, None)}

    def reach(stop: int, cost: int, pos: int, token: _Token | None) -> None:
        if stop not in back or cost < back[stop][0]:
            back[stop] = (cost, pos, token)

    for pos in range(start, end):
        if pos not in back:
            continue
        cost = back[pos][0]
        if s[pos] in (SOFT, HARD):
            reach(pos + 1, cost, pos, None)
            continue
        if pos > 0 and is_word_char(s[pos]) and is_word_char(s[pos - 1]):
            continue
        for cue, kinds in lexicon.get(s[pos], ()):
            stop = pos + len(cue)
            if stop > end or s[pos:stop] != cue:
                continue
            if stop < len(s) and is_word_char(s[stop]) and is_word_char(s[stop - 1]):
                continue
            reach(stop, cost + 1, pos, (pos, stop, kinds))
    if end not in back:
        return None
    tokens: list[_Token] = []
    pos = end
    while pos != start:
        _, prev, token = back[pos]
        if token is not None:
            tokens.append(token)
        pos = prev
    tokens.reverse()
    return tokens


def _has(token: _Token, *kinds: str) -> bool:
    return any(k in kinds for k, _ in token[2])


def _names(tokens: Iterable[_Token], kind: str) -> list[str]:
    return [name for token in tokens for k, name in token[2] if k == kind]


def _shared(data: SocialData) -> _Lexicon:
    """The words both whole-utterance matching and edge stripping know: greetings, thanks, goodbyes, fillers."""
    lexicon = _Lexicon()
    for name in ("greeting", "thanks", "goodbye"):
        lexicon.add(data.acts[name].cues.all(), ("act", name))
    lexicon.add(data.closings.all(), ("closing", ""))
    lexicon.add(data.acknowledgements.all(), ("ack", ""))
    lexicon.add(data.fillers.all(), ("filler", ""))
    lexicon.add(data.particles, ("particle", ""))
    lexicon.add(data.question_particles, ("question", ""))
    return lexicon


class Social:
    """Recognises social turns and answers them; load once, then call `match` per turn."""

    def __init__(self, data: SocialData) -> None:
        self.data = data
        self._edge = _shared(data).freeze()
        lexicon = _shared(data)
        for name in ("identity", "capabilities"):
            lexicon.add(data.acts[name].cues.all(), ("act", name))
        lexicon.add(data.addressees.all(), ("filler", ""))
        for key, place in data.facility.places.items():
            lexicon.add(place.cues.all(), ("place", key))
            lexicon.add(place.extra.all(), ("extra", key))
        lexicon.add(data.facility.words.all(), ("word", ""))
        self._lexicon = lexicon.freeze()
        self._leading = sorted({clean_cue(c) for p in data.strip.leading for c in expand(p)} - {""},
                               key=len, reverse=True)
        self._not_before = [clean_cue(w) for w in data.strip.not_before if clean_cue(w)]
        self._trailing = sorted({clean_cue(c) for p in data.strip.trailing for c in expand(p)} - {""},
                                key=len, reverse=True)

    @classmethod
    def load(cls, path: Path | None = None) -> Social:
        """Read and check the social vocabulary; a mistake raises ValueError naming the file and field."""
        return cls(load_data(path))

    def match(self, text: str) -> SocialMatch | None:
        """The social act when the WHOLE utterance is social (or a where-is question about an amenity), else None."""
        if len(text) > MAX_CHARS * 2:
            return None
        s, _ = clean(text)
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
        if "thanks" not in acts and any(_has(token, "closing") for token in tokens):
            acts.add("goodbye")
        name = next((name for name in self.data.precedence if name in acts), None)
        if name in _STATEMENTS and any(_has(token, "question") for token in tokens):
            return None
        return SocialMatch(act=name) if name else None

    def _facility(self, tokens: list[_Token], key: str, text: str) -> SocialMatch | None:
        place = self.data.facility.places[key]
        for token in tokens:
            own = {k for k, name in token[2] if name in ("", key) or k == "act"}
            if not own:
                return None
        if not place.bare and not any(_has(token, "word") for token in tokens):
            return None
        return SocialMatch(act=FACILITY, facility=key, rest=self.strip_social(text))

    def strip_social(self, text: str) -> str:
        """The text without a leading greeting and trailing thanks: '你好，我身份证丢了，谢谢' → '我身份证丢了'.

        Returns '' when nothing but social words is there, and the text itself when it has none at its edges.
        """
        s, index = clean(text)
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
        for piece in s.split(HARD):
            segments.append((pos, pos + len(piece)))
            pos += len(piece) + 1
        parsed = [_parse(s, a, b, self._edge) for a, b in segments]
        if all(parsed) and any(_has(t, "act", "closing") for tokens in parsed for t in tokens or ()):
            return None
        while len(segments) > 1 and parsed[0]:
            segments.pop(0)
            parsed.pop(0)
        while len(segments) > 1 and any(_has(t, "act", "closing") for t in parsed[-1] or ()):
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
            if cue is None or (is_word_char(cue[-1]) and is_word_char(s[pos + len(cue)])):
                return pos
            if any(s.startswith(word, pos + len(cue)) for word in self._not_before):
                return pos
            pos += len(cue)
            while pos < end and s[pos] == SOFT:
                pos += 1

    def _cut_trailing(self, s: str, start: int, end: int) -> int:
        stop = end
        while True:
            cue = next((c for c in self._trailing if s.endswith(c, start, stop) and stop - len(c) > start), None)
            if cue is None or (is_word_char(cue[0]) and is_word_char(s[stop - len(cue) - 1])):
                return stop
            stop -= len(cue)
            while stop > start and s[stop - 1] == SOFT:
                stop -= 1

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
            quick = pick_list(act.quick_replies, lang)
        else:
            raise ValueError(f"not a social act: {match.act!r}")
        screen, speech = render(replies, lang, values)
        return screen, speech, quick
