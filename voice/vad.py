"""Voice activity detection and endpointing: when an utterance starts, when it has ended, and when nobody spoke."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from voice.audio import SAMPLE_RATE, pcm_to_float

FRAME_MS = 30
FRAME_BYTES = SAMPLE_RATE * FRAME_MS // 1000 * 2


class VAD(Protocol):
    def is_speech(self, frame: bytes) -> bool:
        """One 30 ms frame of 16 kHz 16-bit mono PCM."""
        ...


class EnergyVAD:
    """Speech when a frame's RMS stands well above a slowly tracked noise floor (fallback without webrtcvad)."""

    def __init__(self, ratio: float = 3.0, min_rms: float = 0.01) -> None:
        self.ratio = ratio
        self.min_rms = min_rms
        self.floor = min_rms / 2

    def is_speech(self, frame: bytes) -> bool:
        x = pcm_to_float(frame)
        rms = float(np.sqrt(np.mean(x * x))) if x.size else 0.0
        speech = rms > max(self.min_rms, self.floor * self.ratio)
        if not speech:
            self.floor = 0.95 * self.floor + 0.05 * max(rms, 1e-4)
        return speech


class WebrtcVAD:
    def __init__(self, aggressiveness: int = 2) -> None:
        import webrtcvad

        self._vad = webrtcvad.Vad(aggressiveness)

    def is_speech(self, frame: bytes) -> bool:
        return bool(self._vad.is_speech(frame, SAMPLE_RATE))


def make_vad(kind: str = "auto", aggressiveness: int = 2) -> WebrtcVAD | EnergyVAD:
    """webrtcvad when installed (or asked for), else the energy detector."""
    if kind in ("auto", "webrtc"):
        try:
            return WebrtcVAD(aggressiveness)
        except ImportError:
            if kind == "webrtc":
                raise
    return EnergyVAD()


@dataclass
class EndpointEvent:
    type: str
    """speech_start, pause (maybe the end: decode now), speech_end (utterance complete), max_length (cut at the
    maximum), no_input."""
    audio: np.ndarray | None = None
    at_s: float = 0.0
    """Stream time (seconds of audio fed) when the event fired."""
    speech_end_s: float = 0.0
    """For speech_end / max_length: stream time of the last voiced frame."""


@dataclass
class Endpointer:
    """Cuts a PCM stream into utterances.

    An utterance starts after `start_frames` voiced frames among the last `window` frames, and ends after
    `end_silence_ms` without speech (600 ms: this is most of the time from end of speech to reply, and the
    longest pause inside a sentence in the dev audio is 570 ms) or at `max_utterance_s`. With push-to-talk the
    button decides instead.
    `no_input_s` after `arm()` without any speech gives one no_input event.
    """

    vad: VAD = field(default_factory=make_vad)
    start_frames: int = 4
    window: int = 8
    end_silence_ms: int = 600
    early_silence_ms: int = 300
    """After this much silence a `pause` event carries the utterance so far, so recognition can start while the
    endpointer still waits for end_silence_ms; if speech resumes, the next pause supersedes it (0: off). Not used
    while `patient`: a number's groups are separated by pauses, and it is decoded whole."""
    long_silence_ms: int = 900
    """Used instead of end_silence_ms while `patient` is set: people pause between the groups of a number."""
    max_utterance_s: float = 15.0
    pre_roll_ms: int = 600
    no_input_s: float | None = 8.0
    push_to_talk: bool = False

    def __post_init__(self) -> None:
        self._buf = b""
        self._t = 0.0
        self._recent: deque[bool] = deque(maxlen=self.window)
        self._pre: deque[bytes] = deque(maxlen=max(1, self.pre_roll_ms // FRAME_MS))
        self._utt: list[bytes] | None = None
        self._silence_ms = 0
        self._last_voiced = 0.0
        self._armed_at: float | None = 0.0 if self.no_input_s else None
        self._ptt_down = False
        self.patient = False

    @property
    def in_speech(self) -> bool:
        return self._utt is not None

    @property
    def time_s(self) -> float:
        return self._t

    def arm(self, delay_s: float = 0.0) -> None:
        """Start the no-input clock, `delay_s` from now (when the assistant will have finished speaking)."""
        self._armed_at = self._t + delay_s if self.no_input_s else None

    def disarm(self) -> None:
        self._armed_at = None

    def press(self) -> None:
        """Push-to-talk button down: everything until release() is one utterance."""
        self._ptt_down = True
        self._utt = list(self._pre)
        self._armed_at = None

    def release(self) -> list[EndpointEvent]:
        self._ptt_down = False
        return [self._close("speech_end")] if self._utt is not None else []

    def flush(self) -> list[EndpointEvent]:
        """The input ended: close an utterance still open."""
        return [self._close("speech_end")] if self._utt is not None else []

    def _close(self, kind: str) -> EndpointEvent:
        audio = pcm_to_float(b"".join(self._utt or []))
        self._utt = None
        self._silence_ms = 0
        self._recent.clear()
        return EndpointEvent(kind, audio, self._t, self._last_voiced)

    def feed(self, pcm: bytes) -> list[EndpointEvent]:
        events: list[EndpointEvent] = []
        self._buf += pcm
        while len(self._buf) >= FRAME_BYTES:
            frame, self._buf = self._buf[:FRAME_BYTES], self._buf[FRAME_BYTES:]
            self._t += FRAME_MS / 1000
            events += self._frame(frame)
        return events

    def _frame(self, frame: bytes) -> list[EndpointEvent]:
        if self.push_to_talk:
            if self._ptt_down and self._utt is not None:
                self._utt.append(frame)
                self._last_voiced = self._t
                if len(self._utt) * FRAME_MS / 1000 >= self.max_utterance_s:
                    self._ptt_down = False
                    return [self._close("max_length")]
            else:
                self._pre.append(frame)
            return []
        voiced = self.vad.is_speech(frame)
        self._recent.append(voiced)
        if self._utt is None:
            self._pre.append(frame)
            if sum(self._recent) >= self.start_frames:
                self._utt = list(self._pre)
                self._silence_ms = 0
                self._last_voiced = self._t
                self._armed_at = None
                return [EndpointEvent("speech_start", at_s=self._t)]
            if self._armed_at is not None and self.no_input_s and self._t - self._armed_at >= self.no_input_s:
                self._armed_at = None
                return [EndpointEvent("no_input", at_s=self._t)]
            return []
        self._utt.append(frame)
        if voiced:
            self._silence_ms = 0
            self._last_voiced = self._t
        else:
            self._silence_ms += FRAME_MS
        if self._silence_ms >= (self.long_silence_ms if self.patient else self.end_silence_ms):
            return [self._close("speech_end")]
        if self.early_silence_ms and not self.patient and \
                self._silence_ms - FRAME_MS < self.early_silence_ms <= self._silence_ms:
            return [EndpointEvent("pause", pcm_to_float(b"".join(self._utt)), self._t, self._last_voiced)]
        if len(self._utt) * FRAME_MS / 1000 >= self.max_utterance_s:
            return [self._close("max_length")]
        return []
