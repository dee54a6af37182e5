"""Endpointing on real speech: one utterance per question, no_input when nobody speaks, limits and push-to-talk."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from voice.audio import float_to_pcm, read_wav
from voice.vad import Endpointer, EnergyVAD

DATA = Path(__file__).with_name("data")

SILENCE_1S = b"\0\0" * 16000


def _feed(ep: Endpointer, pcm: bytes, chunk: int = 960) -> list:  # type: ignore[type-arg]
    events = []
    for i in range(0, len(pcm), chunk):
        events += ep.feed(pcm[i:i + chunk])
    return events


def test_one_question_is_one_utterance_with_its_start_kept() -> None:
    speech = read_wav(DATA / "q_052.wav")
    events = _feed(Endpointer(no_input_s=None), SILENCE_1S + float_to_pcm(speech) + SILENCE_1S)
    assert [e.type for e in events if e.type != "pause"] == ["speech_start", "speech_end"]
    end = events[-1]
    # 0.3 s into the final silence a pause event already holds the whole utterance, so decoding can start early
    pause = [e for e in events if e.type == "pause"][-1]
    assert pause.speech_end_s == end.speech_end_s and abs((pause.at_s - pause.speech_end_s) - 0.3) < 0.05
    assert np.array_equal(pause.audio, end.audio[: len(pause.audio)])
    # the utterance holds all of the speech (pre-roll keeps the onset) and ends 0.6 s after the last voiced frame
    assert len(end.audio) >= len(speech) - 0.25 * 16000
    assert abs((end.at_s - end.speech_end_s) - 0.6) < 0.05


def test_energy_fallback_finds_the_same_utterance() -> None:
    speech = read_wav(DATA / "q_008.wav")
    events = _feed(Endpointer(vad=EnergyVAD(), no_input_s=None), SILENCE_1S + float_to_pcm(speech) + SILENCE_1S)
    assert [e.type for e in events if e.type != "pause"] == ["speech_start", "speech_end"]


def test_no_input_after_n_seconds_once() -> None:
    ep = Endpointer(no_input_s=2.0)
    events = _feed(ep, SILENCE_1S * 5)
    assert [e.type for e in events] == ["no_input"]
    assert abs(events[0].at_s - 2.0) < 0.05
    ep.arm(delay_s=1.0)  # the assistant speaks for one more second
    events = _feed(ep, SILENCE_1S * 4)
    assert [e.type for e in events] == ["no_input"]


def test_maximum_utterance_length() -> None:
    speech = read_wav(DATA / "paddlespeech_zh.wav")
    events = _feed(Endpointer(no_input_s=None, max_utterance_s=2.0), float_to_pcm(speech))
    cut = [e for e in events if e.type == "max_length"]
    assert cut and abs(len(cut[0].audio) / 16000 - 2.0) < 0.7


def test_push_to_talk_takes_everything_between_press_and_release() -> None:
    ep = Endpointer(push_to_talk=True, no_input_s=None)
    _feed(ep, SILENCE_1S)
    ep.press()
    assert _feed(ep, float_to_pcm(read_wav(DATA / "q_022.wav")) + SILENCE_1S * 2) == []  # pauses do not end it
    (event,) = ep.release()
    assert event.type == "speech_end" and len(event.audio) / 16000 > 2.5


def test_noise_floor_does_not_trigger_energy_vad() -> None:
    rng = np.random.default_rng(0)
    hum = float_to_pcm((0.003 * rng.standard_normal(16000 * 3)).astype(np.float32))
    assert _feed(Endpointer(vad=EnergyVAD(), no_input_s=None), hum) == []
