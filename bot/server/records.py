"""Feedback and the per-turn log behind the analytics: JSON lines under the state directory, PII masked."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any, TextIO

from bot.records.privacy import session_hash
from bot.turn import Reply


class JsonLines:
    """Append-only JSON lines file; one write per line so concurrent instances on one disk interleave safely."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._fh: TextIO | None = None
        path.parent.mkdir(parents=True, exist_ok=True)

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            if self._fh is None or self._fh.closed:
                self._fh = self.path.open("a", encoding="utf-8", buffering=1)
            self._fh.write(line)

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None

    def read(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict):
                    yield record


def _now() -> tuple[str, str]:
    t = time.localtime()
    return time.strftime("%Y-%m-%dT%H:%M:%S", t), time.strftime("%Y-%m-%d", t)


def turn_record(reply: Reply, channel: str, kind: str, latency_s: float, declined: bool) -> dict[str, Any]:
    """What analytics keeps of a turn: no text, no slot values, only what was answered and how."""
    ts, day = _now()
    return {"ts": ts, "day": day, "channel": channel, "kind": kind, "lang": reply.lang, "item_id": reply.item_id,
            "item_title": reply.item_title, "field": reply.field, "flow": reply.flow, "step": reply.step,
            "handoff": reply.handoff, "unanswered": declined, "ms": round(latency_s * 1000, 2)}


def _nothing() -> Collection[str]:
    return ()


class Records:
    def __init__(self, data_dir: Path, mask: Callable[[str], str]) -> None:
        self.turns = JsonLines(data_dir / "turns.jsonl")
        self.feedback = JsonLines(data_dir / "feedback.jsonl")
        self.mask = mask
        self.known_items: Callable[[], Collection[str]] = _nothing
        """The guide item ids feedback may name (the loaded catalogue); others are stored as null."""
        self.known_flows: Callable[[], Collection[str]] = _nothing
        """The flow names feedback may name; others are stored as null."""

    def close(self) -> None:
        self.turns.close()
        self.feedback.close()

    def add_feedback(self, session_id: str | None, rating: str, item_id: str | None, flow: str | None,
                     comment: str | None, channel: str) -> dict[str, Any]:
        ts, day = _now()
        record = {"ts": ts, "day": day, "session": session_hash(session_id) if session_id else None,
                  "rating": rating, "item_id": item_id if item_id in self.known_items() else None,
                  "flow": flow if flow in self.known_flows() else None, "channel": channel,
                  "comment": self.mask(comment) if comment else None}
        self.feedback.append(record)
        return record

    def analytics(self, unanswered: list[dict[str, Any]], top: int = 10) -> dict[str, Any]:
        turns = 0
        handoffs = 0
        by_channel: Counter[str] = Counter()
        by_lang: Counter[str] = Counter()
        by_day: Counter[str] = Counter()
        items: Counter[str] = Counter()
        titles: dict[str, str] = {}
        flows: Counter[str] = Counter()
        latency: list[float] = []
        for r in self.turns.read():
            turns += 1
            handoffs += bool(r.get("handoff"))
            by_channel[str(r.get("channel"))] += 1
            by_lang[str(r.get("lang"))] += 1
            by_day[str(r.get("day"))] += 1
            if r.get("item_id"):
                items[r["item_id"]] += 1
                titles[r["item_id"]] = r.get("item_title") or ""
            if r.get("flow"):
                flows[r["flow"]] += 1
            if isinstance(r.get("ms"), int | float):
                latency.append(float(r["ms"]))
        up: Counter[str] = Counter()
        down: Counter[str] = Counter()
        for f in self.feedback.read():
            key = self.mask(str(f.get("item_id") or f.get("flow") or "-"))
            (up if f.get("rating") == "up" else down)[key] += 1
        unanswered_days: Counter[str] = Counter(str(u.get("day") or str(u.get("ts", ""))[:10]) for u in unanswered)
        latency.sort()
        return {
            "turns": turns,
            "handoffs": handoffs,
            "handoff_rate": round(handoffs / turns, 4) if turns else 0.0,
            "turns_by_channel": dict(by_channel),
            "turns_by_lang": dict(by_lang),
            "turns_by_day": dict(sorted(by_day.items())),
            "top_items": [{"item_id": i, "title": titles.get(i, ""), "turns": n} for i, n in items.most_common(top)],
            "top_flows": [{"flow": f, "turns": n} for f, n in flows.most_common(top)],
            "unanswered": len(unanswered),
            "unanswered_by_day": dict(sorted(unanswered_days.items())),
            "feedback": {"up": sum(up.values()), "down": sum(down.values()),
                         "by_item": {k: {"up": up[k], "down": down[k]} for k in sorted(set(up) | set(down))}},
            "latency_ms": {"p50": _pct(latency, 0.5), "p95": _pct(latency, 0.95), "p99": _pct(latency, 0.99)},
        }


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return values[min(len(values) - 1, int(q * len(values)))]

