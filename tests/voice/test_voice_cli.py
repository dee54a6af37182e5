"""`daoban voice --wav`: transcript and reply per file, reply audio written, JSON lines, clear errors."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from voice import cli

DATA = Path(__file__).with_name("data")
pytestmark = pytest.mark.slow


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="daoban voice")
    cli.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_json_lines_per_file(assistant, whisper, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DAOBAN_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "out"
    args = _args("--wav", str(DATA / "q_008.wav"), str(DATA / "q_022.wav"), "--json", "--out", str(out),
                 "--model", str(whisper.model_dir))
    assert cli.run(args, assistant) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["item_id"] for x in lines] == ["CRJ-001", "JG-021"]
    for x in lines:
        assert set(x) == {"file", "transcript", "item_id", "reply", "asr_ms", "reply_audio"}
        assert x["reply"] and x["asr_ms"] > 0 and Path(x["reply_audio"]).stat().st_size > 10_000
    assert "护照" in lines[0]["transcript"]


def test_text_output_expect_and_bad_files(assistant, whisper, tmp_path: Path,  # type: ignore[no-untyped-def]
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DAOBAN_CACHE_DIR", str(tmp_path / "cache"))
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio")
    args = _args("--wav", str(DATA / "id_005.wav"), str(bad), "--expect", "id_number", "--no-tts",
                 "--model", str(whisper.model_dir))
    assert cli.run(args, assistant) == 1
    captured = capsys.readouterr()
    assert "你说：32010219920105806X" in captured.out and "导办：" in captured.out
    assert f"error: {bad}: not a WAV file" in captured.err


def test_missing_vosk_model_is_a_clear_error(assistant, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert cli.run(_args("--wav", str(DATA / "q_008.wav"), "--asr", "vosk", "--no-tts"), assistant) == 2
    assert "vosk needs --model DIR" in capsys.readouterr().err


def test_long_stub_and_noise_files(assistant, whisper, tmp_path: Path,  # type: ignore[no-untyped-def]
                                   monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import time

    import numpy as np

    from voice.audio import read_wav, write_wav

    monkeypatch.setenv("DAOBAN_CACHE_DIR", str(tmp_path / "cache"))
    speech = read_wav(DATA / "q_008.wav")
    long = write_wav(tmp_path / "ten_minutes.wav", np.resize(speech, 16000 * 600))
    stub = tmp_path / "stub.wav"
    stub.write_bytes((DATA / "q_008.wav").read_bytes()[:30])
    noise = write_wav(tmp_path / "hiss.wav", np.random.default_rng(5).normal(0, 0.1, 16000 * 4).astype(np.float32))
    args = _args("--wav", str(long), str(stub), str(noise), "--json", "--no-tts", "--model", str(whisper.model_dir))
    started = time.monotonic()
    assert cli.run(args, assistant) == 1
    assert time.monotonic() - started < 20
    captured = capsys.readouterr()
    assert f"error: {long}: 600.0 s of audio; one utterance may last at most 15 s" in captured.err
    assert f"error: {stub}: damaged WAV header, 30 bytes in all" in captured.err
    [line] = [json.loads(x) for x in captured.out.splitlines()]
    assert line["file"] == str(noise) and line["transcript"] == "" and line["item_id"] is None
    assert line["reply"]  # asked again, not answered
