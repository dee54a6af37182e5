"""Whisper base on real audio: the packaged model reassembles, questions come out in Simplified Chinese, and
numbers and commands come out as the values the dialogue expects."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from voice.asr_whisper import BASE_MODEL_BYTES, whisper_base_dir
from voice.audio import read_wav

DATA = Path(__file__).with_name("data")
pytestmark = pytest.mark.slow


def test_model_is_reassembled_once_with_the_right_size(tmp_path: Path) -> None:
    folder = whisper_base_dir(tmp_path)
    model = folder / "model.bin"
    assert model.stat().st_size == BASE_MODEL_BYTES
    assert {p.name for p in folder.iterdir()} == {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"}
    stamp = model.stat().st_mtime_ns
    assert whisper_base_dir(tmp_path) == folder and model.stat().st_mtime_ns == stamp  # reused, not rebuilt
    with model.open("r+b") as f:  # a damaged (short) copy is rebuilt
        f.truncate(1000)
    whisper_base_dir(tmp_path)
    assert model.stat().st_size == BASE_MODEL_BYTES
    assert not [p for p in folder.iterdir() if p.suffix == ".tmp"]


def test_question_in_simplified_chinese_with_service_words_restored(whisper) -> None:  # type: ignore[no-untyped-def]
    t = whisper.transcribe(read_wav(DATA / "q_008.wav"))
    assert "护照" in t.text and "多少钱" in t.text  # Whisper base writes 户照 here; the base's word sounds the same
    assert t.value is None and t.audio_s > 1 and t.asr_ms > 0
    t = whisper.transcribe(read_wav(DATA / "q_052.wav"))
    assert "临时身份证" in t.text and "哪里" in t.text


def test_real_human_recording(whisper) -> None:  # type: ignore[no-untyped-def]
    t = whisper.transcribe(read_wav(DATA / "paddlespeech_zh.wav"))
    assert "跑步" in t.text and "身体健康" in t.text


@pytest.mark.parametrize(("name", "expect", "value"), [
    ("id_005.wav", "id_number", "32010219920105806X"),
    ("id_010.wav", "id_number", "11010519900220989X"),
    ("plate_004.wav", "plate", "浙B2M885"),
    ("cmd_006.wav", "command", "human"),
    ("cmd_008.wav", "yes_no", "yes"),
])
def test_constrained_by_what_the_dialogue_expects(whisper, name: str, expect: str, value: str) -> None:  # type: ignore[no-untyped-def]
    t = whisper.transcribe(read_wav(DATA / name), expect)
    assert t.value == value
    if expect in ("id_number", "plate"):
        assert t.text == value


def test_silence_is_no_words(whisper) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    assert whisper.transcribe(np.zeros(16000 * 2, np.float32)).text == ""


def test_no_network_needed(whisper, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import socket

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network is off")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from voice.asr_whisper import WhisperRecognizer

    again = WhisperRecognizer(whisper.model_dir, prompt="")
    assert "护照" in again.transcribe(read_wav(DATA / "q_008.wav")).text
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def _noises() -> dict[str, object]:
    import numpy as np

    rng = np.random.default_rng(11)
    n = 16000 * 3

    def scaled(x: np.ndarray, peak: float = 0.3) -> np.ndarray:
        return (x / np.abs(x).max() * peak).astype(np.float32)

    white = rng.standard_normal(n)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    pink = np.fft.irfft(spectrum / np.sqrt(np.maximum(np.arange(len(spectrum)), 1)), n)
    clicks = (rng.random(n) < 0.002) * rng.standard_normal(n)
    burst = np.concatenate([rng.standard_normal(8000) * np.hanning(8000), np.zeros(n - 8000)])
    return {"white": scaled(white), "pink": scaled(pink), "clicks": scaled(clicks), "cough-like burst": scaled(burst),
            "hum and hiss": scaled(np.sin(2 * np.pi * 50 * np.arange(n) / 16000) + 0.3 * white)}


@pytest.mark.parametrize("name", list(_noises()))
def test_noise_is_no_words(whisper, name: str) -> None:  # type: ignore[no-untyped-def]
    """Whisper base reads the vocabulary prompt into hiss ("证明、补办、证明…"); noise must come out as nothing."""
    assert whisper.transcribe(_noises()[name]).text == ""


def test_speech_in_noise_is_still_heard(whisper) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    speech = read_wav(DATA / "q_008.wav")
    hiss = np.random.default_rng(3).standard_normal(len(speech))
    hiss *= np.sqrt(np.mean(speech ** 2) / np.mean(hiss ** 2) / 10)  # 10 dB below the voice
    assert "多少钱" in whisper.transcribe((speech + hiss).astype(np.float32)).text


def test_only_one_window_is_decoded(whisper) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    speech = read_wav(DATA / "q_008.wav")
    t = whisper.transcribe(np.resize(speech, 16000 * 120))
    assert t.audio_s == 30.0 and len(t.raw) < 200
