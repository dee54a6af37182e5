"""Bad audio gives an error that says what is wrong and how to fix it."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest

from voice.audio import AudioError, read_wav, write_wav

DATA = Path(__file__).with_name("data")


def _wav(path: Path, rate: int = 16000, channels: int = 1, width: int = 2, frames: int = 1600) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(b"\x01\x00" * frames * channels * (width // 2 or 1))
    return path


def test_reads_a_real_recording() -> None:
    audio = read_wav(DATA / "paddlespeech_zh.wav")
    assert audio.dtype == np.float32 and abs(len(audio) / 16000 - 5.0) < 0.05 and 0 < np.abs(audio).max() <= 1


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: _wav(p, rate=44100), "sample rate 44100 Hz; expected 16000 Hz"),
    (lambda p: _wav(p, channels=2), "2 channels; expected mono"),
    (lambda p: _wav(p, width=1), "8-bit samples; expected 16-bit PCM"),
    (lambda p: _wav(p, frames=0), "empty"),
    (lambda p: p.write_bytes(b"ID3\x03 this is an mp3") and p, "not a WAV file"),
    (lambda p: p.write_bytes(b"") and p, "not a WAV file"),
])
def test_bad_files(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(AudioError, match=message):
        read_wav(path)


def test_truncated_file(tmp_path: Path) -> None:
    raw = (DATA / "q_008.wav").read_bytes()
    path = tmp_path / "cut.wav"
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(AudioError, match="truncated"):
        read_wav(path)


@pytest.mark.parametrize("size", [20, 30, 36])
def test_a_few_bytes_of_header_say_so(tmp_path: Path, size: int) -> None:
    path = tmp_path / "stub.wav"
    path.write_bytes((DATA / "q_008.wav").read_bytes()[:size])
    with pytest.raises(AudioError) as caught:
        read_wav(path)
    message = str(caught.value)
    assert f"damaged WAV header, {size} bytes in all" in message and "()" not in message


def test_too_long_is_refused_from_the_header(tmp_path: Path) -> None:
    path = _wav(tmp_path / "long.wav", frames=16000 * 600)
    with pytest.raises(AudioError, match=r"600.0 s of audio; one utterance may last at most 30 s"):
        read_wav(path, max_seconds=30)
    assert len(read_wav(path)) == 16000 * 600


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="cannot read"):
        read_wav(tmp_path / "nope.wav")


def test_round_trip(tmp_path: Path) -> None:
    audio = read_wav(DATA / "q_022.wav")
    again = read_wav(write_wav(tmp_path / "x.wav", audio))
    assert np.allclose(audio, again, atol=2 / 32768)
    buf = io.BytesIO((tmp_path / "x.wav").read_bytes()).getvalue()
    assert len(read_wav(buf)) == len(audio)
