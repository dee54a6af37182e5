"""vosk backend: true streaming with partial results, a model directory from config, optional phrase hints.

No Mandarin vosk model ships on a package registry: point `model` at an unpacked vosk-model-small-cn-0.22 (or
vosk-model-cn-0.22). Small models accept a runtime grammar, which is how phrase hints and closed answer sets
(digits, commands) constrain recognition.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from voice.asr import ModelError, Transcript, finish_transcript
from voice.audio import SAMPLE_RATE, float_to_pcm
from voice.numbers import COMMANDS, to_simplified
from voice.vocab import SoundAlike

# Closed vocabularies for grammar-constrained recognition while the dialogue expects them.
_DIGIT_WORDS = ["零", "一", "幺", "二", "两", "三", "四", "五", "六", "七", "八", "九", "洞", "叉"]
GRAMMARS: dict[str, list[str]] = {
    "id_number": _DIGIT_WORDS,
    "digits6": _DIGIT_WORDS,
    "phone": _DIGIT_WORDS,
    "command": sorted({p for phrases in COMMANDS.values() for p in phrases}),
    "yes_no": sorted({*COMMANDS["yes"], *COMMANDS["no"]}),
}


class VoskStream:
    def __init__(self, owner: VoskRecognizer, expect: str | None) -> None:
        self.owner = owner
        self.expect = expect
        self.rec = owner.recognizer_for(expect)
        self.started = time.perf_counter()
        self.samples = 0
        self.pieces: list[str] = []
        self._last = ""

    def accept(self, pcm: bytes) -> str | None:
        self.samples += len(pcm) // 2
        if self.rec.AcceptWaveform(pcm):
            text = json.loads(self.rec.Result()).get("text", "")
            if text:
                self.pieces.append(text)
            self._last = ""
            return None
        partial = json.loads(self.rec.PartialResult()).get("partial", "")
        if partial and partial != self._last:
            self._last = partial
            return " ".join([*self.pieces, partial]) if self.pieces else partial
        return None

    def finish(self) -> Transcript:
        final = json.loads(self.rec.FinalResult())
        text = final.get("text", "")
        if text:
            self.pieces.append(text)
        raw = self.owner.join(self.pieces)
        return finish_transcript(raw, [], self.expect, self.samples / SAMPLE_RATE, self.started, self.owner.corrector)


class VoskRecognizer:
    name = "vosk"

    def __init__(self, model_dir: str | Path | None = None, vocabulary: list[str] | None = None,
                 hints: bool = False, language: str = "zh") -> None:
        import vosk

        vosk.SetLogLevel(-1)
        if model_dir is None:
            raise ModelError("vosk needs --model DIR: an unpacked vosk model, e.g. vosk-model-small-cn-0.22")
        path = Path(model_dir)
        if not (path / "am").is_dir() and not (path / "final.mdl").is_file():
            raise ModelError(f"{path}: not a vosk model directory (no am/ folder)")
        self._vosk = vosk
        self.model = vosk.Model(str(path))
        self.language = language
        self.hints = [w for w in (vocabulary or []) if w] if hints else []
        self.corrector = SoundAlike(vocabulary) if vocabulary and language.startswith("zh") else None

    def join(self, pieces: list[str]) -> str:
        text = " ".join(pieces)
        if self.language.startswith("zh"):
            # Chinese vosk models put a space between words
            text = to_simplified(text.replace(" ", ""))
        return text

    def recognizer_for(self, expect: str | None) -> Any:
        words = GRAMMARS.get(expect or "") or self.hints
        if words:
            grammar = json.dumps([*words, "[unk]"], ensure_ascii=False)
            return self._vosk.KaldiRecognizer(self.model, SAMPLE_RATE, grammar)
        return self._vosk.KaldiRecognizer(self.model, SAMPLE_RATE)

    def stream(self, expect: str | None = None) -> VoskStream:
        return VoskStream(self, expect)

    def transcribe(self, audio: np.ndarray, expect: str | None = None) -> Transcript:
        s = self.stream(expect)
        pcm = float_to_pcm(np.asarray(audio, dtype=np.float32))
        for i in range(0, len(pcm), 8000):
            s.accept(pcm[i:i + 8000])
        return s.finish()
