"""Score the engine on a JSON-lines question set: {"q": str, "ids": [str], "field"?: str}; ids [] = out of scope."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from knowledge.normalize import InvalidQuery


@dataclass(frozen=True)
class Case:
    q: str
    ids: tuple[str, ...]
    field: str | None


class EvalFileError(ValueError):
    pass


T = TypeVar("T")


def read_jsonl(path: Path, parse: Callable[[Any], T], what: str) -> list[T]:
    """Every non-blank line of a JSON-lines file through `parse`; EvalFileError names the file and line."""
    rows: list[T] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(parse(json.loads(line)))
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError) as exc:
                raise EvalFileError(f"{path}:{lineno}: not a {what} line ({exc})") from exc
    if not rows:
        raise EvalFileError(f"{path}: no {what}s")
    return rows


def read_cases(path: Path) -> list[Case]:
    return read_jsonl(path, lambda row: Case(str(row["q"]), tuple(row.get("ids") or ()), row.get("field")),
                      "question")


class _Ranked(Protocol):
    item_id: str | None
    field: str | None
    alternatives: list[str]


class Asker(Protocol):
    def ask(self, text: str) -> Any: ...


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def evaluate(engine: Asker, cases: list[Case]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Metrics and one record per question. A declined in-scope question counts as a top-1 miss;
    top-3 and MRR use the answered item followed by the alternatives offered."""
    latencies: list[float] = []
    records = []
    top1 = top3 = 0
    rr = 0.0
    field_hits = field_total = 0
    declined_oos = declined_in_scope = answered_oos = 0
    for case in cases:
        start = time.perf_counter()
        try:
            ans = engine.ask(case.q)
            predicted, field_, ranked = ans.item_id, ans.field, [x for x in [ans.item_id, *ans.alternatives] if x]
        except InvalidQuery:
            predicted, field_, ranked = None, None, []
        latencies.append((time.perf_counter() - start) * 1000)
        declined = predicted is None
        in_scope = bool(case.ids)
        if in_scope:
            hit1 = predicted in case.ids
            top1 += hit1
            top3 += any(r in case.ids for r in ranked[:3])
            rank = next((i for i, r in enumerate(ranked, 1) if r in case.ids), None)
            rr += 1 / rank if rank else 0.0
            if case.field:
                field_total += 1
                field_hits += hit1 and field_ == case.field
            declined_in_scope += declined
        else:
            declined_oos += declined
            answered_oos += not declined
        records.append({"q": case.q, "ids": list(case.ids), "predicted": predicted, "field": field_,
                        "expected_field": case.field, "ranked": ranked[:3]})
    n_in = sum(1 for c in cases if c.ids)
    declined_total = declined_oos + declined_in_scope
    precision = declined_oos / declined_total if declined_total else 0.0
    recall = declined_oos / (declined_oos + answered_oos) if declined_oos + answered_oos else 0.0
    metrics = {
        "n": len(cases),
        "in_scope": n_in,
        "top1": round(top1 / n_in, 4) if n_in else 0.0,
        "top3": round(top3 / n_in, 4) if n_in else 0.0,
        "mrr": round(rr / n_in, 4) if n_in else 0.0,
        "field_acc": round(field_hits / field_total, 4) if field_total else 0.0,
        "oos_precision": round(precision, 4),
        "oos_recall": round(recall, 4),
        "oos_f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(_percentile(latencies, 95), 2),
    }
    return metrics, records
