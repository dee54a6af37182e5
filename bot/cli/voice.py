"""`daoban voice`: wires the voice package's loop to the assistant."""

from __future__ import annotations

import argparse
import sys


def _missing_extras(exc: ImportError) -> int:
    print(f"daoban voice: the voice extras are not installed ({exc.name}); run: pip install -e '.[voice]'",
          file=sys.stderr)
    return 2


def cmd_voice(args: argparse.Namespace) -> int:
    try:
        from voice.cli import run
    except ImportError as exc:
        return _missing_extras(exc)
    from bot.assistant import Assistant

    try:
        return run(args, Assistant())
    except ImportError as exc:
        return _missing_extras(exc)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("voice", help="voice loop: microphone, or headless on WAV files (--wav)")
    try:
        from voice.cli import add_arguments
    except ImportError:
        parser.add_argument("args", nargs=argparse.REMAINDER)
        parser.set_defaults(func=cmd_voice)
        return
    add_arguments(parser)
    parser.set_defaults(func=cmd_voice)
