"""The checks of classify that need no knowledge engine and no flow: client events, bad input, commands, refusals
(before a flow may take the text), then social turns and small talk (after). The Rasa action server runs them too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.paths import package_data
from bot.turn import TurnKind
from bot.understand.chitchat import SmallTalk
from bot.understand.commands import Commands, parse_event_text
from bot.understand.refusal import Refusals
from bot.understand.social import Social
from bot.understand.understanding import Understanding
from knowledge.normalize import InvalidQuery, check_query, normalize


class Rules:
    def __init__(self, commands: Commands, refusals: Refusals, social: Social, smalltalk: SmallTalk,
                 lawful: tuple[str, ...] = ()) -> None:
        self.commands = commands
        self.refusals = refusals
        self.social = social
        self.smalltalk = smalltalk
        self._lawful = lawful

    @classmethod
    def load(cls) -> Rules:
        return cls(Commands.load(), Refusals.load(), Social.load(), SmallTalk.load(), load_lawful())

    def lawful_need(self, text: str) -> bool:
        """A missing person, a victim, a tip-off or a question about oneself (data/understand/lawful.yaml)."""
        t = normalize(text)
        return any(cue in t for cue in self._lawful)

    def before_flow(self, text: str | None, event: dict[str, Any] | None = None) -> Understanding | None:
        """Steps 1–4: event, bad input, command, refusal; None leaves the text to a flow and the later steps."""
        if event is None and isinstance(text, str) and text.lstrip().startswith("/"):
            event = parse_event_text(text)
        if event is not None:
            return Understanding(TurnKind.EVENT, event=event)
        if text is None:
            return Understanding(TurnKind.EVENT, event={"type": "open"})
        try:
            clean = check_query(text)
        except InvalidQuery:
            return Understanding(TurnKind.BAD_INPUT, text=text if isinstance(text, str) else None,
                                 bad_input=_bad_input_key(text))
        command = self.commands.match(clean)
        if command:
            return Understanding(TurnKind.COMMAND, text=clean, command=command)
        refusal = self.refusals.match(clean)
        if refusal is not None:
            return Understanding(TurnKind.REFUSAL, text=clean, refusal=refusal)
        return None

    def after_flow(self, clean: str) -> Understanding | None:
        """Steps 6–7: the whole utterance is social, or small talk recognised by its own words."""
        social = self.social.match(clean)
        if social is not None:
            return Understanding(TurnKind.SOCIAL, text=clean, social=social)
        chitchat = self.smalltalk.match(clean)
        if chitchat is not None:
            return Understanding(TurnKind.CHITCHAT, text=clean, chitchat=chitchat)
        return None

    def classify(self, text: str) -> Understanding | None:
        """Every rule, for a front end without daoban's flows (the Rasa action server): None leaves it to the NLU."""
        found = self.before_flow(text)
        if found is not None:
            return found
        return self.after_flow(check_query(text))


def load_lawful(path: Path | None = None) -> tuple[str, ...]:
    path = path or package_data() / "understand" / "lawful.yaml"
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    cues = data.get("cues") if isinstance(data, dict) else None
    if not isinstance(cues, list) or not cues:
        raise ValueError(f"{path}: 'cues' must be a non-empty list")
    return tuple(c for c in (normalize(str(w)) for w in cues) if c)


def _bad_input_key(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        return "bad_input_empty"
    if len(text.strip()) > 500:
        return "bad_input_long"
    return "bad_input_junk"
