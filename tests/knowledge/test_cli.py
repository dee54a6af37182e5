from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def _daoban(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli.main", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_ask_json_contract() -> None:
    result = _daoban("ask", "驾驶证快到期了怎么换", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"item_id", "title", "field", "answer", "speech", "score", "handoff", "alternatives", "kind",
                        "declined", "redirect", "hotline"}
    assert out["item_id"] == "JG-049" and out["kind"] == "question" and out["declined"] is None
    assert out["handoff"] is False


@pytest.mark.slow
def test_ask_reports_the_kind_of_turn_and_the_body_referred_to() -> None:
    weather = json.loads(_daoban("ask", "今天天气怎么样", "--json").stdout)
    assert weather["kind"] == "chitchat" and weather["declined"] == "chitchat" and weather["item_id"] is None
    hello = json.loads(_daoban("ask", "你好", "--json").stdout)
    assert hello["kind"] == "social:greeting" and "没有找到" not in hello["answer"]


@pytest.mark.parametrize("text", ["", "x" * 10_000, "\x01\x02\x03\x7f"])
def test_ask_bad_input_gives_message_and_nonzero_exit(text: str) -> None:
    result = _daoban("ask", text)
    assert result.returncode == 2
    assert "daoban ask:" in result.stderr
    assert "Traceback" not in result.stderr


def test_eval_reports_metrics(tmp_path: Path) -> None:
    cases = tmp_path / "q.jsonl"
    cases.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in [
            {"q": "补办身份证多少钱", "ids": ["HZ-003"], "field": "fee"},
            {"q": "驾照到期换证", "ids": ["JG-049"]},
            {"q": "今天晚上吃什么好", "ids": []},
        ]),
        encoding="utf-8",
    )
    result = _daoban("eval", str(cases), "--json")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["n"] == 3 and metrics["in_scope"] == 2
    assert metrics["top1"] == 1.0 and metrics["field_acc"] == 1.0
    assert metrics["oos_recall"] == 1.0


def test_eval_rejects_malformed_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"q": "ok", "ids": []}\n{not json\n', encoding="utf-8")
    result = _daoban("eval", str(bad))
    assert result.returncode == 2
    assert "bad.jsonl:2" in result.stderr
