"""Idle announcements (anti-fraud, traffic safety, drug prevention) that a quiet kiosk or robot channel plays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

DEFAULT_FILE = Path(__file__).parent / "data" / "announcements.yaml"


class Announcement(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    id: str
    topic: str
    zh_hans: str = Field(alias="zh-Hans", min_length=1)
    zh_hant: str | None = Field(None, alias="zh-Hant")
    en: str | None = None
    speech: str | None = None

    def text(self, lang: str) -> str:
        if lang == "zh-Hant" and self.zh_hant:
            return self.zh_hant
        if lang == "en" and self.en:
            return self.en
        return self.zh_hans

    def message(self, lang: str, index: int) -> dict[str, Any]:
        text = self.text(lang)
        speech = self.speech if lang == "zh-Hans" and self.speech else text
        return {"type": "announcement", "id": self.id, "topic": self.topic, "lang": lang, "index": index,
                "messages": [{"text": text, "speech": speech}]}


class AnnouncementError(ValueError):
    pass


def load_announcements(path: Path | None = None) -> list[Announcement]:
    source = path or DEFAULT_FILE
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AnnouncementError(f"{source}: cannot read announcements: {exc}") from exc
    if not isinstance(data, list) or not data:
        raise AnnouncementError(f"{source}: expected a non-empty list of announcements")
    items: list[Announcement] = []
    for n, entry in enumerate(data, 1):
        try:
            items.append(Announcement.model_validate(entry))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise AnnouncementError(f"{source}: entry {n}: {problems}") from exc
    return items


class Rotation:
    """Cycles through the list; each channel connection keeps its own position."""

    def __init__(self, items: list[Announcement]) -> None:
        self.items = items
        self.position = 0

    def next(self, lang: str) -> dict[str, Any]:
        index = self.position % len(self.items)
        self.position += 1
        return self.items[index].message(lang, index)
