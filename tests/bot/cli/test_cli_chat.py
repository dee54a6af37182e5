from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from chat_support import VALID_ID

import bot.cli.chat as cli
from bot.assistant import Assistant
from bot.cli.main import main
from bot.turn import Button, Reply


def test_flows_check_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "check"]) == 0
    assert "0 errors" in capsys.readouterr().out


def test_flows_check_reports_a_broken_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.yaml").write_text("name: bad\ntitle: {zh-Hans: 坏, en: Bad}\nitems: [HZ-002]\nsteps:\n"
                                       "  - {id: a, kind: ask, prompt: {zh-Hans: 问, en: Q}, next: b}\n"
                                       "  - {id: b, kind: end, prompt: {zh-Hans: 完, en: End}}\n", encoding="utf-8")
    assert main(["flows", "check", "--dir", str(tmp_path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert report["problems"][0]["step"] == "a" and report["problems"][0]["field"] == "slot"


def test_pick_button() -> None:
    reply = Reply("s", buttons=[Button("现在办理", "现在办理"), Button("多少钱", "多少钱")])
    assert cli.pick_button("2", reply) == "多少钱"
    assert cli.pick_button("7", reply) == "7"
    reply.expect = "digits6"
    assert cli.pick_button("1", reply) == "1"


def test_chat_runs_a_flow_from_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                     make_assistant: Callable[..., Assistant]) -> None:
    monkeypatch.setattr(cli, "_assistant", lambda args: make_assistant(simulate=frozenset({args.channel})))
    lines = ["补办身份证", "1", VALID_ID, "确认", "1", "/quit"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["chat"]) == 0
    out = capsys.readouterr().out
    assert "[1] 现在办理" in out and "[simulator]" in out and "办理完成" in out
    assert VALID_ID not in out


def test_unanswered_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.records.unanswered import UnansweredLog

    log = UnansweredLog(tmp_path / "u.jsonl")
    log.record("电话13812345678怎么办", "low_confidence", "s", "web")
    assert main(["unanswered", "--path", str(log.path), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert "138****5678" in out and "13812345678" not in out
