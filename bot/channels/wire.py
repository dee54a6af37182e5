"""Request and response models: the public wire format of the HTTP, WebSocket and Rasa channels."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Lang = Literal["zh-Hans", "zh-Hant", "en"]
Channel = Literal["web", "kiosk", "robot", "terminal", "voice", "rasa"]
SESSION_ID_PATTERN = r"^[A-Za-z0-9_.:\-]{1,128}$"
ITEM_ID_PATTERN = r"^[A-Z]{1,8}-[0-9]{1,6}$"
FLOW_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


class Event(BaseModel):
    """A client result (e.g. {"type": "id_card_read", "id_number": "..."}); extra fields are the event's data."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"text": "补办身份证要带什么材料？"}, {"session_id": "abc123", "text": "那要多少钱？"},
                     {"session_id": "abc123", "event": {"type": "payment_done"}, "channel": "kiosk"}],
        # exactly one of a text and an event (null counts as absent), as the validator below enforces
        "oneOf": [{"required": ["text"], "properties": {"text": {"type": "string"}}},
                  {"required": ["event"], "properties": {"event": {"type": "object"}}}]})

    session_id: str | None = Field(None, pattern=SESSION_ID_PATTERN,
                                   description="Omit to start a new session; an unknown id also starts one.")
    text: str | None = Field(None, min_length=1, description="What the citizen typed or said.")
    event: Event | None = Field(None, description="A client result instead of text.")
    lang: Lang | None = Field(None, description="Reply language; detected from the text when omitted.")
    channel: Channel = "web"

    @model_validator(mode="after")
    def _text_or_event(self) -> ChatRequest:
        if self.text is None and self.event is None:
            raise ValueError("send either 'text' or 'event'")
        if self.text is not None and self.event is not None:
            raise ValueError("send 'text' or 'event', not both")
        return self


class MessageOut(BaseModel):
    text: str
    speech: str


class ButtonOut(BaseModel):
    title: str
    payload: str


class ReplyOut(BaseModel):
    """The dialogue engine's Reply, as JSON."""

    model_config = ConfigDict(extra="allow")

    session_id: str
    messages: list[MessageOut]
    buttons: list[ButtonOut]
    item_id: str | None = None
    item_title: str | None = None
    field: str | None = None
    actions: list[dict[str, Any]]
    flow: str | None = None
    step: str | None = None
    progress: tuple[int, int] | None = None
    expect: str | None = None
    handoff: bool = False
    lang: str
    card: dict[str, Any] | None = None
    wait_event: str | None = None
    simulated: list[dict[str, Any]] = []
    kind: str | None = None
    redirect: str | None = None
    speech_rate: str | None = None
    ended: bool = Field(False, description="The session closed with this reply (its state is wiped): a client "
                                           "clears what it keeps of the conversation.")


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session_id: str | None = Field(None, pattern=SESSION_ID_PATTERN)
    rating: Literal["up", "down"]
    item_id: str | None = Field(None, pattern=ITEM_ID_PATTERN,
                                description="The answer's guide item (e.g. HZ-003); one the catalogue lacks is kept "
                                            "as null.")
    flow: str | None = Field(None, pattern=FLOW_NAME_PATTERN,
                             description="The flow rated (e.g. id_card_reissue); an unknown name is kept as null.")
    comment: str | None = Field(None, max_length=500, description="Stored with personal data masked.")
    channel: Channel = "web"


class FeedbackOut(BaseModel):
    ok: bool = True


class RasaMessage(BaseModel):
    """Rasa's REST channel input: `message` is text or a button payload such as '/payment_done' or '/choose{"n":1}'."""

    model_config = ConfigDict(extra="allow")

    sender: str = Field(pattern=SESSION_ID_PATTERN)
    message: str = Field(min_length=1)
    metadata: dict[str, Any] | None = None


class RasaButton(BaseModel):
    title: str
    payload: str


class RasaOut(BaseModel):
    recipient_id: str
    text: str | None = None
    buttons: list[RasaButton] | None = None
    custom: dict[str, Any] | None = None


class ErrorOut(BaseModel):
    detail: str


class ValidationErrorOut(BaseModel):
    detail: str
    errors: list[dict[str, Any]]


class ReloadOut(BaseModel):
    """What /admin/reload found: `ok` false (status 422) keeps the content that was serving."""

    model_config = ConfigDict(extra="allow")

    ok: bool
    errors: list[dict[str, Any]]
    warnings: list[str]
    items: int
    flows: int
    seconds: float
