"""Kinds of turn: precision and recall per kind on the edge-conversation sets, beside the item figures on a
question set asked through the whole assistant, and the time each kind of turn takes.

    .venv/bin/python bench/turns_bench.py [--questions ../shared/eval/dev.jsonl] [--json]

The edge sets are bench/data/edge_turns.jsonl (written with the vocabularies in view) and
bench/data/edge_turns_fresh.jsonl (written without them: the better guess of what unseen conversations score).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATA = Path(__file__).resolve().parent / "data"
SETS = {"edge": DATA / "edge_turns.jsonl", "fresh": DATA / "edge_turns_fresh.jsonl"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=Path, default=None, help="question lines {q, ids} (e.g. dev.jsonl)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from bot.assistant import Assistant
    from bot.evaluate import AssistantAsker, evaluate_conversations, read_conversations
    from bot.session.store import MemoryStore
    from knowledge.engine import KnowledgeEngine
    from knowledge.evaluate import evaluate, read_cases

    engine = KnowledgeEngine.load()
    assistant = Assistant(engine, MemoryStore(), None)
    assistant.handle(None, "补办身份证要带什么")
    report: dict[str, Any] = {}
    for name, path in SETS.items():
        metrics, _ = evaluate_conversations(assistant, read_conversations(path))
        report[name] = metrics
    if args.questions is not None:
        through, _ = evaluate(AssistantAsker(assistant), read_cases(args.questions))
        report["questions"] = through
    report["ms_per_kind"] = _timings(assistant, read_conversations(SETS["edge"]))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0
    for name in SETS:
        m = report[name]
        print(f"{name}: turns {m['turns']}, pass {m['turn_pass']}, kind accuracy {m['kind_accuracy']}, "
              f"refusals held {m['refusals_held']}, restarts said {m['restarts_said']}")
        for kind, row in m["per_kind"].items():
            print(f"  {kind:>11}  P {row['precision']:<5}  R {row['recall']:<5}  F1 {row['f1']:<5}  n {row['n']}")
    if "questions" in report:
        q = report["questions"]
        print(f"questions through the assistant: top1 {q['top1']} top3 {q['top3']} oos_f1 {q['oos_f1']}")
    for kind, ms in report["ms_per_kind"].items():
        print(f"  {kind:>11}  p50 {ms['p50']} ms  p95 {ms['p95']} ms")
    return 0


def _timings(assistant: Any, conversations: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Milliseconds per turn by the kind the assistant decided (a second pass, so caches are warm as in service)."""
    times: dict[str, list[float]] = defaultdict(list)
    for _ in range(2):
        times.clear()
        for conv in conversations:
            session = None
            for turn in conv["turns"]:
                start = time.perf_counter()
                reply, understood = assistant.turn(session, turn["text"])
                times[str(understood.kind) if understood else "error"].append((time.perf_counter() - start) * 1000)
                session = reply.session_id
    return {k: {"p50": round(statistics.median(v), 2), "p95": round(sorted(v)[int(0.95 * (len(v) - 1))], 2)}
            for k, v in sorted(times.items())}


if __name__ == "__main__":
    sys.exit(main())
