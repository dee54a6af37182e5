"""The dialogue side of daoban: sessions, kiosk flows, follow-ups, hand-over, languages (see docs/dialogue.md).

The public surface is importable from here; modules load on first use so `daoban` subcommands stay quick.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Assistant": "bot.assistant",
    "AssistantConfig": "bot.config",
    "Reply": "bot.turn",
    "Message": "bot.turn",
    "Button": "bot.turn",
    "SessionStore": "bot.session.store",
    "MemoryStore": "bot.session.store",
    "SqliteStore": "bot.session.store",
    "UnansweredLog": "bot.records.unanswered",
    "Simulator": "bot.flow.simulator",
    "mask_pii": "bot.records.privacy",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'bot' has no attribute {name!r}")
