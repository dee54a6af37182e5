"""The `daoban` command line: one entry point for the knowledge base, the assistant, the server and voice."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=None))


def _engine(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from knowledge.engine import KnowledgeEngine

    return KnowledgeEngine.load(data_dir=args.data, encoder=args.encoder)


def cmd_kb_check(args: argparse.Namespace) -> int:
    from knowledge.check import check

    report = check(args.data, args.catalogue)
    if args.json:
        _print_json(report.to_dict())
    else:
        print(report.render())
    return EXIT_OK if report.ok else EXIT_FAIL


def cmd_ask(args: argparse.Namespace) -> int:
    from knowledge.normalize import InvalidQuery, check_query

    try:
        check_query(args.text)
        answer = _engine(args).ask(args.text)
    except InvalidQuery as exc:
        if args.json:
            _print_json({"error": str(exc)})
        print(f"daoban ask: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        _print_json({k: getattr(answer, k) for k in
                     ("item_id", "title", "field", "answer", "speech", "score", "handoff", "alternatives")})
    else:
        print(answer.answer)
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    from knowledge.evaluate import EvalFileError, evaluate, read_cases

    try:
        cases = read_cases(args.file)
    except (EvalFileError, OSError) as exc:
        print(f"daoban eval: {exc}", file=sys.stderr)
        return EXIT_USAGE
    engine = _engine(args)
    engine.ask("身份证")
    metrics, records = evaluate(engine, cases)
    if args.details:
        with args.details.open("w", encoding="utf-8") as fh:
            for r in records:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    if args.json:
        _print_json(metrics)
    else:
        for key, value in metrics.items():
            print(f"{key:>14}: {value}")
    return EXIT_OK


def _add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, default=None, help="knowledge data directory (default: the packaged base)")
    p.add_argument("--encoder", default=None,
                   help="dense encoder: use-m3 (default), e5-small, st:/path/to/model, none (env DAOBAN_ENCODER)")


Registrar = Callable[[argparse._SubParsersAction], None]  # type: ignore[type-arg]


def _optional_commands() -> list[Registrar]:
    """Subcommands that live beside their packages (dialogue, server, voice, rasa), added when importable."""
    found: list[Registrar] = []
    for module in ("bot.cli.chat", "bot.cli.serve", "bot.cli.voice", "bot.cli.rasa", "bot.cli.bench"):
        try:
            mod = __import__(module, fromlist=["register"])
        except ImportError:
            continue
        found.append(mod.register)
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="daoban",
                                     description="导办 — offline assistant for self-service police halls")
    sub = parser.add_subparsers(dest="command", required=True)

    kb = sub.add_parser("kb", help="knowledge base tools")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    p = kb_sub.add_parser("check", help="validate every guide item against the schema and the catalogue")
    p.add_argument("--catalogue", type=Path, default=None, help="catalogue CSV (default: the packaged copy)")
    p.add_argument("--data", type=Path, default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_kb_check)

    p = sub.add_parser("ask", help="answer one question from the knowledge base")
    p.add_argument("text")
    p.add_argument("--json", action="store_true")
    _add_engine_options(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="score retrieval on a JSON-lines question set")
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true")
    p.add_argument("--details", type=Path, default=None, help="write one JSON line per question here")
    _add_engine_options(p)
    p.set_defaults(func=cmd_eval)

    for register in _optional_commands():
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from knowledge.loader import KnowledgeBaseError

    try:
        return int(args.func(args))
    except KnowledgeBaseError as exc:
        print(f"daoban: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
