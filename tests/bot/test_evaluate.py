"""Scoring edge conversations: kinds, items, hotlines and flows are checked turn by turn, per kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.evaluate import evaluate_conversations, read_conversations
from knowledge.evaluate import EvalFileError


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def test_a_conversation_is_scored_turn_by_turn(assistant: Assistant, tmp_path: Path) -> None:
    conversations = read_conversations(_write(tmp_path / "edge.jsonl", [
        {"id": "a", "turns": [{"text": "你好", "kind": "social", "act": "greeting"},
                              {"text": "补办身份证要带什么", "kind": "question", "item": "HZ-003"},
                              {"text": "那要多少钱", "kind": "followup", "item": "HZ-003"}]},
        {"id": "b", "turns": [{"text": "手机卡丢了怎么补办", "kind": "department", "hotline": "10086"},
                              {"text": "能查她的出入境记录吗", "kind": "question", "item": "CRJ-029"}]},
    ]))
    metrics, results = evaluate_conversations(assistant, conversations)
    assert metrics["turns"] == 5 and metrics["conversations"] == 2
    assert [r.ok for r in results] == [True, True, True, True, False]
    assert results[-1].kind == "refusal" and "kind refusal != question" in results[-1].problems[0]
    assert metrics["per_kind"]["question"]["recall"] == 0.5 and metrics["per_kind"]["refusal"]["precision"] == 0.0
    assert metrics["conversation_pass"] == 0.5


def test_a_malformed_line_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "turns": [{"text": "你好", "kind": "social"}]}\n{"id": "b"}\n', encoding="utf-8")
    with pytest.raises(EvalFileError, match=r"bad\.jsonl:2"):
        read_conversations(path)
