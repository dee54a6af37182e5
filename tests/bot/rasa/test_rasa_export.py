"""The exported Rasa project is complete and self-consistent (checked without Rasa installed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli.main import main as daoban
from bot.flow.loader import load_flow_file
from bot.rasa import naming
from bot.rasa.export import build_project, export_project
from bot.rasa.export_nlu import clean_example, intent_counts
from bot.rasa.export_options import ExportOptions
from bot.rasa.forms import plan_forms, required_flow_steps
from knowledge.loader import load

BUILTIN_ACTIONS = {"action_deactivate_loop", "action_default_fallback", "action_listen", "action_restart"}


@pytest.fixture(scope="module")
def kb() -> Any:
    return load()


@pytest.fixture(scope="module", params=["retrieval", "intents"])
def project(request: pytest.FixtureRequest) -> dict[str, Any]:
    files, report = build_project(ExportOptions(mode=request.param))
    parsed = {name: yaml.safe_load(text) for name, text in files.items() if name.endswith(".yml")}
    return {"mode": request.param, "files": files, "report": report, **parsed,
            "manifest": json.loads(files["daoban_export.json"])}


def _nlu(project: dict[str, Any]) -> dict[str, list[str]]:
    out = {}
    for entry in project["data/nlu.yml"]["nlu"]:
        out[entry["intent"]] = [ln[2:] for ln in entry["examples"].splitlines() if ln.startswith("- ")]
    return out


def test_every_file_is_yaml_rasa_reads(project: dict[str, Any]) -> None:
    assert set(project["files"]) >= {"config.yml", "domain.yml", "data/nlu.yml", "data/rules.yml", "endpoints.yml",
                                     "credentials.yml"}
    assert project["domain.yml"]["version"] == "3.1"
    assert project["data/nlu.yml"]["version"] == "3.1"
    assert project["data/rules.yml"]["version"] == "3.1"
    assert project["endpoints.yml"]["action_endpoint"]["url"].startswith("http://127.0.0.1:")
    assert "rest" in project["credentials.yml"]
    assert project["report"].problems == []


def test_config_is_for_chinese_with_a_fallback(project: dict[str, Any]) -> None:
    config = project["config.yml"]
    assert config["language"] == "zh"
    names = [c["name"] for c in config["pipeline"]]
    assert names[0] == "JiebaTokenizer"
    assert "CountVectorsFeaturizer" in names and "DIETClassifier" in names
    assert names[-1] == "FallbackClassifier"
    assert ("ResponseSelector" in names) == (project["mode"] == "retrieval")
    assert {p["name"] for p in config["policies"]} >= {"RulePolicy"}


def test_every_item_has_an_intent_or_a_response(project: dict[str, Any], kb: Any) -> None:
    nlu = _nlu(project)
    domain = project["domain.yml"]
    for item in kb.items:
        if project["mode"] == "intents":
            intent = naming.item_intent(item.id)
            assert intent in domain["intents"], item.id
            assert len(nlu[intent]) >= 5, item.id
        else:
            key = naming.retrieval_key(item.id)
            assert f"utter_{key}" in domain["responses"], item.id
            assert len(nlu[key]) >= 5, item.id
            assert item.id in domain["responses"][f"utter_{key}"][0]["text"]


def test_out_of_scope_groups_become_intents(project: dict[str, Any], kb: Any) -> None:
    nlu = _nlu(project)
    rules = project["data/rules.yml"]["rules"]
    for group in kb.out_of_scope:
        intent = naming.oos_intent(group.id)
        assert intent in project["domain.yml"]["intents"]
        assert len(nlu[intent]) >= 2
        assert any(r["steps"] == [{"intent": intent}, {"action": f"utter_{intent}"}] for r in rules)


def test_no_example_under_two_intents_and_none_empty(project: dict[str, Any]) -> None:
    owner: dict[str, str] = {}
    for intent, examples in _nlu(project).items():
        assert examples, intent
        assert len(examples) == len(set(examples)), intent
        for text in examples:
            assert not any(c in text for c in "[](){}"), text
            assert owner.setdefault(text, intent) == intent, f"{text!r} under {owner[text]} and {intent}"


def test_forms_reference_existing_slots_and_prompts(project: dict[str, Any]) -> None:
    domain = project["domain.yml"]
    forms = domain.get("forms", {})
    assert forms, "the packaged flows should give at least one form"
    for form, spec in forms.items():
        assert form in project["manifest"]["forms"]
        assert f"validate_{form}" in domain["actions"]
        for slot in spec["required_slots"]:
            assert slot in domain["slots"], (form, slot)
            flow = naming.flow_of_form(form)
            assert flow is not None
            assert naming.ask_response(flow, slot) in domain["responses"], (form, slot)
            conditions = [c for m in domain["slots"][slot]["mappings"] for c in m.get("conditions", [])]
            assert {"active_loop": form, "requested_slot": slot} in conditions
    for slot, spec in domain["slots"].items():
        for mapping in spec["mappings"]:
            for condition in mapping.get("conditions", []):
                assert condition["active_loop"] in forms, (slot, condition)


def test_the_slot_filling_kinds_are_all_exported(project: dict[str, Any]) -> None:
    kinds = {s["kind"] for f in project["manifest"]["forms"].values() for s in f["slots"]}
    assert {"id_number", "phone", "choice"} <= kinds
    reissue = project["manifest"]["forms"]["id_card_reissue_form"]
    assert [s["name"] for s in reissue["slots"]][:2] == ["reason", "id_number"]
    assert "phone" in [s["name"] for s in reissue["slots"]]


def test_rules_use_only_what_the_domain_declares(project: dict[str, Any]) -> None:
    domain = project["domain.yml"]
    intents = set(domain["intents"]) | {naming.INTENT_FALLBACK}
    actions = set(domain["actions"]) | set(domain.get("forms", {})) | set(domain["responses"]) | BUILTIN_ACTIONS
    for rule in project["data/rules.yml"]["rules"]:
        for step in rule["steps"]:
            if "intent" in step:
                assert step["intent"] in intents, rule["rule"]
            if "action" in step:
                assert step["action"] in actions, rule["rule"]
        for condition in rule.get("condition", []):
            for slot_set in condition.get("slot_was_set", []):
                for slot, value in slot_set.items():
                    assert slot in domain["slots"]
                    assert value in domain["slots"][slot].get("values", [value])


def test_intent_counts_match_report(project: dict[str, Any]) -> None:
    counts = intent_counts(project["files"]["data/nlu.yml"])
    assert sum(counts.values()) == project["report"].examples
    expected = 326 if project["mode"] == "intents" else 0
    assert project["report"].item_intents == expected


def test_clean_example_strips_annotation_syntax() -> None:
    assert clean_example("- 身份证[丢了](what)怎么办\n") == "身份证【丢了】（what）怎么办"


def test_path_dependent_slots(tmp_path: Path, kb: Any) -> None:
    (tmp_path / "demo.yaml").write_text("""
name: demo
title: {zh-Hans: 示例, en: Demo}
items: [HZ-003]
steps:
  - id: how
    kind: choice
    slot: how
    prompt: {zh-Hans: "请选择：1. 自取 2. 邮寄（{site_name}）", en: Choose}
    options:
      - {value: pickup, title: {zh-Hans: 自取, en: Pick up}}
      - {value: post, title: {zh-Hans: 邮寄, en: Post}, synonyms: [快递]}
    next:
      - {when: {how: post}, goto: phone}
      - {goto: done}
  - id: phone
    kind: ask
    slot: phone
    type: phone
    prompt: {zh-Hans: 请输入手机号码, en: Phone}
    next: done
  - id: done
    kind: end
    prompt: {zh-Hans: 好了, en: Done}
""", encoding="utf-8")
    flow, problems = load_flow_file(tmp_path / "demo.yaml")
    assert flow is not None and not [p for p in problems if p.severity == "error"], problems
    (plan,) = plan_forms([flow], kb.site)
    assert [s.name for s in plan.slots] == ["how", "phone"]
    assert kb.site.name in plan.slots[0].prompt and "{" not in plan.slots[0].prompt
    assert required_flow_steps(flow, {}) == ["how"]
    assert required_flow_steps(flow, {"how": "pickup"}) == ["how"]
    assert required_flow_steps(flow, {"how": "post"}) == ["how", "phone"]
    files, report = build_project(flows_dir=tmp_path)
    domain = yaml.safe_load(files["domain.yml"])
    assert domain["forms"] == {"demo_form": {"required_slots": ["how", "phone"]}}
    assert report.forms == ["demo_form"]


def test_export_command_writes_the_project(tmp_path: Path) -> None:
    out = tmp_path / "project"
    assert daoban(["rasa", "export", str(out), "--epochs", "5", "--json"]) == 0
    for name in ("config.yml", "domain.yml", "data/nlu.yml", "data/rules.yml", "endpoints.yml"):
        assert (out / name).is_file(), name
    config = yaml.safe_load((out / "config.yml").read_text(encoding="utf-8"))
    assert next(c for c in config["pipeline"] if c["name"] == "DIETClassifier")["epochs"] == 5


def test_export_project_reports_directory(tmp_path: Path) -> None:
    report = export_project(tmp_path / "p", ExportOptions(mode="retrieval", epochs=3))
    assert report.directory == tmp_path / "p"
    assert report.retrieval_responses == 326
