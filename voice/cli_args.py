"""The options of `daoban voice`, apart from the loop they drive so that building the command line loads nothing."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wav", nargs="+", type=Path, metavar="FILE",
                        help="headless: recognise these 16 kHz mono 16-bit WAV files instead of the microphone")
    parser.add_argument("--json", action="store_true", help="with --wav: one JSON line per file")
    parser.add_argument("--session", default=None, metavar="ID",
                        help="with --wav: one conversation across all files (default: a fresh session per file)")
    parser.add_argument("--asr", choices=("whisper", "vosk"), default="whisper", help="speech recogniser")
    parser.add_argument("--model", type=Path, default=None, metavar="DIR",
                        help="model directory (whisper: a CTranslate2 Whisper model, default the packaged base; "
                             "vosk: required, e.g. vosk-model-small-cn-0.22)")
    parser.add_argument("--out", type=Path, default=Path("out/voice"), metavar="DIR",
                        help="where reply audio is written (default: ./out/voice)")
    parser.add_argument("--expect", default=None, help="with --wav: constrain the first file as the dialogue would "
                        "(id_number, plate, digits6, phone, date, command, yes_no)")
    parser.add_argument("--elderly", action="store_true", help="slower speech")
    parser.add_argument("--no-tts", action="store_true", help="do not synthesise replies")
    parser.add_argument("--push-to-talk", action="store_true", help="microphone: Enter starts and ends an utterance")
    parser.add_argument("--no-input", type=float, default=8.0, metavar="S",
                        help="seconds of silence after a reply before the no_input event (0: never)")
    parser.add_argument("--max-utterance", type=float, default=15.0, metavar="S",
                        help="longest utterance: the microphone cuts there and longer --wav files are refused "
                             "(default 15)")
    parser.add_argument("--vad", choices=("auto", "webrtc", "energy"), default="auto")
    parser.add_argument("--prerender", action="store_true", help="render the common prompts into the cache and exit")
