"""`daoban rasa export DIR` and `daoban rasa bench`: Rasa interoperability from the command line."""

from __future__ import annotations

import argparse
import json
import runpy
import sys
from pathlib import Path

BENCH_SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "rasa_vs_daoban.py"


def cmd_export(args: argparse.Namespace) -> int:
    from bot.rasa import ExportOptions, export_project

    options = ExportOptions(mode=args.mode, epochs=args.epochs, fallback_threshold=args.fallback_threshold,
                            action_url=args.action_url, transformer_layers=args.transformer_layers)
    report = export_project(args.directory, options, data_dir=args.data, flows_dir=args.flows)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print(f"Rasa 3.6 project written to {args.directory} ({report.mode} mode)")
        print(f"  intents {report.intents}, examples {report.examples} "
              f"({report.dropped_ambiguous} left out: same text under two intents), rules {report.rules}")
        if report.retrieval_responses:
            print(f"  retrieval responses {report.retrieval_responses}")
        print(f"  forms {len(report.forms)}: {', '.join(report.forms) or '-'}")
        print(f"  form slots: {', '.join(report.slots) or '-'}")
        for problem in report.problems:
            print(f"  problem: {problem}", file=sys.stderr)
        print(f"next: scripts/rasa_run.sh {args.directory}   (train, then serve on 127.0.0.1 with the action server)")
    return 1 if report.problems else 0


def cmd_bench(args: argparse.Namespace) -> int:
    if not BENCH_SCRIPT.exists():
        print(f"daoban rasa bench: {BENCH_SCRIPT} not found (it ships with the source tree, not the wheel)",
              file=sys.stderr)
        return 2
    argv = ["--mode", args.mode, "--epochs", str(args.epochs), "--requests", str(args.requests),
            "--clients", args.clients]
    for name in ("questions", "out", "work"):
        if getattr(args, name) is not None:
            argv += [f"--{name}", str(getattr(args, name))]
    argv += ["--reuse-model"] * args.reuse_model + ["--no-mode-comparison"] * args.no_mode_comparison
    bench = runpy.run_path(str(BENCH_SCRIPT), run_name="daoban_rasa_bench")
    return int(bench["main"](argv))


def register(subparsers: argparse._SubParsersAction) -> None:
    rasa = subparsers.add_parser("rasa", help="Rasa interoperability: export a Rasa 3.6 project, compare with Rasa")
    sub = rasa.add_subparsers(dest="rasa_command", required=True)

    p = sub.add_parser("export", help="write a Rasa 3.6 project (config, domain, NLU, rules, forms) to DIR")
    p.add_argument("directory", type=Path, metavar="DIR")
    p.add_argument("--mode", choices=("intents", "retrieval"), default="intents",
                   help="intents: one intent per item (default); retrieval: one retrieval intent + ResponseSelector "
                        "(measured worse and 2-3x slower to train: docs/rasa.md)")
    p.add_argument("--epochs", type=int, default=40, help="DIET / ResponseSelector epochs (default 40)")
    p.add_argument("--transformer-layers", type=int, default=0,
                   help="DIET transformer layers (default 0: bag of features; Rasa's own default is 2)")
    p.add_argument("--fallback-threshold", type=float, default=0.3,
                   help="FallbackClassifier threshold: below it the turn goes to the human route (default 0.3)")
    p.add_argument("--action-url", default="http://127.0.0.1:5055/webhook", help="action server webhook")
    p.add_argument("--data", type=Path, default=None, help="knowledge data directory (default: the packaged base)")
    p.add_argument("--flows", type=Path, default=None, help="flow directory (default: the packaged flows)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("bench", help="daoban vs Rasa side by side on this machine (runs bench/rasa_vs_daoban.py)")
    p.add_argument("--questions", type=Path, default=None, help="questions (default ../shared/eval/dev.jsonl)")
    p.add_argument("--out", type=Path, default=None, help="Markdown table (default docs/benchmarks.md)")
    p.add_argument("--work", type=Path, default=None, help="working folder (default .rasa-work/bench)")
    p.add_argument("--mode", choices=("intents", "retrieval"), default="intents",
                   help="the Rasa project measured in full (default intents)")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--requests", type=int, default=250, help="requests per throughput level")
    p.add_argument("--clients", default="1,4", help="concurrent clients per throughput level (default 1,4)")
    p.add_argument("--reuse-model", action="store_true", help="reuse models trained by an earlier run")
    p.add_argument("--no-mode-comparison", action="store_true", help="do not train and score the other Rasa mode")
    p.set_defaults(func=cmd_bench)
