"""`daoban voice`: wires the voice package's loop to the assistant."""

from __future__ import annotations

import argparse


def cmd_voice(args: argparse.Namespace) -> int:
    try:
        from voice.cli import run
    except ImportError as exc:
        print(f"daoban voice: the voice extras are not installed ({exc.name}); run: pip install -e '.[voice]'")
        return 2
    from bot.assistant import Assistant

    return run(args, Assistant())


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
