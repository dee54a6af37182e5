"""What one turn returns to any channel (web, kiosk, robot, terminal, voice): plain dataclasses, JSON-ready."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from dataclasses import field as _field
from typing import Any, Literal

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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
