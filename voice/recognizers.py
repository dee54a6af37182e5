"""Pick a speech recogniser by name; a backend's module (and its model packages) load only when it is picked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voice.asr import Recognizer

BACKENDS = ("whisper", "vosk")


def load_recognizer(kind: str = "whisper", model: str | Path | None = None, vocabulary: list[str] | None = None,
                    **options: Any) -> Recognizer:
    """`whisper` (default: Whisper base from the installed packages) or `vosk` (needs a model directory)."""
    if kind == "whisper":
        from voice.asr_whisper import WhisperRecognizer

        return WhisperRecognizer(model, vocabulary=vocabulary, **options)
    if kind == "vosk":
        from voice.asr_vosk import VoskRecognizer

        return VoskRecognizer(model, vocabulary=vocabulary, **options)
    raise ValueError(f"unknown recogniser {kind!r}: use whisper or vosk")
