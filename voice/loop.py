"""The voice turn: audio in, recognised with what the dialogue expects, the assistant's reply out as speech.

`VoiceSession` does one turn at a time (files, tests, the server); `VoiceLoop` adds turn-taking on a live stream:
endpointing, no-input events, the person-approached trigger, and barge-in (speech while the assistant talks stops
playback and becomes the next turn).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from voice.asr import Recognizer, Transcript
from voice.numbers import NUMERIC_EXPECTS
from voice.tts import ELDERLY_RATE, NORMAL_RATE, PromptCache, speech_text, split_sentences, wav_samples
from voice.vad import Endpointer


class AssistantLike(Protocol):
    def handle(self, session_id: str | None, text: str | None = None, event: dict[str, Any] | None = None,
               lang: str | None = None, channel: str = "voice") -> Any:
        ...


class Player(Protocol):
    def play(self, samples: np.ndarray, sample_rate: int) -> None:
        """Start playing without blocking."""
        ...

    def stop(self) -> None:
        ...

    def is_playing(self) -> bool:
        ...


def reply_speech(reply: Any) -> str:
    """What to say for a reply: each message's speech text (or its text)."""
    parts = [getattr(m, "speech", "") or getattr(m, "text", "") for m in getattr(reply, "messages", [])]
    return "".join(p if p.endswith(("。", "！", "？", ".", "!", "?")) else p + "。" for p in parts if p)


def reply_text(reply: Any) -> str:
    return "\n".join(getattr(m, "text", "") for m in getattr(reply, "messages", []))


@dataclass
class TurnResult:
    transcript: Transcript | None
    reply: Any
    speech: str
    audio: list[Path] = field(default_factory=list)
    """One WAV per spoken sentence, in order."""
    bot_ms: float = 0.0
    first_audio_ms: float = 0.0
    """From the end of recognition to the first sentence's audio being ready (bot + synthesis or cache)."""

    def samples(self) -> tuple[np.ndarray, int]:
        """All sentences as one signal (the rate of the synthesised files)."""
        parts = [wav_samples(p) for p in self.audio]
        rate = parts[0][1] if parts else 22050
        return (np.concatenate([s for s, _ in parts]) if parts else np.zeros(0, np.float32)), rate


class VoiceSession:
    """One citizen's conversation by voice: keeps the session id and what the dialogue expects next."""

    def __init__(self, assistant: AssistantLike, recognizer: Recognizer, cache: PromptCache | None = None,
                 session_id: str | None = None, lang: str | None = None) -> None:
        self.assistant = assistant
        self.recognizer = recognizer
        self.cache = cache
        self.session_id = session_id
        self.lang = lang
        self.expect: str | None = None

    def listen(self, audio: np.ndarray) -> Transcript:
        return self.recognizer.transcribe(audio, self.expect)

    def turn(self, audio: np.ndarray) -> TurnResult:
        """Recognise one utterance, ask the assistant, synthesise the reply (first sentence first)."""
        return self.respond(self.listen(audio))

    def respond(self, transcript: Transcript) -> TurnResult:
        """The turn for an utterance already recognised (e.g. decoded at a pause, before the endpoint)."""
        if not transcript.text.strip():
            result = self._respond(None, {"type": "no_input"})
        else:
            result = self._respond(transcript.text, None)
        result.transcript = transcript
        return result

    def event(self, event: dict[str, Any]) -> TurnResult:
        return self._respond(None, event)

    def typed(self, text: str) -> TurnResult:
        """A line typed on the kiosk's screen instead of spoken."""
        return self._respond(text, None)

    def _respond(self, text: str | None, event: dict[str, Any] | None) -> TurnResult:
        started = time.perf_counter()
        reply = self.assistant.handle(self.session_id, text=text, event=event, lang=self.lang, channel="voice")
        bot_ms = (time.perf_counter() - started) * 1000
        self.session_id = getattr(reply, "session_id", self.session_id)
        self.expect = getattr(reply, "expect", None)
        if getattr(reply, "speech_rate", None) == "slow":
            self.set_elderly(True)
        speech = speech_text(reply_speech(reply))
        result = TurnResult(None, reply, speech, bot_ms=round(bot_ms, 1))
        for i, sentence in enumerate(split_sentences(speech)):
            if self.cache is None:
                break
            result.audio.append(self.cache.render(sentence))
            if i == 0:
                result.first_audio_ms = round((time.perf_counter() - started) * 1000, 1)
        return result

    def set_elderly(self, on: bool = True) -> None:
        """Slower speech for elderly citizens (a kiosk button or a flow setting)."""
        synth = getattr(self.cache, "synthesizer", None)
        if synth is not None and hasattr(synth, "set_rate"):
            synth.set_rate(ELDERLY_RATE if on else NORMAL_RATE)


class VoiceLoop:
    """Turn-taking on a live PCM stream; `feed` is called with microphone chunks, replies go to the player."""

    def __init__(self, session: VoiceSession, endpointer: Endpointer, player: Player | None = None) -> None:
        self.session = session
        self.endpointer = endpointer
        self.player = player
        self.barge_ins = 0
        self.results: list[TurnResult] = []
        self._early: tuple[float, Transcript] | None = None

    def approached(self) -> TurnResult:
        """A person stepped up (camera, radar or a kiosk sensor): greet them in a fresh dialogue."""
        return self._play(self.session.event({"type": "person_approached"}))

    def press(self) -> None:
        """Push-to-talk down; also stops the assistant talking."""
        if self.player is not None and self.player.is_playing():
            self.player.stop()
            self.barge_ins += 1
        self.endpointer.press()

    def release(self) -> list[TurnResult]:
        return [self._play(self.session.turn(ev.audio)) for ev in self.endpointer.release() if ev.audio is not None]

    def feed(self, pcm: bytes) -> list[TurnResult]:
        out: list[TurnResult] = []
        for ev in self.endpointer.feed(pcm):
            if ev.type == "speech_start" and self.player is not None and self.player.is_playing():
                self.player.stop()
                self.barge_ins += 1
            elif ev.type == "pause" and ev.audio is not None:
                # decode now; feeding stops meanwhile and the queued microphone audio tells whether it was the end
                self._early = (ev.speech_end_s, self.session.listen(ev.audio))
            elif ev.type in ("speech_end", "max_length") and ev.audio is not None:
                early, self._early = self._early, None
                if early is not None and early[0] == ev.speech_end_s and ev.type == "speech_end":
                    out.append(self._play(self.session.respond(early[1])))
                else:
                    out.append(self._play(self.session.turn(ev.audio)))
            elif ev.type == "no_input":
                out.append(self._play(self.session.event({"type": "no_input"})))
        return out

    def _play(self, result: TurnResult) -> TurnResult:
        self.results.append(result)
        self.endpointer.patient = self.session.expect in NUMERIC_EXPECTS
        samples, rate = result.samples()
        if self.player is not None and samples.size:
            self.player.play(samples, rate)
        self.endpointer.arm(len(samples) / rate if samples.size else 0.0)
        return result


class SoundDevicePlayer:
    """Non-blocking playback through sounddevice (PortAudio)."""

    def __init__(self) -> None:
        import sounddevice as sd

        self._sd = sd
        self._until = 0.0

    def play(self, samples: np.ndarray, sample_rate: int) -> None:
        self._sd.play(samples, sample_rate)
        self._until = time.monotonic() + len(samples) / sample_rate

    def stop(self) -> None:
        self._sd.stop()
        self._until = 0.0

    def is_playing(self) -> bool:
        return time.monotonic() < self._until
