"""Offline voice for kiosks and lobby robots: speech recognition (faster-whisper, vosk), turn-taking, spoken-number
normalisation and speech synthesis (pyttsx3). Heavy models load only when a recogniser or synthesiser is made.

The public surface is importable from here; modules load on first use, so `voice.cli_args` (the options of
`daoban voice`) costs nothing to import.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "is_valid_id": "knowledge.identifiers",
    "ModelError": "voice.asr",
    "Recognizer": "voice.asr",
    "RecognizerStream": "voice.asr",
    "Transcript": "voice.asr",
    "SAMPLE_RATE": "voice.audio",
    "AudioError": "voice.audio",
    "read_wav": "voice.audio",
    "write_wav": "voice.audio",
    "AssistantLike": "voice.loop",
    "TurnResult": "voice.loop",
    "VoiceLoop": "voice.loop",
    "VoiceSession": "voice.loop",
    "Understood": "voice.numbers",
    "parse_id": "voice.numbers",
    "parse_plate": "voice.numbers",
    "understand": "voice.numbers",
    "load_recognizer": "voice.recognizers",
    "VoiceStream": "voice.stream",
    "PromptCache": "voice.tts",
    "Pyttsx3Synthesizer": "voice.tts",
    "speech_text": "voice.tts",
    "Endpointer": "voice.vad",
    "build_prompt": "voice.vocab",
    "load_vocabulary": "voice.vocab",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'voice' has no attribute {name!r}")
