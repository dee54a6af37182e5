"""VoiceStream: feed 16 kHz 16-bit mono PCM chunks, get speech_start / partial / final / no_input events.

Transport-free, for the server's WebSocket /v1/voice or any other socket: the caller sends the events on and
passes the final text to the assistant (then calls `expect()` with the reply's `expect`).
"""

from __future__ import annotations

from typing import Any

from voice.asr import Recognizer, RecognizerStream
from voice.audio import SAMPLE_RATE
from voice.numbers import NUMERIC_EXPECTS
from voice.vad import Endpointer


class VoiceStream:
    def __init__(self, recognizer: Recognizer, endpointer: Endpointer | None = None, expect: str | None = None,
                 partials: bool = True) -> None:
        self.recognizer = recognizer
        self.endpointer = endpointer or Endpointer()
        self._expect = expect
        self.endpointer.patient = expect in NUMERIC_EXPECTS
        self.partials = partials
        self._stream: RecognizerStream | None = None
        # (last voiced time, final event) decoded at a pause: sent if the pause turns out to be the end
        self._early: tuple[float, dict[str, Any]] | None = None
        self.bytes_in = 0

    def expect(self, expect: str | None) -> None:
        """What the next utterance should hold (the last reply's `expect`): constrains recognition."""
        self._expect = expect
        self.endpointer.patient = expect in NUMERIC_EXPECTS

    def arm(self, delay_s: float = 0.0) -> None:
        self.endpointer.arm(delay_s)

    def feed(self, pcm: bytes) -> list[dict[str, Any]]:
        """Events produced by this chunk, in order. Odd-length chunks raise AudioError."""
        self.bytes_in += len(pcm)
        out: list[dict[str, Any]] = []
        for ev in self.endpointer.feed(pcm):
            if ev.type == "speech_start":
                out.append({"type": "speech_start", "at_s": round(ev.at_s, 3)})
                if self.partials:
                    self._stream = self.recognizer.stream(None)
            elif ev.type == "pause" and ev.audio is not None:
                self._early = (ev.speech_end_s, self._final(ev.audio, False))
            elif ev.type in ("speech_end", "max_length") and ev.audio is not None:
                self._stream = None
                early, self._early = self._early, None
                if early is not None and early[0] == ev.speech_end_s and ev.type == "speech_end":
                    out.append({**early[1], "audio_s": round(len(ev.audio) / SAMPLE_RATE, 3)})
                else:
                    out.append(self._final(ev.audio, ev.type == "max_length"))
            elif ev.type == "no_input":
                out.append({"type": "no_input", "at_s": round(ev.at_s, 3)})
        if self._stream is not None and self.endpointer.in_speech:
            text = self._stream.accept(pcm)
            if text:
                out.append({"type": "partial", "text": text})
        return out

    def _final(self, audio: Any, cut: bool) -> dict[str, Any]:
        t = self.recognizer.transcribe(audio, self._expect)
        return {"type": "final", "text": t.text, "raw": t.raw, "value": t.value, "expect": t.expect,
                "asr_ms": t.asr_ms, "audio_s": round(len(audio) / SAMPLE_RATE, 3), "cut": cut}

    def press(self) -> None:
        """Push-to-talk down (the endpointer must have been made with push_to_talk=True)."""
        self.endpointer.press()

    def release(self) -> list[dict[str, Any]]:
        return [self._final(ev.audio, False) for ev in self.endpointer.release() if ev.audio is not None]

    def end(self) -> list[dict[str, Any]]:
        """The client stopped sending: a final for speech still open, if any."""
        return [self._final(ev.audio, False) for ev in self.endpointer.flush() if ev.audio is not None]
