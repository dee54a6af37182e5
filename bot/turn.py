"""One turn as every channel sees it: the kinds of turn, the Reply (plain dataclasses, JSON-ready) and the Turn
the policy fills in."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from dataclasses import field as _field
from enum import StrEnum
from typing import Any, Literal

State = dict[str, Any]


class TurnKind(StrEnum):
    """What kind of turn a citizen's input is; decided once per turn by bot.understand.classify."""

    EVENT = "event"
    """A client event (kiosk device result, button payload, session opened, idle)."""
    BAD_INPUT = "bad_input"
    """Empty, junk or over-long text."""
    COMMAND = "command"
    """A steering word: repeat, slower, cancel, back, restart, human, help, start, guide."""
    FLOW_INPUT = "flow_input"
    """An answer to the step a flow waits at: a slot value, a choice, yes/no, a correction."""
    SOCIAL = "social"
    """Greeting, thanks, goodbye, who are you, what can you do, where a facility of the hall is."""
    REFUSAL = "refusal"
    """A request that must be refused: another person's data, forged documents, evading enforcement."""
    DEPARTMENT = "department"
    """Another body's business: referred to that body and its hotline."""
    CHITCHAT = "chitchat"
    QUESTION = "question"
    """A question answered from a guide item (one aspect or several)."""
    FOLLOWUP = "followup"
    """A question about the item in focus ("那要多少钱？")."""
    CLARIFY = "clarify"
    """Not clear enough to answer: the assistant asks back or offers choices."""


Expect = Literal["id_number", "plate", "digits6", "command", "yes_no", "phone", "date", "choice", "text"]


@dataclass
class Message:
    text: str
    """Complete screen text (may hold line breaks and numbered lists)."""
    speech: str
    """At most two sentences, numbers written to be read aloud; what TTS says."""


@dataclass
class Button:
    title: str
    payload: str
    """Sent back as the next turn's text (or '/event_name{...}' for events)."""


@dataclass
class Reply:
    session_id: str
    messages: list[Message] = _field(default_factory=list)
    buttons: list[Button] = _field(default_factory=list)
    item_id: str | None = None
    item_title: str | None = None
    field: str | None = None
    actions: list[dict[str, Any]] = _field(default_factory=list)
    """Client actions, e.g. {"type": "kiosk", "do": "read_id_card"}, {"type": "show_qr", "amount": 40, ...},
    {"type": "robot", "go_to": "window-3"}."""
    flow: str | None = None
    step: str | None = None
    progress: tuple[int, int] | None = None
    """(current step number, number of steps) while a flow runs."""
    expect: Expect | None = None
    """What the next turn should contain, so a voice front end can constrain recognition."""
    handoff: bool = False
    lang: str = "zh-Hans"
    card: dict[str, Any] | None = None
    """Structured answer card for rich clients: title, item id, fee, materials, where, hours."""
    wait_event: str | None = None
    """The client event the current flow step waits for (e.g. "payment_done"), so a kiosk knows what to send."""
    simulated: list[dict[str, Any]] = _field(default_factory=list)
    """Events the built-in simulator produced this turn in place of kiosk hardware (personal data masked)."""
    kind: str | None = None
    """The TurnKind of this turn, and for commands and social turns the act (e.g. "command:repeat")."""
    redirect: str | None = None
    """The body a department turn is referred to."""
    speech_rate: str | None = None
    """"slow" when the citizen asked to be spoken to more slowly; a voice front end lowers the TTS rate."""
    ended: bool = False
    """This turn closed the session (a flow done on a kiosk, goodbye, idle): the state is wiped, so a client clears
    what it keeps of the conversation."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def new_state(session_id: str, channel: str, lang: str) -> State:
    return {"v": 1, "id": session_id, "channel": channel, "lang": lang, "flow": None, "focus": None,
            "fails": 0, "turns": 0, "last": None}


@dataclass
class Turn:
    """One turn in progress: the session state it may change and the Reply being built."""

    state: State
    reply: Reply
    channel: str
    simulate: bool
    text: str | None = None
    wipe: bool = False
    expected: str | None = None
    """What the session waited for before this turn (masks the raw input in transcripts)."""

    @property
    def lang(self) -> str:
        return str(self.state["lang"])
