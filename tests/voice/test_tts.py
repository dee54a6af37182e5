"""Speech synthesis: text prepared for the ear, complete WAV files every time, cached prompts, slower elderly mode."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from voice.tts import PromptCache, Pyttsx3Synthesizer, load_prompts, speech_text, split_sentences


@pytest.mark.parametrize(("text", "heard"), [
    ("补领工本费40元", "补领工本费四十元"),
    ("请拨打12345热线", "请拨打幺二三四五热线"),
    ("身份证号44030619860518220X已登记", "身份证号四四零三零六幺九八六零五幺八二二零叉已登记"),
    ("证件号1301**********1234已核验", "证件号已核验"),
    ("办理时间9:00-12:00", "办理时间九点到十二点"),
    ("有效期至2026-11-22", "有效期至二零二六年十一月二十二日"),
    ("C1增驾B2", "西一增驾比二"),
    ("费用0.5元", "费用零点五元"),
])
def test_text_is_read_naturally(text: str, heard: str) -> None:
    assert speech_text(text) == heard


def test_first_sentence_can_be_spoken_first() -> None:
    parts = split_sentences("请将身份证放在感应区。正在读取！好了吗？")
    assert parts == ["请将身份证放在感应区。", "正在读取！", "好了吗？"]


def _seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def test_every_file_is_complete(synthesizer: Pyttsx3Synthesizer, tmp_path: Path) -> None:
    """pyttsx3 #219: runAndWait may return early; twenty files in a row are all whole."""
    lengths = [_seconds(synthesizer.synthesize(f"第{i}位，请将身份证放在感应区。", tmp_path / f"{i}.wav"))
               for i in range(20)]
    assert min(lengths) > 1.0 and max(lengths) - min(lengths) < 0.8


def test_prompt_cache_renders_once(synthesizer: Pyttsx3Synthesizer, tmp_path: Path) -> None:
    cache = PromptCache(synthesizer, tmp_path / "tts")
    assert cache.prerender(load_prompts()) == len(load_prompts())
    assert cache.prerender(load_prompts()) == 0
    first = cache.get(speech_text("请将身份证放在感应区。"))
    assert first is not None
    stamp = first.stat().st_mtime_ns
    assert cache.render(speech_text("请将身份证放在感应区。")) == first and first.stat().st_mtime_ns == stamp


def test_elderly_mode_is_slower(synthesizer: Pyttsx3Synthesizer, tmp_path: Path) -> None:
    text = "请您带好身份证和户口本，到一号窗口办理。"
    fast = _seconds(synthesizer.synthesize(text, tmp_path / "n.wav"))
    synthesizer.set_rate(130)
    try:
        slow = _seconds(synthesizer.synthesize(text, tmp_path / "e.wav"))
    finally:
        synthesizer.set_rate(175)
    assert slow > fast * 1.2
    assert _seconds(synthesizer.synthesize(text, tmp_path / "n2.wav")) == pytest.approx(fast, rel=0.05)
