"""An optional transcript of turns (JSON lines), written with every personal number masked."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

from bot.flow.validators import SENSITIVE
from bot.records.privacy import mask_pii, mask_value, session_hash
from bot.turn import Reply


def masked_input(text: str | None, expect: str | None) -> str | None:
    """What the citizen typed, safe to keep: a whole answer to a personal-data question is masked as that kind."""
    if text is None:
        return None
    if expect in SENSITIVE:
        return mask_value(expect, text.strip())
    if expect == "text":
        # a flow's free-text step asks for a postal or home address
        return mask_value("address", text.strip())
    return mask_pii(text)


def masked_event(event: dict[str, Any] | None) -> dict[str, Any] | None:
    if event is None:
        return None
    return {k: mask_pii(v) if isinstance(v, str) else v for k, v in event.items() if k != "violations"}


class Transcript:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def write(self, session_id: str, channel: str, text: str | None, event: dict[str, Any] | None,
              expected: str | None, reply: Reply) -> None:
        entry = {
            "ts": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "session": session_hash(session_id),
            "channel": channel,
            "lang": reply.lang,
            "in": masked_input(text, expected),
            "event": masked_event(event),
            "out": [mask_pii(m.text) for m in reply.messages],
            "flow": reply.flow,
            "step": reply.step,
            "item": reply.item_id,
            "handoff": reply.handoff,
        }
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)
