"""`daoban voice`: wires the voice package's loop to the assistant."""

from __future__ import annotations

import argparse
import sys

from voice.cli_args import add_arguments


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


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("voice", help="voice loop: microphone, or headless on WAV files (--wav)")
    add_arguments(parser)
    parser.set_defaults(func=cmd_voice)
