"""The unanswered-question log: JSON lines with PII masked, read back for improving the knowledge base."""

from __future__ import annotations

import csv
import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from bot.paths import data_dir
from bot.records.privacy import mask_pii, session_hash

FIELDS = ("ts", "question", "reason", "session", "channel", "lang", "item_id", "flow", "step")


def default_path() -> Path:
    return data_dir() / "unanswered.jsonl"


class UnansweredLog:
    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self._lock = threading.Lock()

    def record(self, question: str, reason: str, session_id: str, channel: str, lang: str = "zh-Hans",
               **context: str | None) -> dict[str, Any]:
        """Append one line; the question is masked and the session id replaced by a hash."""
        entry: dict[str, Any] = {
            "ts": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "question": mask_pii(question[:500]),
            "reason": reason,
            "session": session_hash(session_id),
            "channel": channel,
            "lang": lang,
        }
        entry.update({k: mask_pii(v) for k, v in context.items() if v})
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)
        return entry

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line:
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError:
                        continue

    def read(self, since: dt.datetime | None = None) -> list[dict[str, Any]]:
        rows = list(self)
        if since is None:
            return rows
        return [r for r in rows if dt.datetime.fromisoformat(r["ts"]) >= since]

    def export(self, out: TextIO, fmt: str = "jsonl") -> int:
        """Write every entry as JSON lines or CSV; returns how many."""
        rows = self.read()
        if fmt == "csv":
            writer = csv.DictWriter(out, fieldnames=FIELDS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        elif fmt == "jsonl":
            for r in rows:
                out.write(json.dumps(r, ensure_ascii=False) + "\n")
        else:
            raise ValueError(f"unknown export format {fmt!r}: use jsonl or csv")
        return len(rows)
