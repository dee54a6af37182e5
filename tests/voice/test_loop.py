"""A voice turn with the real assistant and Whisper: question → item, ID number entry inside a flow, no_input,
person approached, and barge-in on a live stream."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voice.audio import float_to_pcm, read_wav
from voice.loop import VoiceLoop, VoiceSession
from voice.stream import VoiceStream
from voice.tts import ELDERLY_RATE, NORMAL_RATE, PromptCache
from voice.vad import Endpointer

DATA = Path(__file__).with_name("data")
pytestmark = pytest.mark.slow
SILENCE = b"\0\0" * 16000


class RecordingPlayer:
    """Stands in for the loudspeaker: remembers what it was asked to play and whether it was stopped."""

    def __init__(self) -> None:
        self.played: list[float] = []
        self.playing = False
        self.stops = 0

    def play(self, samples: np.ndarray, sample_rate: int) -> None:
        self.played.append(len(samples) / sample_rate)
        self.playing = True

    def stop(self) -> None:
        self.playing = False
        self.stops += 1

    def is_playing(self) -> bool:
        return self.playing


@pytest.fixture()
def cache(synthesizer, tmp_path: Path) -> PromptCache:  # type: ignore[no-untyped-def]
    return PromptCache(synthesizer, tmp_path / "tts")


def test_spoken_question_gets_the_item_and_reply_audio(assistant, whisper, cache) -> None:  # type: ignore[no-untyped-def]
    session = VoiceSession(assistant, whisper, cache)
    result = session.turn(read_wav(DATA / "q_008.wav"))
    assert result.reply.item_id == "CRJ-001"
    assert result.audio and all(p.is_file() for p in result.audio)
    samples, rate = result.samples()
    assert len(samples) / rate > 1.0
    assert "120" not in result.speech and "一百二十元" in result.speech  # the fee is read as words


def test_no_input_and_person_approached_reach_the_dialogue(assistant, whisper, cache) -> None:  # type: ignore[no-untyped-def]
    session = VoiceSession(assistant, whisper, cache)
    greeting = session.event({"type": "person_approached"})
    assert greeting.speech and greeting.audio
    quiet = session.turn(np.zeros(16000, np.float32))  # nothing said: the dialogue's no_input turn
    assert quiet.transcript is not None and quiet.transcript.text == ""
    assert quiet.speech


def test_live_loop_barge_in_takes_the_next_turn(assistant, whisper, cache) -> None:  # type: ignore[no-untyped-def]
    player = RecordingPlayer()
    loop = VoiceLoop(VoiceSession(assistant, whisper, cache), Endpointer(no_input_s=None), player)
    loop.approached()
    assert player.is_playing()
    results = []
    for pcm in (SILENCE, float_to_pcm(read_wav(DATA / "q_022.wav")), SILENCE):
        for i in range(0, len(pcm), 960):
            results += loop.feed(pcm[i:i + 960])
    assert player.stops == 1 and loop.barge_ins == 1  # the greeting was cut off by the citizen speaking
    assert len(results) == 1 and results[0].reply.item_id == "JG-021"
    assert player.is_playing() and len(player.played) == 2


def test_no_input_event_after_silence(assistant, whisper, cache) -> None:  # type: ignore[no-untyped-def]
    loop = VoiceLoop(VoiceSession(assistant, whisper, cache), Endpointer(no_input_s=2.0), RecordingPlayer())
    results = []
    for _ in range(3):
        results += loop.feed(SILENCE)
    assert len(results) == 1 and results[0].transcript is None and results[0].speech


def test_stream_events_and_expect(whisper) -> None:  # type: ignore[no-untyped-def]
    stream = VoiceStream(whisper, Endpointer(no_input_s=None), partials=False)
    pcm = SILENCE + float_to_pcm(read_wav(DATA / "id_010.wav")) + SILENCE
    stream.expect("id_number")
    events = [e for i in range(0, len(pcm), 3200) for e in stream.feed(pcm[i:i + 3200])]
    assert [e["type"] for e in events] == ["speech_start", "final"]
    assert events[1]["text"] == "11010519900220989X" and events[1]["expect"] == "id_number"


def test_stream_partials_and_end_of_input(whisper) -> None:  # type: ignore[no-untyped-def]
    from voice.asr_whisper import WhisperRecognizer

    partial_asr = WhisperRecognizer(whisper.model_dir, prompt=whisper.prompt, partial_every_s=1.0)
    stream = VoiceStream(partial_asr, Endpointer(no_input_s=None))
    pcm = SILENCE + float_to_pcm(read_wav(DATA / "q_052.wav"))
    events = [e for i in range(0, len(pcm), 3200) for e in stream.feed(pcm[i:i + 3200])]
    assert any(e["type"] == "partial" for e in events)
    final = stream.end()
    assert len(final) == 1 and "哪里" in final[0]["text"]


def test_asked_to_speak_slower_the_voice_slows_down_and_says_it_again(assistant, cache) -> None:  # type: ignore[no-untyped-def]
    session = VoiceSession(assistant, None, cache)  # type: ignore[arg-type]
    session.set_elderly(False)
    try:
        first = session.typed("补办身份证多少钱")
        assert cache.synthesizer.rate == NORMAL_RATE
        again = session.typed("说慢一点")
        assert cache.synthesizer.rate == ELDERLY_RATE
        assert again.speech == first.speech and again.audio
    finally:
        session.set_elderly(False)
