"""Guide-item answers for the action server, and which item Rasa's NLU picked for a message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.rasa import naming
from bot.turn import TurnKind
from bot.understand.lang import detect
from bot.understand.rules import Rules
from knowledge.answer import compose
from knowledge.aspects import AspectDetector
from knowledge.loader import KnowledgeBaseError, default_data_dir, load
from knowledge.normalize import InvalidQuery, normalize
from knowledge.schema import GuideItem, SiteProfile


class KnowledgeAnswers:
    """Guide items, the site profile and the aspect cues from `knowledge/`, loaded once at start-up.

    Rasa's NLU already chose the item, so no search index is built here: the answer is composed by knowledge.answer
    for the aspect the question asks about, exactly as daoban composes it.
    """

    def __init__(self, data_dir: Path | None = None) -> None:
        root = data_dir or default_data_dir()
        kb = load(root)
        if not kb.ok or kb.site is None:
            raise KnowledgeBaseError(kb.problems)
        self.items: dict[str, GuideItem] = {i.id: i for i in kb.items}
        self.site: SiteProfile = kb.site
        self.aspects = AspectDetector.from_file(root / "aspects.yaml")

    def answer(self, item_id: str, question: str) -> dict[str, Any]:
        """Screen text, speech and the aspect asked, for an item Rasa's NLU chose. KeyError for an unknown item."""
        item = self.items[item_id]
        aspect = self.aspects.detect(normalize(question)) if question.strip() else None
        composed = compose(item, aspect, self.site)
        return {"text": composed.screen, "speech": composed.speech, "item_id": item.id, "item_title": item.name,
                "field": aspect}


def rule_reply(rules: Rules, site: SiteProfile, text: str) -> dict[str, Any] | None:
    """daoban's own decision where it must win over the NLU's item: a refusal, a social turn, small talk.

    The same rules, in the same order, as bot.understand.classify; None leaves the turn to Rasa's NLU.
    """
    try:
        understood = rules.classify(text)
    except InvalidQuery:
        return None
    if understood is None:
        return None
    lang = detect(text) or "zh-Hans"
    if understood.kind is TurnKind.REFUSAL and understood.refusal is not None:
        screen, speech = rules.refusals.reply(understood.refusal.category, lang)
    elif understood.kind is TurnKind.SOCIAL and understood.social is not None:
        screen, speech, _ = rules.social.reply(understood.social, lang, site)
    elif understood.kind is TurnKind.CHITCHAT and understood.chitchat is not None:
        screen, speech = rules.smalltalk.reply(understood.chitchat, lang)
    else:
        return None
    return {"text": screen, "speech": speech, "kind": understood.label, "handoff": False}


def item_of_message(message: dict[str, Any]) -> tuple[str | None, float | None]:
    """The guide item Rasa's NLU picked for a parsed message, and its confidence (intent or retrieval response)."""
    intent = message.get("intent") or {}
    item_id = naming.item_id_of(intent.get("name"))
    confidence = intent.get("confidence")
    if item_id is None:
        selected = (message.get("response_selector") or {}).get(naming.RETRIEVAL_INTENT) or {}
        response = selected.get("response") or {}
        item_id = naming.item_id_of(response.get("intent_response_key"))
        confidence = response.get("confidence", confidence)
    return item_id, confidence
