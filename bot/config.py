"""Assistant settings: idle times per channel, kiosk hygiene, which channels the simulator serves, file paths."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

KIOSK_CHANNELS = frozenset({"kiosk", "robot"})


class Backend(Protocol):
    """The police back-end as the flows see it: a query action in, an event (or None) out."""

    def answer(self, action: dict[str, Any]) -> dict[str, Any] | None: ...


def _env_channels(name: str, default: frozenset[str]) -> frozenset[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return frozenset(c.strip() for c in raw.split(",") if c.strip() and c.strip() != "none")


@dataclass
class AssistantConfig:
    idle_ttl_s: dict[str, int] = field(default_factory=lambda: {"kiosk": 120, "robot": 120})
    """Seconds of inactivity after which a session is wiped, per channel; others use default_ttl_s."""
    default_ttl_s: int = 1800
    wipe_on_complete: frozenset[str] = KIOSK_CHANNELS
    """Channels where a finished or cancelled flow wipes the session, so the next person starts clean."""
    simulate: frozenset[str] = field(
        default_factory=lambda: _env_channels("DAOBAN_SIMULATE", frozenset({"terminal", "web"})))
    """Channels whose kiosk actions (photo, payment, printing, medical check) the built-in simulator answers.
    Real kiosks and robots send the events themselves."""
    backend: Backend | None = None
    """Back-end queries (violations, records, progress); None uses the simulator's sample data."""
    unanswered_path: Path | None = None
    transcript_path: Path | None = field(
        default_factory=lambda: Path(p) if (p := os.environ.get("DAOBAN_TRANSCRIPT")) else None)
    flows_dir: Path | None = None
    session_key: bytes | None = None
    """Key sealing ID numbers and phones in session state; default: $DAOBAN_SESSION_KEY, else a key file."""
    default_lang: str = "zh-Hans"
    answer_cache: int = 2048
    """How many distinct questions keep their answer in memory (0 turns the cache off)."""
    help_after: int = 2
    handoff_after: int = 3

    def ttl_for(self, channel: str) -> int:
        return int(self.idle_ttl_s.get(channel, self.default_ttl_s))
