"""Load flow files and check them: every problem is reported with its file, flow, step and field."""

from __future__ import annotations

import csv
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.flow.schema import Flow, L10n, Step
from bot.paths import package_data
from bot.present.messages import placeholders
from knowledge.loader import yaml_error_at

ACTION_TYPES = {"kiosk", "show_qr", "backend", "robot", "print"}
BUILTIN_NAMES = {"flow_title", "site_name", "duty_phone", "handover", "self_service_hours"}


@dataclass(frozen=True)
class FlowProblem:
    file: str
    message: str
    flow: str | None = None
    step: str | None = None
    field: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        parts = [self.file]
        if self.flow:
            parts.append(f"flow {self.flow}")
        if self.step:
            parts.append(f"step {self.step}")
        if self.field:
            parts.append(self.field)
        tag = "" if self.severity == "error" else f"[{self.severity}] "
        return f"{tag}{': '.join(parts)}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class FlowSet:
    flows: dict[str, Flow] = field(default_factory=dict)
    problems: list[FlowProblem] = field(default_factory=list)

    @property
    def errors(self) -> list[FlowProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def render(self) -> str:
        lines = [str(p) for p in self.problems]
        lines.append(f"{len(self.flows)} flows, {len(self.errors)} errors, "
                     f"{len(self.problems) - len(self.errors)} warnings")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "flows": sorted(self.flows), "problems": [p.to_dict() for p in self.problems]}


def default_flows_dir() -> Path:
    return package_data() / "flows"


def _pydantic_problems(exc: ValidationError, file: str, raw: Any) -> list[FlowProblem]:
    out = []
    name = raw.get("name") if isinstance(raw, dict) else None
    for err in exc.errors():
        loc = list(err["loc"])
        step = None
        if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
            steps = raw.get("steps") if isinstance(raw, dict) else None
            if isinstance(steps, list) and loc[1] < len(steps) and isinstance(steps[loc[1]], dict):
                step = str(steps[loc[1]].get("id", f"#{loc[1] + 1}"))
            else:
                step = f"#{loc[1] + 1}"
            loc = loc[2:]
        out.append(FlowProblem(file, err["msg"], str(name) if name else None, step,
                               ".".join(str(x) for x in loc) or None))
    return out


def load_flow_file(path: Path) -> tuple[Flow | None, list[FlowProblem]]:
    file = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        line, reason = yaml_error_at(exc)
        where = f" (line {line})" if line is not None else ""
        return None, [FlowProblem(file, f"not valid YAML{where}: {reason}")]
    if not isinstance(raw, dict):
        return None, [FlowProblem(file, "a flow file holds one mapping with name, title, items and steps")]
    try:
        flow = Flow.model_validate(raw)
    except ValidationError as exc:
        return None, _pydantic_problems(exc, file, raw)
    problems = check_flow(flow, file)
    if flow.name != path.stem:
        problems.append(FlowProblem(file, f"the flow name must match the file name ({path.stem})", flow.name,
                                    field="name"))
    return flow, problems


def _texts(step: Step) -> list[tuple[str, L10n]]:
    out = [("prompt", step.prompt)]
    if step.speech:
        out.append(("speech", step.speech))
    if step.help:
        out.append(("help", step.help))
    return out


def _targets(step: Step) -> list[tuple[str, str]]:
    out = []
    if isinstance(step.next, str):
        out.append(("next", step.next))
    elif isinstance(step.next, list):
        out.extend((f"next[{i}].goto", g.goto) for i, g in enumerate(step.next))
    if step.on_no:
        out.append(("on_no", step.on_no))
    return out


def _names(flow: Flow) -> set[str]:
    names = set(BUILTIN_NAMES)
    for s in flow.steps:
        if s.slot:
            names.update({s.slot, f"{s.slot}_title"})
        for o in s.options:
            names.update(o.set)
        names.update(s.store)
        names.update(f"{k}_count" for k in s.store)
        if s.pick and s.slot:
            names.update({f"{s.slot}_total", f"{s.slot}_count", f"{s.pick.source}_list"})
    return names


def _kind_problems(step: Step) -> list[tuple[str, str]]:
    """(field, message) for what this kind of step needs."""
    need: list[tuple[str, str]] = []
    if step.kind != "end" and step.next is None and step.kind != "confirm":
        need.append(("next", f"a {step.kind} step needs next"))
    if step.kind == "confirm" and step.next is None:
        need.append(("next", "a confirm step needs next (where yes goes)"))
    if step.kind == "ask":
        if not step.slot or not step.type:
            need.append(("slot", "an ask step needs slot and type"))
        if step.event_slot and not step.event:
            need.append(("event_slot", "event_slot needs event"))
    if step.kind == "choice":
        if not step.slot:
            need.append(("slot", "a choice step needs slot"))
        if len(step.options) < 2:
            need.append(("options", "a choice step needs at least two options"))
        values = [o.value for o in step.options]
        if len(values) != len(set(values)):
            need.append(("options", "option values must be unique"))
    if step.kind == "confirm" and not step.on_no:
        need.append(("on_no", "a confirm step needs on_no (where no goes)"))
    if step.kind == "action":
        if not step.actions:
            need.append(("actions", "an action step needs at least one action"))
        if not step.event:
            need.append(("event", "an action step needs the event that completes it"))
    if step.kind == "pick" and (not step.pick or not step.slot):
        need.append(("pick", "a pick step needs slot and pick"))
    if step.kind == "end" and step.next is not None:
        need.append(("next", "an end step cannot have next"))
    for i, action in enumerate(step.actions):
        kind = action.get("type")
        if kind not in ACTION_TYPES:
            need.append((f"actions[{i}].type", f"unknown action type {kind!r}; use one of {sorted(ACTION_TYPES)}"))
        elif kind in ("kiosk", "backend") and not action.get("do"):
            need.append((f"actions[{i}].do", f"a {kind} action needs do"))
    return need


def check_flow(flow: Flow, file: str) -> list[FlowProblem]:
    problems: list[FlowProblem] = []

    def add(message: str, step: str | None = None, field_: str | None = None, severity: str = "error") -> None:
        problems.append(FlowProblem(file, message, flow.name, step, field_, severity))

    ids = [s.id for s in flow.steps]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        add(f"step id {dup} is used twice", dup, "id")
    known = set(ids)
    names = _names(flow)
    slots = {s.slot for s in flow.steps if s.slot}
    for step in flow.steps:
        for field_, message in _kind_problems(step):
            add(message, step.id, field_)
        for field_, target in _targets(step):
            if target not in known:
                add(f"goes to unknown step {target!r}", step.id, field_)
        if isinstance(step.next, list):
            for i, g in enumerate(step.next):
                for key in g.when:
                    if key not in names:
                        add(f"condition on unknown slot or variable {key!r}", step.id, f"next[{i}].when")
            if step.next and step.next[-1].when:
                add("the last branch should have no condition (the default)", step.id, "next", "warning")
        for field_, text in _texts(step):
            for lang, template in text.as_dict().items():
                for name in placeholders(template):
                    if name not in names:
                        add(f"unknown placeholder {{{name}}} in {lang}", step.id, field_)
        for name in step.forget:
            if name not in slots:
                add(f"forgets unknown slot {name!r}", step.id, "forget")
    reachable = _reachable(flow)
    for step in flow.steps:
        if step.id not in reachable:
            add("no step leads here", step.id, severity="warning")
    if not any(flow.step(i).kind == "end" for i in reachable):
        add("no end step can be reached")
    return problems


def _reachable(flow: Flow) -> set[str]:
    known = {s.id for s in flow.steps}
    seen: set[str] = set()
    queue = deque([flow.steps[0].id])
    while queue:
        sid = queue.popleft()
        if sid in seen or sid not in known:
            continue
        seen.add(sid)
        queue.extend(t for _, t in _targets(flow.step(sid)))
    return seen


def read_catalogue_flows(path: Path) -> dict[str, str]:
    """item id → flow name, for the items the catalogue marks as kiosk flows."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["id"]: row.get("flow") or "" for row in csv.DictReader(fh)}


def check_against_catalogue(flows: dict[str, Flow], catalogue: dict[str, str], file_of: dict[str, str],
                            known_items: set[str] | None = None) -> list[FlowProblem]:
    problems = []
    for flow in flows.values():
        file = file_of.get(flow.name, flow.name)
        ids = set(flow.items) | {o.item for s in flow.steps for o in s.options if o.item}
        for item in sorted(ids):
            if item not in catalogue:
                problems.append(FlowProblem(file, f"item {item} is not in the catalogue", flow.name, field="items"))
            elif catalogue[item] != flow.name:
                problems.append(FlowProblem(file, f"the catalogue names flow {catalogue[item] or '(none)'} for "
                                            f"{item}", flow.name, field="items", severity="warning"))
            elif known_items is not None and item not in known_items:
                problems.append(FlowProblem(file, f"item {item} has no guide in the knowledge base yet", flow.name,
                                            field="items", severity="warning"))
    return problems


def load_flows(directory: Path | None = None, catalogue: Path | None = None,
               known_items: set[str] | None = None) -> FlowSet:
    """Every *.yaml under the directory; with a catalogue, the item ids are checked against it."""
    root = directory or default_flows_dir()
    result = FlowSet()
    file_of: dict[str, str] = {}
    files = sorted(root.glob("*.yaml"))
    if not files:
        result.problems.append(FlowProblem(str(root), "no flow files found"))
    for path in files:
        flow, problems = load_flow_file(path)
        result.problems.extend(problems)
        if flow is None:
            continue
        if flow.name in result.flows:
            result.problems.append(FlowProblem(str(path), f"flow {flow.name} is defined twice", flow.name))
            continue
        result.flows[flow.name] = flow
        file_of[flow.name] = str(path)
    if catalogue is not None and catalogue.exists():
        result.problems.extend(check_against_catalogue(result.flows, read_catalogue_flows(catalogue), file_of,
                                                       known_items))
    return result
