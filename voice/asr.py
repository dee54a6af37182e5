"""One small interface for speech recognition: whole utterances or a stream of PCM chunks, every backend alike.

Backends (voice.asr_whisper, voice.asr_vosk) implement it; voice.recognizers picks one by name."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np

from voice.audio import SAMPLE_RATE, pcm_to_float
from voice.numbers import understand
from voice.vocab import SoundAlike


class ModelError(RuntimeError):
    """The speech model is missing or damaged; the message says what to install or where to point."""


@dataclass
class Transcript:
    text: str
    """What the dialogue receives: clean digits / plate / command words when `expect` was met, else the words."""
    raw: str
    """The recogniser's best hypothesis (Simplified Chinese)."""
    expect: str | None = None
    value: str | None = None
    """The parsed value (ID number, plate, command key, ISO date) when the utterance fitted `expect`."""
    alternatives: list[str] = field(default_factory=list)
    audio_s: float = 0.0
    asr_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class RecognizerStream(Protocol):
    def accept(self, pcm: bytes) -> str | None:
        """Feed 16 kHz 16-bit mono PCM; returns a new partial text when there is one."""
        ...

    def finish(self) -> Transcript:
        ...


class Recognizer(Protocol):
    name: str

    def transcribe(self, audio: np.ndarray, expect: str | None = None) -> Transcript:
        """float32 mono samples at 16 kHz → Transcript."""
        ...

    def stream(self, expect: str | None = None) -> RecognizerStream:
        ...


def finish_transcript(raw: str, alternatives: list[str], expect: str | None, audio_s: float,
                      started: float, corrector: SoundAlike | None = None) -> Transcript:
    """Apply the expect constraint (digits, plate, commands) to the hypotheses, put service words back by sound
    when nothing was constrained, and time the whole decode."""
    u = understand(raw, expect, alternatives)
    text = corrector.correct(u.text) if corrector is not None and u.value is None else u.text
    return Transcript(text=text, raw=raw, expect=expect, value=u.value, alternatives=alternatives,
                      audio_s=audio_s, asr_ms=round((time.perf_counter() - started) * 1000, 1))


class BufferedStream:
    """Streaming over a whole-utterance recogniser: buffers audio, optionally re-decodes for partial text."""

    def __init__(self, recognizer: Recognizer, expect: str | None, partial_every_s: float = 0.0,
                 max_seconds: float = 30.0) -> None:
        self.recognizer = recognizer
        self.expect = expect
        self.partial_every = int(partial_every_s * SAMPLE_RATE)
        self.max_samples = int(max_seconds * SAMPLE_RATE)
        self._chunks: list[np.ndarray] = []
        self._n = 0
        self._next_partial = self.partial_every
        self._last_partial = ""

    def accept(self, pcm: bytes) -> str | None:
        samples = pcm_to_float(pcm)
        room = self.max_samples - self._n
        if room <= 0:
            return None
        self._chunks.append(samples[:room])
        self._n += min(len(samples), room)
        if self.partial_every and self._n >= self._next_partial:
            self._next_partial = self._n + self.partial_every
            text = self.recognizer.transcribe(self.audio(), None).raw
            if text and text != self._last_partial:
                self._last_partial = text
                return text
        return None

    def audio(self) -> np.ndarray:
        return np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.float32)

    def finish(self) -> Transcript:
        return self.recognizer.transcribe(self.audio(), self.expect)
