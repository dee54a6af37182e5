"""Conversation helpers for tests: a Chat that remembers its session, and sample personal data."""

from __future__ import annotations

from bot.assistant import Assistant
from bot.flow.simulator import SAMPLE_ID
from bot.turn import Reply

VALID_ID = SAMPLE_ID
OTHER_ID = "110105198506120018"
PHONE = "13812345678"


class Chat:
    """One conversation: remembers the session id and the last reply."""

    def __init__(self, assistant: Assistant, channel: str = "web", lang: str | None = None) -> None:
        self.assistant = assistant
        self.channel = channel
        self.lang = lang
        self.session: str | None = None
        self.reply: Reply | None = None

    def say(self, text: str | None = None, event: dict[str, object] | None = None, lang: str | None = None) -> Reply:
        self.reply = self.assistant.handle(self.session, text, event=event, lang=lang or self.lang,
                                           channel=self.channel)
        self.session = self.reply.session_id
        return self.reply

    def start(self, flow: str, item: str | None = None) -> Reply:
        event: dict[str, object] = {"type": "start_flow", "flow": flow}
        if item:
            event["item"] = item
        return self.say(event=event)

    @property
    def text(self) -> str:
        assert self.reply is not None
        return "\n".join(m.text for m in self.reply.messages)

    def state(self) -> dict[str, object]:
        assert self.session is not None
        state = self.assistant.store.get(self.session)
        assert state is not None
        return state
