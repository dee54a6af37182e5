"""Load and validate the guide items and the site profile, reporting every problem with file, item id and field."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from knowledge.schema import GuideItem, OutOfScopeGroup, SiteProfile


def default_data_dir() -> Path:
    return Path(str(resources.files("knowledge") / "data"))


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    item_id: str | None = None
    field: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        who = f" [{self.item_id}]" if self.item_id else ""
        what = f" {self.field}:" if self.field else ""
        return f"{where}{who}{what} {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class LoadResult:
    items: list[GuideItem] = field(default_factory=list)
    origins: list[tuple[str, int | None]] = field(default_factory=list)
    """(file, line) where each item of `items` is written, in the same order."""
    site: SiteProfile | None = None
    out_of_scope: list[OutOfScopeGroup] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.site is not None


class KnowledgeBaseError(Exception):
    """The knowledge base on disk does not validate; `problems` says exactly where."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"knowledge base has {len(problems)} error(s):\n{shown}{more}")


_FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _line_of(text: str, item_id: str | None) -> int | None:
    """Line where `id: <item_id>` is first written, so schema errors point at the item without a slow line-tracking
    parse."""
    lines = _id_lines(text, item_id)
    return lines[0] if lines else None


def _id_lines(text: str, item_id: str | None) -> list[int]:
    """Every line where `id: <item_id>` is written, in order: the n-th is the n-th item with that id."""
    if not item_id:
        return []
    marker = re.compile(rf"^[ \t-]*id:[ \t]*(['\"]?){re.escape(item_id)}\1[ \t]*(?:#.*)?$", re.MULTILINE)
    return [text.count("\n", 0, m.start()) + 1 for m in marker.finditer(text)]


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})"))
    except OSError as exc:
        problems.append(Problem(str(path), f"cannot read file: {exc.strerror}"))
    return None


def yaml_error_at(exc: yaml.YAMLError) -> tuple[int | None, str]:
    """(1-based line, reason) of a YAML syntax error, for messages that point an editor at the spot."""
    mark = getattr(exc, "problem_mark", None)
    return (mark.line + 1 if mark is not None else None), str(getattr(exc, "problem", None) or exc)


def _read_yaml(path: Path, problems: list[Problem], text: str | None = None) -> Any:
    text = text if text is not None else _read_text(path, problems)
    if text is None:
        return None
    try:
        return yaml.load(text, Loader=_FastLoader)
    except yaml.YAMLError as exc:
        line, reason = yaml_error_at(exc)
        problems.append(Problem(str(path), f"YAML syntax error: {reason}", line=line))
        return None


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(item)"


def _load_items(path: Path, problems: list[Problem]) -> list[tuple[GuideItem, int | None]]:
    """The valid items of one file, each with the line its id is written on."""
    text = _read_text(path, problems)
    data = _read_yaml(path, problems, text)
    if data is None:
        return []
    if not isinstance(data, list):
        problems.append(Problem(str(path), "expected a list of items at the top level"))
        return []
    items: list[tuple[GuideItem, int | None]] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(data):
        if not isinstance(raw, dict):
            problems.append(Problem(str(path), f"entry {index + 1} is not a mapping"))
            continue
        item_id = str(raw.get("id")) if raw.get("id") is not None else f"#{index + 1}"
        nth = seen.get(item_id, 0)
        seen[item_id] = nth + 1
        try:
            item = GuideItem.model_validate(raw)
            lines = _id_lines(text or "", item.id)
            items.append((item, lines[nth] if nth < len(lines) else None))
        except ValidationError as exc:
            line = _line_of(text or "", item_id)
            for err in exc.errors():
                problems.append(
                    Problem(str(path), err["msg"], item_id=item_id, field=_field_path(err["loc"]), line=line)
                )
    return items


def load(data_dir: Path | None = None) -> LoadResult:
    """Read every items/*.yaml and site.yaml under data_dir; never raises on bad content, collects problems."""
    root = data_dir or default_data_dir()
    result = LoadResult()
    item_files = sorted((root / "items").glob("*.yaml"))
    if not item_files:
        result.problems.append(Problem(str(root / "items"), "no *.yaml item files found"))
    for path in item_files:
        for item, line in _load_items(path, result.problems):
            result.items.append(item)
            result.origins.append((str(path), line))
    site_path = root / "site.yaml"
    if not site_path.exists():
        result.problems.append(Problem(str(site_path), "site profile is missing"))
    else:
        raw = _read_yaml(site_path, result.problems)
        if raw is not None:
            try:
                result.site = SiteProfile.model_validate(raw)
            except ValidationError as exc:
                for err in exc.errors():
                    result.problems.append(Problem(str(site_path), err["msg"], field=_field_path(err["loc"])))
    oos_path = root / "out_of_scope.yaml"
    if oos_path.exists():
        raw = _read_yaml(oos_path, result.problems)
        for index, entry in enumerate(raw if isinstance(raw, list) else []):
            try:
                result.out_of_scope.append(OutOfScopeGroup.model_validate(entry))
            except ValidationError as exc:
                for err in exc.errors():
                    result.problems.append(
                        Problem(str(oos_path), err["msg"], item_id=f"#{index + 1}", field=_field_path(err["loc"]))
                    )
    _check_duplicates(result)
    _check_windows(result, str(root / "items"))
    return result


def _check_duplicates(result: LoadResult) -> None:
    """Each repeat of an id is reported where it is written, naming where the id was first defined."""
    first: dict[str, tuple[str, int | None]] = {}
    for item, (path, line) in zip(result.items, result.origins, strict=True):
        if item.id in first:
            where, at = first[item.id]
            result.problems.append(Problem(path, f"duplicate id: first defined at {where}" + (f":{at}" if at else ""),
                                           item_id=item.id, field="id", line=line))
        else:
            first[item.id] = (path, line)


def _check_windows(result: LoadResult, where: str) -> None:
    if result.site is None:
        return
    known = set(result.site.windows)
    for item in result.items:
        for name in item.channels.windows:
            if name not in known:
                result.problems.append(
                    Problem(where, f"unknown window '{name}' (site profile has: {', '.join(sorted(known))})",
                            item_id=item.id, field="channels.windows")
                )


def read_catalogue(path: Path) -> dict[str, str]:
    """Catalogue CSV → {id: name}."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {row["id"].strip(): row["name"].strip() for row in csv.DictReader(fh)}


def compare_with_catalogue(items: list[GuideItem], catalogue: dict[str, str]) -> tuple[list[str], list[str]]:
    ids = {i.id for i in items}
    missing = sorted(set(catalogue) - ids)
    unknown = sorted(ids - set(catalogue))
    return missing, unknown
