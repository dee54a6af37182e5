"""Speech synthesis: text prepared for the ear, pyttsx3 (espeak-ng on Linux, SAPI5 on Windows), a prompt cache."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import sys
import tempfile
import threading
import wave
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import cn2an
import numpy as np

from voice.audio import AudioError, read_wav

ESPEAK_VOICE = "sit/cmn-latn-pinyin"
NORMAL_RATE = 175
ELDERLY_RATE = 130

_DIGIT_READING = str.maketrans("0123456789Xx", "零幺二三四五六七八九叉叉")
_LETTER_READING = {
    "A": "诶", "B": "比", "C": "西", "D": "迪", "E": "伊", "F": "艾弗", "G": "吉", "H": "艾尺", "I": "艾", "J": "杰",
    "K": "开", "L": "艾勒", "M": "艾姆", "N": "恩", "O": "欧", "P": "屁", "Q": "丘", "R": "阿", "S": "艾斯", "T": "提",
    "U": "优", "V": "维", "W": "达不溜", "X": "叉", "Y": "歪", "Z": "贼",
}
_MASKED = re.compile(r"[0-9A-Za-z]*[*＊]{3,}[0-9A-Za-z*＊]*")
_ID_LIKE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
_LONG_DIGITS = re.compile(r"(?<![0-9.])[0-9]{5,}(?![0-9.])")
_TIME_RANGE = re.compile(r"(\d{1,2}):(\d{2})\s*[-–~至到]\s*(\d{1,2}):(\d{2})")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_DATE = re.compile(r"(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})日?")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)%")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_LATIN = re.compile(r"[A-Za-z]+")
_SENTENCE = re.compile(r"(?<=[。！？；!?;])")


def _an2cn(number: str) -> str:
    try:
        return str(cn2an.an2cn(number))
    except (ValueError, KeyError):
        return number.translate(_DIGIT_READING)


def _clock(h: str, m: str) -> str:
    return _an2cn(str(int(h))) + "点" + ("" if int(m) == 0 else "半" if int(m) == 30 else _an2cn(str(int(m))) + "分")


def _latin(word: str) -> str:
    """Letters one by one (B2 → 比二, C1 → 西一); the pinyin voice would read Latin as pinyin otherwise."""
    return "".join(_LETTER_READING.get(c.upper(), c) for c in word)


def speech_text(text: str) -> str:
    """Text as it should be heard: masked numbers left out, IDs and long numbers digit by digit (X as 叉), amounts,
    dates and times read as words, Latin letters by their Chinese names."""
    text = _MASKED.sub("", text)
    text = _ID_LIKE.sub(lambda m: m.group(0).translate(_DIGIT_READING), text)
    text = _TIME_RANGE.sub(lambda m: _clock(m.group(1), m.group(2)) + "到" + _clock(m.group(3), m.group(4)), text)
    text = _CLOCK.sub(lambda m: _clock(m.group(1), m.group(2)), text)
    text = _DATE.sub(lambda m: m.group(1).translate(_DIGIT_READING) + "年" + _an2cn(str(int(m.group(2)))) + "月"
                     + _an2cn(str(int(m.group(3)))) + "日", text)
    text = _LONG_DIGITS.sub(lambda m: m.group(0).translate(_DIGIT_READING), text)
    text = _PERCENT.sub(lambda m: "百分之" + _an2cn(m.group(1)), text)
    text = _NUMBER.sub(lambda m: _an2cn(m.group(0)), text)
    text = _LATIN.sub(lambda m: _latin(m.group(0)), text)
    text = re.sub(r"[（(][^）)]*[）)]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip(" 。；;")]


class Synthesizer(Protocol):
    def synthesize(self, text: str, path: Path) -> Path:
        """Write a WAV of `text` (already prepared for speech) to `path`."""
        ...


class Pyttsx3Synthesizer:
    """pyttsx3 with the finished-utterance fix: runAndWait can return before the file is written (pyttsx3 #219),
    so each file is awaited through the callback and checked before it is used."""

    def __init__(self, voice: str | None = None, rate: int | None = None, elderly: bool = False,
                 timeout_s: float = 10.0) -> None:
        import pyttsx3

        self._engine = pyttsx3.init()
        self._done = threading.Event()
        self._engine.connect("finished-utterance", self._finished)
        self._lock = threading.Lock()
        self.timeout_s = timeout_s
        self.voice = voice or (ESPEAK_VOICE if sys.platform.startswith("linux") else None)
        if self.voice:
            self._engine.setProperty("voice", self.voice)
        self.rate = rate or (ELDERLY_RATE if elderly else NORMAL_RATE)
        self._engine.setProperty("rate", self.rate)

    def _finished(self, name: object = None, completed: bool = True) -> None:
        self._done.set()

    def set_rate(self, rate: int) -> None:
        with self._lock:
            self.rate = rate
            self._engine.setProperty("rate", rate)

    def _apply_rate(self) -> None:
        """pyttsx3 queues property changes behind the engine's busy flag, so with espeak a new rate took effect one
        utterance late (or not at all); the espeak driver's own setter applies it at once."""
        driver = getattr(getattr(self._engine, "proxy", None), "_driver", None)
        if driver is not None and type(driver).__module__.endswith("espeak"):
            driver.setProperty("rate", self.rate)

    def synthesize(self, text: str, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            for _ in range(3):
                self._done.clear()
                # the espeak driver prints "Audio saved to ..." on stdout, maybe after runAndWait has returned:
                # keep it out of --json output until the utterance has finished
                with contextlib.redirect_stdout(io.StringIO()):
                    self._apply_rate()
                    self._engine.save_to_file(text, str(path))
                    self._engine.runAndWait()
                    finished = self._done.wait(self.timeout_s)
                if finished and _complete_wav(path):
                    return path
        raise RuntimeError(f"speech synthesis produced no audio for {text[:30]!r}")


def _complete_wav(path: Path) -> bool:
    try:
        with wave.open(str(path)) as w:
            return w.getnframes() > 0 and path.stat().st_size >= 44 + w.getnframes() * w.getsampwidth()
    except (OSError, wave.Error, EOFError):
        return False


class PromptCache:
    """Pre-rendered WAVs keyed by voice, rate and text, so a kiosk does not re-synthesise its common prompts."""

    def __init__(self, synthesizer: Synthesizer, folder: Path) -> None:
        self.synthesizer = synthesizer
        self.folder = Path(folder)

    def path_for(self, text: str) -> Path:
        voice = getattr(self.synthesizer, "voice", "") or ""
        rate = getattr(self.synthesizer, "rate", "")
        key = hashlib.sha1(f"{voice}|{rate}|{text}".encode()).hexdigest()[:20]
        return self.folder / f"{key}.wav"

    def get(self, text: str) -> Path | None:
        path = self.path_for(text)
        return path if _complete_wav(path) else None

    def render(self, text: str) -> Path:
        """The cached WAV for `text`, synthesised (atomically) on a miss."""
        cached = self.get(text)
        if cached is not None:
            return cached
        target = self.path_for(text)
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".wav", dir=self.folder)
        os.close(fd)
        try:
            self.synthesizer.synthesize(text, Path(tmp))
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return target

    def prerender(self, texts: Iterable[str]) -> int:
        """Render every prompt not yet cached; returns how many were rendered."""
        n = 0
        for text in texts:
            prepared = speech_text(text)
            if prepared and self.get(prepared) is None:
                self.render(prepared)
                n += 1
        return n


def load_prompts(path: Path | None = None) -> list[str]:
    """The common kiosk prompts shipped in voice/data/prompts.txt (one a line)."""
    path = path or Path(__file__).with_name("data") / "prompts.txt"
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def wav_samples(path: Path) -> tuple[np.ndarray, int]:
    """Samples and sample rate of a synthesised WAV (espeak writes 22.05 kHz)."""
    with wave.open(str(path)) as w:
        rate = w.getframerate()
    try:
        return read_wav(path, sample_rate=rate), rate
    except AudioError:
        return np.zeros(0, np.float32), rate
