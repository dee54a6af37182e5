"""A knowledge Answer shown in the session's language: messages, the answer card, follow-up and flow buttons."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.present.english import English
from bot.present.messages import Messages
from bot.turn import Button, Message
from bot.understand.lang import render, to_traditional
from knowledge.answer import aspect_lines
from knowledge.engine import Answer
from knowledge.schema import GuideItem, SiteProfile

FOLLOW_UP_BUTTONS = ("materials", "fee", "location", "time_limit")


@dataclass
class AnswerView:
    messages: list[Message]
    card: dict[str, Any] | None
    buttons: list[Button] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    item_title: str | None = None


def _convert(value: Any, lang: str) -> Any:
    if lang != "zh-Hant":
        return value
    if isinstance(value, str):
        return to_traditional(value)
    if isinstance(value, list):
        return [_convert(v, lang) for v in value]
    if isinstance(value, dict):
        return {k: _convert(v, lang) for k, v in value.items()}
    return value


def card(item: GuideItem, aspect: str | None, site: SiteProfile, lang: str, english: English) -> dict[str, Any]:
    """{"item_id","title","field","fee","materials","where","hours","online","verified"} for rich clients."""
    if lang == "en" and english.has_guide(item.id):
        return {
            "item_id": item.id, "title": english.title(item), "field": aspect,
            "fee": english.fee(item),
            "materials": english.aspect_lines(item, "materials", site)[0] if item.materials else [],
            "where": english.aspect_lines(item, "location", site)[0],
            "hours": "; ".join(english.aspect_lines(item, "hours", site)[0]),
            "online": [c.name for c in item.channels.online],
            "verified": item.verified,
        }
    data = {
        "item_id": item.id, "title": item.name, "field": aspect,
        "fee": "免费" if item.fee.free else item.fee.text,
        "materials": [m.name for m in item.materials],
        "where": aspect_lines(item, "location", site),
        "hours": "；".join(aspect_lines(item, "hours", site)),
        "online": [c.name + (f"（{c.note}）" if c.note else "") for c in item.channels.online],
        "verified": item.verified,
    }
    return dict(_convert(data, lang))


class AnswerPresenter:
    def __init__(self, messages: Messages, english: English, site: SiteProfile) -> None:
        self.msg = messages
        self.english = english
        self.site = site

    def present(self, answer: Answer, item: GuideItem, lang: str, channel: str, has_flow: bool) -> AnswerView:
        if lang == "en" and self.english.has_guide(item.id):
            screen, speech = self.english.compose(item, answer.field, self.site)
            messages = [Message(screen, speech)]
            title = self.english.title(item)
        elif lang == "en":
            lead = self.english.lead_in(item)
            messages = [Message(lead, lead), Message(answer.answer, answer.speech)]
            title = self.english.title(item)
        else:
            messages = [Message(render(answer.answer, lang), render(answer.speech, lang))]
            title = render(item.name, lang)
        view = AnswerView(messages, card(item, answer.field, self.site, lang, self.english), item_title=title)
        if has_flow:
            view.buttons.append(self._button("button_start", lang))
        for aspect in FOLLOW_UP_BUTTONS:
            if aspect != answer.field and len(view.buttons) < 4:
                view.buttons.append(self._button(f"ask_{aspect}", lang))
        target = self.robot_target(item)
        if channel == "robot" and target:
            view.buttons.append(self._button("button_guide", lang))
            if answer.field == "location":
                view.actions.append({"type": "robot", "go_to": target})
        return view

    def _button(self, key: str, lang: str) -> Button:
        text = self.msg.text(key, lang)
        return Button(text, text)

    def robot_target(self, item: GuideItem) -> str | None:
        for key in item.channels.windows:
            target = self.site.windows[key].robot_target
            if target:
                return target
        return None
