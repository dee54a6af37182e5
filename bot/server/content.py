"""What the service serves, checked before it serves it: the knowledge base (schema and catalogue coverage) and the
flows, at start and on reload."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.server.config import ServiceConfig

if TYPE_CHECKING:
    from knowledge.engine import KnowledgeEngine


class KnowledgeBaseIncomplete(RuntimeError):
    """Catalogue items are missing from the base and not declared `not_offered`: refused rather than half served."""

    def __init__(self, missing: list[str], items_dir: Path) -> None:
        from knowledge.offered import coverage_message, id_ranges

        super().__init__(coverage_message(missing, items_dir))
        self.missing = missing
        self.public = f"knowledge base incomplete: {len(missing)} catalogue item(s) missing: {id_ranges(missing)}"
        """What /ready may show (no paths)."""


@dataclass
class ReloadResult:
    ok: bool
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    items: int = 0
    flows: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "errors": self.errors, "warnings": self.warnings, "items": self.items,
                "flows": self.flows, "seconds": round(self.seconds, 3)}


def kb_root(config: ServiceConfig) -> Path:
    from knowledge.loader import default_data_dir

    return config.kb_dir or default_data_dir()


def load_engine(config: ServiceConfig) -> KnowledgeEngine:
    """The engine over the configured base; raises KnowledgeBaseError for a base that does not validate and
    KnowledgeBaseIncomplete for one that lacks catalogue items."""
    from knowledge.engine import KnowledgeEngine

    engine = KnowledgeEngine.load(data_dir=config.kb_dir, encoder=config.encoder)
    missing = uncovered(config, engine)
    if missing:
        raise KnowledgeBaseIncomplete(missing, kb_root(config) / "items")
    return engine


def uncovered(config: ServiceConfig, engine: KnowledgeEngine) -> list[str]:
    """Catalogue ids neither in the base nor declared not offered (the base's catalogue, else the packaged one)."""
    from knowledge.loader import default_data_dir
    from knowledge.offered import read_rows
    from knowledge.offered import uncovered as missing_ids

    catalogue = read_rows(kb_root(config) / "catalogue.csv") or read_rows(default_data_dir() / "catalogue.csv")
    return missing_ids(catalogue, engine.items, engine.site.not_offered)


def validate(config: ServiceConfig) -> ReloadResult:
    """`daoban kb check` and the flow checker over what is on disk; catalogue items missing are errors."""
    from knowledge.check import check
    from knowledge.offered import coverage_message

    result = ReloadResult(ok=True)
    report = check(config.kb_dir)
    result.items = report.items
    result.errors.extend(e.to_dict() | {"text": str(e)} for e in report.errors)
    if report.missing_ids:
        items_dir = kb_root(config) / "items"
        result.errors.append({"file": str(items_dir), "message": "catalogue items missing from the base",
                              "missing_ids": report.missing_ids,
                              "text": coverage_message(report.missing_ids, items_dir)})
    if report.not_offered:
        result.warnings.append(f"not offered here, referred to a window: {', '.join(report.not_offered)}")
    if report.unknown_ids:
        result.warnings.append(f"ids not in the catalogue: {', '.join(report.unknown_ids)}")
    flow_errors, flows = _validate_flows(config.flows_dir)
    result.errors.extend(flow_errors)
    result.flows = flows
    result.ok = not result.errors
    return result


def _validate_flows(flows_dir: Path | None) -> tuple[list[dict[str, Any]], int]:
    from bot.flow.loader import load_flows

    flow_set = load_flows(flows_dir)
    return [p.to_dict() | {"text": str(p)} for p in flow_set.errors], len(flow_set.flows)
