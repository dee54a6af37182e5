from pathlib import Path

import pytest

from bot.flow.loader import load_flow_file, load_flows
from knowledge.loader import default_data_dir

REQUIRED = {"id_card_reissue", "id_card_loss_report", "temp_id_certificate", "traffic_violation_payment",
            "hk_macau_tw_endorsement", "exit_entry_record_query", "driving_licence_renewal", "residence_permit"}


def test_packaged_flows_are_valid_and_match_the_catalogue() -> None:
    result = load_flows(catalogue=default_data_dir() / "catalogue.csv")
    assert result.ok, result.render()
    assert set(result.flows) >= REQUIRED
    assert not [p for p in result.problems if "catalogue" in p.message]


def test_every_flow_has_english_and_an_end() -> None:
    for flow in load_flows().flows.values():
        assert flow.title.en
        assert any(s.kind == "end" for s in flow.steps)
        assert all(s.prompt.en and s.prompt.zh_hans for s in flow.steps)


GOOD = """
name: demo
title: {zh-Hans: 演示, en: Demo}
items: [HZ-002]
steps:
  - id: ask_id
    kind: ask
    slot: id_number
    type: id_number
    prompt: {zh-Hans: 请输入号码, en: Number please}
    next: done
  - id: done
    kind: end
    prompt: {zh-Hans: "完成 {id_number}", en: "Done {id_number}"}
"""


def _write(tmp_path: Path, text: str, name: str = "demo") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads(tmp_path: Path) -> None:
    flow, problems = load_flow_file(_write(tmp_path, GOOD))
    assert flow is not None and problems == []


@pytest.mark.parametrize(("change", "step", "field", "needle"), [
    (("next: done", "next: nowhere"), "ask_id", "next", "unknown step 'nowhere'"),
    (("type: id_number", "type: passport"), "ask_id", "type", "Input should be"),
    (('"完成 {id_number}"', '"完成 {fee}"'), "done", "prompt", "unknown placeholder {fee}"),
    (("    slot: id_number\n", ""), "ask_id", "slot", "needs slot and type"),
    (("en: Number please", "fr: Numéro"), "ask_id", "prompt", None),
])
def test_problems_name_file_flow_step_and_field(tmp_path: Path, change: tuple[str, str], step: str, field: str,
                                                needle: str | None) -> None:
    path = _write(tmp_path, GOOD.replace(*change))
    _, problems = load_flow_file(path)
    assert problems, "expected a problem"
    p = problems[0]
    assert p.file == str(path) and p.flow == "demo" and p.step == step and p.field and p.field.startswith(field)
    if needle:
        assert needle in p.message
    assert str(p).startswith(str(path))


def test_yaml_errors_and_name_mismatch(tmp_path: Path) -> None:
    _, problems = load_flow_file(_write(tmp_path, "name: [unclosed", "broken"))
    assert "not valid YAML" in problems[0].message
    _, problems = load_flow_file(_write(tmp_path, GOOD, "other"))
    assert any(p.field == "name" for p in problems)


def test_unknown_catalogue_item_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, GOOD.replace("HZ-002", "HZ-999"))
    result = load_flows(tmp_path, default_data_dir() / "catalogue.csv")
    assert not result.ok and any("HZ-999" in p.message for p in result.errors)
