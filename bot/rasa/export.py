"""Write a Rasa 3.6 project (config, domain, NLU data, rules, forms, responses) from the knowledge base and the flows.

Two ways to put 326 guide items in front of DIET, chosen with `ExportOptions.mode`:
- "intents": one intent per item (item_hz_001 …), 326 rules mapping each to the knowledge action;
- "retrieval": one retrieval intent `kb` whose sub-intents (kb/hz_001 …) a ResponseSelector tells apart.
docs/rasa.md has the measurement that picked the default. Either way the knowledge action answers through
`knowledge/` (the aspect asked, the site's facts), so Rasa only decides *which* item, as daoban's ranker does.

Flows become forms: the ask and choice steps of a flow are the form's slots, filled from the text and checked by the
action server with bot.flow.validators (ID number checksum, plate, phone, last six, date); the action server asks only
for the slots on the branch the citizen's answers take.
Kiosk actions, payments and confirmations stay with the kiosk: an exported form ends where the slot filling ends.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from bot.flow.loader import load_flows
from bot.rasa import naming
from bot.rasa.export_domain import build_parts
from bot.rasa.export_nlu import load_commands, nlu_yaml
from bot.rasa.export_options import ExportOptions, ExportReport
from bot.rasa.forms import FormPlan, flow_of_items, plan_forms
from knowledge.loader import KnowledgeBaseError, default_data_dir, load
from knowledge.schema import GuideItem

RASA_VERSION = "3.6.21"


def _config(options: ExportOptions) -> dict[str, Any]:
    diet: dict[str, Any] = {"name": "DIETClassifier", "epochs": options.epochs, "constrain_similarities": True,
                            "entity_recognition": False, "number_of_transformer_layers": options.transformer_layers,
                            "random_seed": 42}
    pipeline: list[dict[str, Any]] = [
        {"name": "JiebaTokenizer"},
        {"name": "CountVectorsFeaturizer"},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 3},
        diet,
    ]
    if options.mode == "retrieval":
        pipeline.append({"name": "ResponseSelector", "epochs": options.epochs,
                         "retrieval_intent": naming.RETRIEVAL_INTENT, "constrain_similarities": True,
                         "number_of_transformer_layers": options.transformer_layers,
                         "random_seed": 42})
    pipeline.append({"name": "FallbackClassifier", "threshold": options.fallback_threshold,
                     "ambiguity_threshold": options.ambiguity_threshold})
    return {
        "recipe": "default.v1",
        "language": "zh",
        "assistant_id": "daoban-export",
        "pipeline": pipeline,
        "policies": [
            {"name": "MemoizationPolicy"},
            {"name": "RulePolicy", "core_fallback_threshold": 0.3,
             "core_fallback_action_name": "action_default_fallback", "enable_fallback_prediction": True},
        ],
    }


def manifest(plans: list[FormPlan], items: list[GuideItem], options: ExportOptions) -> dict[str, Any]:
    """What the action server and the benchmark need to know about an export (daoban_export.json)."""
    return {
        "rasa_version": RASA_VERSION,
        "mode": options.mode,
        "options": {k: v for k, v in options.__dict__.items()},
        "item_flows": flow_of_items(items, plans),
        "forms": {p.form: {"flow": p.flow, "title": p.title, "items": list(p.items),
                           "skipped_steps": list(p.skipped_steps), "remaining": list(p.remaining),
                           "slots": [{"name": s.name, "flow_slot": s.flow_slot, "kind": s.kind, "step": s.step,
                                      "options": {v: list(w) for v, w in s.options}} for s in p.slots]}
                  for p in plans},
    }


def build_project(options: ExportOptions | None = None, data_dir: Path | None = None, flows_dir: Path | None = None,
                  commands_file: Path | None = None) -> tuple[dict[str, str], ExportReport]:
    """{relative path: file text} for the whole project, and what went into it. Raises KnowledgeBaseError."""
    options = options or ExportOptions()
    report = ExportReport(None, options.mode)
    kb = load(data_dir or default_data_dir())
    if not kb.ok or kb.site is None:
        raise KnowledgeBaseError(kb.problems)
    flow_set = load_flows(flows_dir) if flows_dir is None or flows_dir.exists() else None
    flows = list(flow_set.flows.values()) if flow_set is not None else []
    if flow_set is not None:
        report.problems += [str(p) for p in flow_set.errors if "no flow files" not in p.message]
    plans = plan_forms(flows, kb.site)
    if commands_file is None:
        from bot.paths import package_data

        commands_file = package_data() / "commands.yaml"
    parts = build_parts(kb.items, kb.out_of_scope, kb.site, plans, load_commands(commands_file), options, report)

    def dump(data: Any) -> str:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)

    files = {
        "config.yml": dump(_config(options)),
        "domain.yml": dump(parts.domain),
        "data/nlu.yml": nlu_yaml(parts.nlu),
        "data/rules.yml": dump({"version": "3.1", "rules": parts.rules}),
        "endpoints.yml": dump({"action_endpoint": {"url": options.action_url}}),
        "credentials.yml": dump({"rest": None}),
        "daoban_export.json": json.dumps(manifest(plans, kb.items, options), ensure_ascii=False, indent=2) + "\n",
    }
    report.files = list(files)
    return files, report


def export_project(directory: Path, options: ExportOptions | None = None, data_dir: Path | None = None,
                   flows_dir: Path | None = None) -> ExportReport:
    """Write the project under directory (created; files of an earlier export are overwritten)."""
    files, report = build_project(options, data_dir, flows_dir)
    for rel, text in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    report.directory = directory
    return report
