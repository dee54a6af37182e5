"""What a turn was understood as: its kind and what was found deciding it, shared by classify, the rules and the
policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.flow.runner import FlowState, Output
from bot.turn import TurnKind
from bot.understand.refusal import RefusalMatch
from bot.understand.social import SocialMatch
from knowledge.engine import Answer


@dataclass
class Understanding:
    """The kind of one turn and what was found deciding it, so the policy never decides it again."""

    kind: TurnKind
    text: str | None = None
    event: dict[str, Any] | None = None
    command: str | None = None
    social: SocialMatch | None = None
    refusal: RefusalMatch | None = None
    chitchat: str | None = None
    """For small talk recognised by its own words: the category (insult, injection, spam, hall_comfort)."""
    answer: Answer | None = None
    """The engine's verdict on the text (computed at most once), or the answer about the item in focus."""
    aspects: list[str] = field(default_factory=list)
    """Every aspect asked, in the order asked, when a question names more than one."""
    more: list[Answer] = field(default_factory=list)
    """A second item asked in the same question ("驾照丢了补办，行驶证也丢了"), answered after the first."""
    switch_choices: list[str] = field(default_factory=list)
    """Items to offer when "不是这个" came with nothing else."""
    flow_state: FlowState | None = None
    flow_out: Output | None = None
    """For flow input: the flow state after the step took the text, and what the flow says next."""
    bad_input: str | None = None
    """For bad input: the message key (bad_input_empty, bad_input_long, bad_input_junk)."""
    unclear: str | None = None
    """For clarify: switch (which other item?), aspect_only (which service?), vague (only generic words),
    not_understood (inside a flow), low_confidence (nothing found)."""

    @property
    def label(self) -> str:
        """The kind with its act, as reported to clients and in evaluation: 'command:repeat', 'social:thanks'."""
        if self.kind is TurnKind.COMMAND and self.command:
            return f"command:{self.command}"
        if self.kind is TurnKind.SOCIAL and self.social is not None:
            return f"social:{self.social.act}"
        return str(self.kind)
