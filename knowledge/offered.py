"""Catalogue coverage: every catalogue item is in the base, or the bureau lists it under `not_offered` in
site.yaml; those it does not offer are referred to a window instead of answered."""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Iterable
from pathlib import Path

from knowledge.schema import GuideItem, OutOfScopeGroup, SiteProfile

NOT_OFFERED_ID = "OOS-NOTOFFERED"
NOT_OFFERED_NAME = "本所暂不办理的业务"
_ID = re.compile(r"^([A-Z]+)-(\d+)$")


def read_rows(path: Path) -> dict[str, dict[str, str]]:
    """Catalogue CSV → {id: row}; empty when the file is absent."""
    if not path.exists():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {row["id"].strip(): {k: (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(fh)}


def uncovered(catalogue: Collection[str], item_ids: Iterable[str], not_offered: Iterable[str]) -> list[str]:
    """Catalogue ids neither in the base nor declared not offered."""
    return sorted(set(catalogue) - set(item_ids) - set(not_offered))


def id_ranges(ids: Iterable[str]) -> str:
    """'HZ-001–HZ-035, JG-007': consecutive ids of one category folded, so a whole missing file reads as one range."""
    runs: list[tuple[str, int, int, int]] = []
    for raw in sorted(ids):
        m = _ID.match(raw)
        if m is None:
            runs.append((raw, -1, -1, 0))
            continue
        prefix, number, width = m.group(1), int(m.group(2)), len(m.group(2))
        if runs and runs[-1][0] == prefix and runs[-1][2] == number - 1:
            runs[-1] = (prefix, runs[-1][1], number, width)
        else:
            runs.append((prefix, number, number, width))
    out = []
    for prefix, first, last, width in runs:
        if first < 0:
            out.append(prefix)
        elif first == last:
            out.append(f"{prefix}-{first:0{width}d}")
        else:
            out.append(f"{prefix}-{first:0{width}d}–{prefix}-{last:0{width}d}")
    return ", ".join(out)


def coverage_message(missing: Collection[str], items_dir: Path) -> str:
    return (f"{len(missing)} catalogue item(s) missing from {items_dir}: {id_ranges(missing)}; restore their item "
            "file, or list the ids under not_offered in site.yaml if this station does not offer them")


def group_id(item_id: str) -> str:
    """'HZ-003' → 'OOS-NOHZAAD': an out-of-scope group id (letters only) for one item not offered here."""
    return "OOS-NO" + "".join(chr(ord("A") + int(c)) if c.isdigit() else c for c in item_id if c.isalnum())


def referral_groups(site: SiteProfile, known: dict[str, GuideItem], catalogue: dict[str, dict[str, str]]
                    ) -> list[OutOfScopeGroup]:
    """One out-of-scope group per item the station does not offer, ranked beside the items so that its questions are
    referred to a window: the item's name and aliases as keywords and its example questions when the item is known
    (from this base or the packaged one), else the catalogue's name and summary."""
    groups = []
    for item_id in site.not_offered:
        item = known.get(item_id)
        row = catalogue.get(item_id, {})
        name = item.name if item is not None else row.get("name") or item_id
        keywords = [name, *(item.aliases if item is not None else [])]
        examples = list(item.examples) if item is not None else [name, row.get("summary") or name]
        groups.append(OutOfScopeGroup(
            id=group_id(item_id), kind="department", name=NOT_OFFERED_NAME, keywords=list(dict.fromkeys(keywords)),
            reply=f"本所暂不办理{name}，工作人员可以告诉您到哪里办理。", examples=examples))
    return groups
