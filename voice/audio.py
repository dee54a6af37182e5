"""Audio in and out: 16 kHz mono 16-bit PCM, checked with errors a person can act on."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000


class AudioError(ValueError):
    """The audio cannot be used: not a WAV, wrong format, empty or truncated."""


def pcm_to_float(pcm: bytes) -> np.ndarray:
    """16-bit little-endian PCM bytes to float32 samples in [-1, 1]."""
    if len(pcm) % 2:
        raise AudioError(f"PCM chunk has an odd number of bytes ({len(pcm)}): expected 16-bit samples")
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def float_to_pcm(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def read_wav(source: str | Path | bytes, sample_rate: int = SAMPLE_RATE,
             max_seconds: float | None = None) -> np.ndarray:
    """A WAV file (path or bytes) as float32 mono samples; it must be 16-bit PCM, mono, at `sample_rate`, and
    no longer than `max_seconds` (checked from the header, before the samples are read)."""
    name = "<bytes>" if isinstance(source, bytes) else str(source)
    try:
        raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as e:
        raise AudioError(f"{name}: cannot read the file ({e.strerror or e})") from e
    if len(raw) < 12 or raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise AudioError(f"{name}: not a WAV file (no RIFF/WAVE header)")
    try:
        with wave.open(io.BytesIO(raw)) as w:
            channels, width, rate, frames = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
            if max_seconds is not None and rate > 0 and frames / rate > max_seconds:
                raise AudioError(f"{name}: {frames / rate:.1f} s of audio; one utterance may last at most "
                                 f"{max_seconds:g} s (cut the recording into utterances)")
            data = w.readframes(frames)
    except (wave.Error, EOFError) as e:
        reason = str(e) or "the header ends early"
        raise AudioError(f"{name}: damaged WAV header, {len(raw)} bytes in all ({reason}); "
                         "expected a 44-byte header followed by 16-bit PCM samples") from e
    if width != 2:
        raise AudioError(f"{name}: {8 * width}-bit samples; expected 16-bit PCM")
    if channels != 1:
        raise AudioError(f"{name}: {channels} channels; expected mono")
    if rate != sample_rate:
        raise AudioError(f"{name}: sample rate {rate} Hz; expected {sample_rate} Hz "
                         f"(convert with: sox in.wav -r {sample_rate} -c 1 -b 16 out.wav)")
    if len(data) < frames * width * channels:
        raise AudioError(f"{name}: truncated: header says {frames} frames, file holds {len(data) // 2}")
    if frames == 0:
        raise AudioError(f"{name}: empty: no audio frames")
    return pcm_to_float(data)


def write_wav(path: str | Path, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(float_to_pcm(samples))
    return path
