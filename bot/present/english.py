"""English answers for foreigners from guide facts: titles, fees, places, hours, glossed from the Chinese guide.

English questions are mapped to the guide's terms by knowledge/english.py alone."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from knowledge.answer import aspect_lines
from knowledge.schema import GuideItem, SiteProfile

ASPECT_LABELS_EN = {
    "fee": "Fee", "materials": "Documents to bring", "time_limit": "Processing time", "location": "Where",
    "hours": "Opening hours", "conditions": "Who can apply", "steps": "Steps", "validity": "Validity",
    "online": "Online", "progress": "Progress",
}
_WINDOW = re.compile(r"(\d+(?:-\d+)?)号窗口")
_CJK = re.compile(r"[\u3400-\u9fff]")


class English:
    def __init__(self, data: Mapping[str, Any], items: Mapping[str, Mapping[str, str]]) -> None:
        self._glossary = sorted(((str(k), str(v)) for k, v in (data.get("glossary") or {}).items()),
                                key=lambda kv: -len(kv[0]))
        self._exact = dict(self._glossary)
        self.categories: dict[str, str] = dict(data.get("categories") or {})
        self.items = {k: dict(v) for k, v in items.items()}

    @classmethod
    def load(cls, directory: Path) -> English:
        with (directory / "en_terms.yaml").open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
        with (directory / "en_items.yaml").open(encoding="utf-8") as fh:
            items = yaml.safe_load(fh) or {}
        return cls(data, items)

    def name(self, text: str) -> str:
        """A window, material or form name in English when the glossary has it whole, else as it is."""
        return self._exact.get(text) or _WINDOW.sub(lambda m: f"window {m.group(1)}", text)

    def gloss(self, text: str) -> str:
        """Hours and similar composed strings: known words replaced, the rest left in Chinese."""
        if text in self._exact:
            return self._exact[text]
        out = _WINDOW.sub(lambda m: f"window {m.group(1)}", text)
        for zh, en in self._glossary:
            out = out.replace(zh, en)
        return out.replace("、", ", ").replace("；", "; ").replace("，", ", ").replace("（", " (").replace("）", ")")

    def has_guide(self, item_id: str) -> bool:
        return item_id in self.items

    def title(self, item: GuideItem) -> str:
        return self.items.get(item.id, {}).get("title") or item.name

    def fee(self, item: GuideItem) -> str:
        if item.fee.free:
            return "Free of charge."
        if item.fee.amount is not None:
            return f"{item.fee.amount:g} yuan ({item.fee.text})."
        return f"As set out in the official fee text: {item.fee.text}"

    def _places(self, item: GuideItem, site: SiteProfile) -> list[str]:
        lines = []
        for key in item.channels.windows:
            w = site.windows[key]
            where = ", ".join(self.name(x) for x in (w.number, w.floor) if x)
            lines.append(self.name(w.name) + (f" ({where})" if where else ""))
        if item.channels.kiosk:
            lines.append("Self-service machine: " + item.channels.kiosk)
        return lines

    def _hours(self, item: GuideItem, site: SiteProfile) -> list[str]:
        lines = [f"{self.name(site.windows[k].name)}: {self.gloss(site.windows[k].hours or '')}"
                 for k in item.channels.windows if site.windows[k].hours]
        if item.channels.kiosk:
            lines.append("Self-service machines: " + self.gloss(site.self_service_hours))
        return lines or [self.gloss(site.hours)]

    def aspect_lines(self, item: GuideItem, aspect: str, site: SiteProfile) -> tuple[list[str], bool]:
        """(lines, translated): lines of one aspect, and whether they are English rather than the Chinese text."""
        if aspect == "fee":
            return [self.fee(item)], True
        if aspect == "location":
            return self._places(item, site) + [f"Online: {c.name}" for c in item.channels.online], True
        if aspect == "hours":
            return self._hours(item, site), True
        if aspect == "materials":
            lines = [f"{self.name(m.name)} ({self.name(m.form)})" + ("" if m.required else ", if applicable")
                     for m in item.materials]
            return lines or ["No paper documents; bring your valid identity document."], True
        if aspect == "online":
            return [c.name for c in item.channels.online] or ["Not available online; please come to a window."], True
        return aspect_lines(item, aspect, site), False

    def compose(self, item: GuideItem, aspect: str | None, site: SiteProfile) -> tuple[str, str]:
        """Screen text and speech for an item with an English guide entry."""
        entry = self.items.get(item.id, {})
        title = self.title(item)
        head = f"[{item.id}] {title}"
        if aspect is None:
            body = [entry.get("summary", ""), f"Fee: {self.fee(item)}"]
            places = self._places(item, site)
            if places:
                body.append("Where: " + "; ".join(places))
            if item.materials:
                body.append("Documents: " + "; ".join(self.name(m.name) for m in item.materials))
            body.append("You can ask me: what to bring, how much, how long, where.")
            speech = f"{title}. {entry.get('summary', '')}".strip()
        else:
            lines, translated = self.aspect_lines(item, aspect, site)
            label = ASPECT_LABELS_EN[aspect] + ("" if translated else " (official text in Chinese)")
            body = [f"{label}:", *(f"{i}. {x}" if len(lines) > 1 else x for i, x in enumerate(lines, 1))]
            first = lines[0] if lines else ""
            speech = f"{title}. {label}: {first}" if translated or not _CJK.search(first) else f"{title}. {label}."
        if not item.verified or aspect in ("location", "hours"):
            body.append("(Subject to the local public security bureau's announcement.)")
        return head + "\n" + "\n".join(b for b in body if b), speech

    def lead_in(self, item: GuideItem) -> str:
        category = self.categories.get(item.category, "public security")
        return (f"This is the official guide for a {category} service: {self.title(item)} ({item.id}). "
                "The guide is only available in Chinese; staff at the front desk can help you in English.")
