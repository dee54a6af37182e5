"""`daoban kb check`: validate the base against its schema and the service catalogue."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.loader import Problem, compare_with_catalogue, default_data_dir, load, read_catalogue
from knowledge.offered import id_ranges, uncovered


@dataclass
class CheckReport:
    items: int
    missing_ids: list[str] = field(default_factory=list)
    unknown_ids: list[str] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    not_offered: list[str] = field(default_factory=list)
    """Catalogue ids the station declares it does not offer (site.yaml `not_offered`): referred, not missing."""

    @property
    def ok(self) -> bool:
        return not (self.missing_ids or self.unknown_ids or self.errors)

    def to_dict(self) -> dict[str, Any]:
        return {"items": self.items, "missing_ids": self.missing_ids, "unknown_ids": self.unknown_ids,
                "not_offered": self.not_offered, "errors": [e.to_dict() | {"text": str(e)} for e in self.errors]}

    def render(self) -> str:
        lines = [f"{self.items} items"]
        if self.not_offered:
            lines.append(f"not offered here, referred to a window ({len(self.not_offered)}): "
                         f"{id_ranges(self.not_offered)}")
        if self.missing_ids:
            lines.append(f"missing from the base ({len(self.missing_ids)}): {id_ranges(self.missing_ids)}")
        if self.unknown_ids:
            lines.append(f"not in the catalogue ({len(self.unknown_ids)}): {', '.join(self.unknown_ids)}")
        lines.extend(f"error: {e}" for e in self.errors)
        lines.append("OK" if self.ok else f"FAILED: {len(self.errors)} error(s)")
        return "\n".join(lines)


def check(data_dir: Path | None = None, catalogue: Path | None = None) -> CheckReport:
    root = data_dir or default_data_dir()
    result = load(root)
    report = CheckReport(items=len(result.items), errors=list(result.problems))
    cat_path = catalogue or root / "catalogue.csv"
    if not cat_path.exists():
        report.errors.append(Problem(str(cat_path), "catalogue file not found"))
        return report
    try:
        names = read_catalogue(cat_path)
    except (KeyError, UnicodeDecodeError, OSError) as exc:
        report.errors.append(Problem(str(cat_path), f"cannot read catalogue: {exc}"))
        return report
    report.missing_ids, report.unknown_ids = compare_with_catalogue(result.items, names)
    if result.site is not None:
        report.not_offered = list(result.site.not_offered)
        report.missing_ids = uncovered(report.missing_ids, (), report.not_offered)
        for item_id in report.not_offered:
            if item_id not in names:
                report.errors.append(Problem(str(root / "site.yaml"), f"not_offered lists '{item_id}', which is not "
                                             "in the catalogue", field="not_offered"))
    for item in result.items:
        if item.id in names and names[item.id] != item.name:
            report.errors.append(Problem(str(root / "items"), f"name '{item.name}' differs from the catalogue's "
                                         f"'{names[item.id]}'", item_id=item.id, field="name"))
    return report
