"""The `daoban` command line: one entry point for the knowledge base, the assistant, the server and voice."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
BUILTIN_COMMANDS = ("kb", "ask", "eval")


def _print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=None))


def cmd_kb_check(args: argparse.Namespace) -> int:
    from knowledge.check import check

    report = check(args.data, args.catalogue)
    if args.json:
        _print_json(report.to_dict())
    else:
        print(report.render())
    return EXIT_OK if report.ok else EXIT_FAIL


def cmd_ask(args: argparse.Namespace) -> int:
    from bot.cli.ask import run

    return run(args)


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.cli.evaluate import run

    return run(args)


def _add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, default=None, help="knowledge data directory (default: the packaged base)")
    p.add_argument("--encoder", default=None,
                   help="dense encoder: use-m3 (default), e5-small, st:/path/to/model, none (env DAOBAN_ENCODER)")


SUBCOMMANDS = {
    "chat": "bot.cli.chat", "flows": "bot.cli.chat", "unanswered": "bot.cli.chat",
    "serve": "bot.cli.serve", "admin": "bot.cli.serve",
    "voice": "bot.cli.voice",
    "rasa": "bot.cli.rasa",
}
"""Subcommands registered by the module beside their package: each module's `register(subparsers)` adds its own."""


def _command_modules(argv: Sequence[str] | None) -> list[str]:
    """The module of the subcommand argv names, so that a command imports no other command's module; every module
    when argv names none of them (``--help``, a mistyped command) or is not given."""
    name = next((a for a in argv if not a.startswith("-")), None) if argv is not None else None
    if name in SUBCOMMANDS:
        return [SUBCOMMANDS[name]]
    if name in BUILTIN_COMMANDS:
        return []
    return list(dict.fromkeys(SUBCOMMANDS.values()))


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The full parser, or with argv the parser for the subcommand it names (see `_command_modules`)."""
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

    p = sub.add_parser("eval", help="score retrieval on a question set and kinds of turn on an edge set")
    p.add_argument("file", type=Path, nargs="?", default=None, help='question lines {"q", "ids", "field"?}')
    p.add_argument("--turns", type=Path, default=None,
                   help="edge conversations (bench/data/edge_turns.jsonl): precision and recall per kind of turn")
    p.add_argument("--json", action="store_true")
    p.add_argument("--details", type=Path, default=None, help="write one JSON line per question or turn here")
    _add_engine_options(p)
    p.set_defaults(func=cmd_eval)

    for module in _command_modules(argv):
        import_module(module).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    args = build_parser(argv).parse_args(argv)
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
