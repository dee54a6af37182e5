from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from bot.cli.main import main
from knowledge.check import check
from knowledge.loader import default_data_dir, load


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(default_data_dir(), target)
    return target


def _first_item_file(data: Path) -> Path:
    return sorted((data / "items").glob("*.yaml"))[0]


def test_packaged_base_covers_the_catalogue() -> None:
    report = check()
    assert report.errors == []
    assert report.missing_ids == [] and report.unknown_ids == []
    assert report.items == 326


def test_yaml_syntax_error_names_file_and_line(data_copy: Path) -> None:
    path = _first_item_file(data_copy)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "  name: [unclosed")
    path.write_text("\n".join(lines), encoding="utf-8")
    problems = load(data_copy).problems
    assert len(problems) == 1
    assert problems[0].file == str(path)
    assert problems[0].line is not None and 3 <= problems[0].line <= 6
    assert "YAML syntax error" in problems[0].message


def test_schema_error_names_item_and_field(data_copy: Path) -> None:
    path = _first_item_file(data_copy)
    text = path.read_text(encoding="utf-8")
    first_id = text.split("id: ", 1)[1].split("\n", 1)[0].strip()
    broken = text.replace("  verified: true", "  verified: maybe", 1)
    broken = broken.replace("  verified: false", "  verified: maybe", 1)
    path.write_text(broken, encoding="utf-8")
    problems = load(data_copy).problems
    assert problems, "a non-boolean verified flag must be reported"
    assert problems[0].field == "verified"
    assert problems[0].item_id is not None and problems[0].item_id.split("-")[0] == first_id.split("-")[0]


def test_duplicate_and_unknown_ids_are_reported(data_copy: Path, tmp_path: Path) -> None:
    extra = data_copy / "items" / "zz-extra.yaml"
    first = yaml.safe_load(_first_item_file(data_copy).read_text(encoding="utf-8"))[0]
    extra.write_text(yaml.safe_dump([first], allow_unicode=True), encoding="utf-8")
    catalogue = tmp_path / "cat.csv"
    catalogue.write_text("id,name\nHZ-999,不存在的事项\n", encoding="utf-8")
    report = check(data_copy, catalogue)
    duplicate = next(p for p in report.errors if p.message.startswith("duplicate id"))
    assert duplicate.item_id == first["id"] and duplicate.file == str(extra) and duplicate.line is not None
    assert extra.read_text(encoding="utf-8").splitlines()[duplicate.line - 1].strip() == f"id: {first['id']}"
    assert f"{_first_item_file(data_copy)}:" in duplicate.message
    assert str(duplicate).startswith(f"{extra}:{duplicate.line} [{first['id']}]")
    assert report.missing_ids == ["HZ-999"]
    assert len(report.unknown_ids) == 326


def test_unknown_window_is_reported(data_copy: Path) -> None:
    site = data_copy / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("  户政:\n", "  户政窗口:\n", 1), encoding="utf-8")
    problems = load(data_copy).problems
    assert any(p.field == "channels.windows" and "户政" in p.message for p in problems)


def test_kb_check_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    catalogue = Path(__file__).resolve().parents[3] / "shared" / "catalogue" / "services.csv"
    args = ["kb", "check", "--json"] + (["--catalogue", str(catalogue)] if catalogue.exists() else [])
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"items": 326, "missing_ids": [], "unknown_ids": [], "not_offered": [], "errors": []}


def test_kb_check_cli_fails_on_broken_base(data_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (data_copy / "site.yaml").write_text("sample: [", encoding="utf-8")
    assert main(["kb", "check", "--data", str(data_copy)]) == 1
    out = capsys.readouterr().out
    assert "site.yaml" in out and "FAILED" in out


def test_duplicate_id_in_one_file_names_the_second_line(data_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _first_item_file(data_copy)
    text = path.read_text(encoding="utf-8")
    first = yaml.safe_load(text)[0]
    body = text.split("\n- id: ", 2)[1]
    path.write_text(text.rstrip("\n") + "\n- id: " + body.split("\n- id:", 1)[0].rstrip("\n") + "\n", encoding="utf-8")
    lines = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if line == f"- id: {first['id']}"]
    assert len(lines) == 2
    duplicate = next(p for p in load(data_copy).problems if p.message.startswith("duplicate id"))
    assert (duplicate.file, duplicate.line) == (str(path), lines[1])
    assert duplicate.message == f"duplicate id: first defined at {path}:{lines[0]}"
    assert main(["kb", "check", "--data", str(data_copy)]) == 1
    assert f"error: {path}:{lines[1]} [{first['id']}] id: duplicate id: first defined at {path}:{lines[0]}" \
        in capsys.readouterr().out
