"""`daoban eval`: item retrieval on a question set, and kinds of turn on an edge-conversation set, side by side."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXIT_OK, EXIT_USAGE = 0, 2


def run(args: argparse.Namespace) -> int:
    from bot.evaluate import read_conversations
    from knowledge.engine import KnowledgeEngine
    from knowledge.evaluate import EvalFileError, evaluate, read_cases

    if args.file is None and args.turns is None:
        print("daoban eval: give a question file, --turns EDGE_SET, or both", file=sys.stderr)
        return EXIT_USAGE
    try:
        cases = read_cases(args.file) if args.file is not None else None
        conversations = read_conversations(args.turns) if args.turns is not None else None
    except (EvalFileError, OSError) as exc:
        print(f"daoban eval: {exc}", file=sys.stderr)
        return EXIT_USAGE
    engine = KnowledgeEngine.load(data_dir=args.data, encoder=args.encoder)
    engine.ask("身份证")
    metrics: dict[str, Any] = {}
    details: list[dict[str, Any]] = []
    from bot.assistant import Assistant
    from bot.evaluate import AssistantAsker, evaluate_conversations
    from bot.session.store import MemoryStore

    assistant = Assistant(engine, MemoryStore())
    if cases is not None:
        metrics, records = evaluate(engine, cases)
        details += records
        through, _ = evaluate(AssistantAsker(assistant), cases)
        metrics["assistant"] = {k: through[k] for k in ("top1", "top3", "mrr", "oos_precision", "oos_recall",
                                                        "oos_f1", "p50_ms", "p95_ms")}
    if conversations is not None:
        metrics["turns"], results = evaluate_conversations(assistant, conversations)
        details += [{"conversation": r.conversation, "text": r.text, "expected": r.expected, "kind": r.kind,
                     "ok": r.ok, "problems": r.problems} for r in results]
    if args.details:
        with args.details.open("w", encoding="utf-8") as fh:
            for row in details:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    if args.json:
        print(json.dumps(metrics, ensure_ascii=False))
    else:
        _print(metrics)
    return EXIT_OK


def _print(metrics: dict[str, Any]) -> None:
    turns = metrics.pop("turns", None)
    through = metrics.pop("assistant", None)
    for key, value in metrics.items():
        print(f"{key:>14}: {value}")
    if through is not None:
        print("through the assistant (first turn of a conversation):")
        for key, value in through.items():
            print(f"{key:>14}: {value}")
    if turns is None:
        return
    per_kind = turns.pop("per_kind")
    for key, value in turns.items():
        print(f"{key:>18}: {value}")
    print(f"{'kind':>12} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>4}")
    for kind, row in per_kind.items():
        print(f"{kind:>12} {row['precision']:>9} {row['recall']:>7} {row['f1']:>6} {row['n']:>4}")
