"""Runs last: no file written by this test session holds a clear ID number, mobile number or the test address.

The files include the assistant's transcripts and unanswered log, every record the server tests made (feedback,
turns, unanswered: tests/bot/channels/conftest.py puts them here), the admin exports and what the browser kept
(written here by the tests that fetch them), and every daoban log line of the run (tests/bot/conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path

from chat_support import Chat

from bot.assistant import Assistant

ID = re.compile(rb"(?<![0-9])[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}"
                rb"[0-9Xx](?![0-9])")
MOBILE = re.compile(rb"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
ADDRESS = "测试路1号".encode()


def test_transcript_is_written_masked(assistant: Assistant, data_dir: Path) -> None:
    c = Chat(assistant)
    c.start("id_card_loss_report")
    c.say("440305199003071236")
    c.say("13812345678")
    text = (data_dir / "transcript.jsonl").read_text(encoding="utf-8")
    assert "4403**********1236" in text and "138****5678" in text


def test_no_clear_personal_numbers_in_any_written_file(data_dir: Path) -> None:
    files = [p for p in data_dir.rglob("*") if p.is_file() and not p.name.endswith(".key")]
    names = {p.name for p in files}
    assert {"unanswered.jsonl", "transcript.jsonl", "daoban.log.jsonl"} <= names
    if (data_dir / "served").exists():
        assert {"feedback.jsonl", "turns.jsonl", "feedback.csv", "unanswered.jsonl"} <= names
    for path in files:
        raw = path.read_bytes()
        assert not ID.search(raw), f"clear ID number in {path}"
        assert not MOBILE.search(raw), f"clear mobile number in {path}"
        assert ADDRESS not in raw, f"clear street address in {path}"
