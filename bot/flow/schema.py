"""The flow file contract: what a police IT officer may write in bot/data/flows/*.yaml."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SlotType = Literal["id_number", "plate", "digits6", "phone", "date", "text"]
StepKind = Literal["ask", "choice", "confirm", "action", "pick", "say", "end"]
Scalar = str | int | float | bool
NAME = r"^[a-z][a-z0-9_]*$"
ITEM = r"^(HZ|CRJ|JG|ZA|JD|WA|ZH)-\d{3}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class L10n(_Strict):
    """One text in each language; zh-Hant is made from zh-Hans by OpenCC when not written by hand."""

    zh_hans: str = Field(alias="zh-Hans", min_length=1)
    en: str = Field(min_length=1)
    zh_hant: str | None = Field(default=None, alias="zh-Hant")

    def as_dict(self) -> dict[str, str]:
        out = {"zh-Hans": self.zh_hans, "en": self.en}
        if self.zh_hant:
            out["zh-Hant"] = self.zh_hant
        return out

    def all(self) -> list[str]:
        return [t for t in (self.zh_hans, self.en, self.zh_hant) if t]


class Option(_Strict):
    value: str = Field(pattern=NAME)
    title: L10n
    synonyms: list[str] = Field(default_factory=list, description="other words that pick it, any language")
    set: dict[str, Scalar] = Field(default_factory=dict, description="variables set when it is picked, e.g. fee")
    item: str | None = Field(default=None, pattern=ITEM, description="guide item in focus once it is picked")


class Goto(_Strict):
    when: dict[str, Scalar] = Field(default_factory=dict, description="all must equal; empty means always")
    goto: str


class Pick(_Strict):
    source: str = Field(description="variable holding the list to pick from (filled by an action's event)")
    label: L10n = Field(description="how one entry is shown, with its fields as placeholders")
    allow_all: bool = True
    sum: str | None = Field(default=None, description="field added up into <slot>_total over the picked entries")


class Step(_Strict):
    id: str = Field(pattern=NAME)
    kind: StepKind
    prompt: L10n
    speech: L10n | None = None
    help: L10n | None = None
    slot: str | None = Field(default=None, pattern=NAME)
    type: SlotType | None = None
    options: list[Option] = Field(default_factory=list)
    actions: list[dict[str, Any]] = Field(default_factory=list, description="client actions emitted on entering")
    event: str | None = Field(default=None, description="client event that completes the step")
    event_slot: str | None = Field(default=None, description="field of the event that fills the slot")
    store: dict[str, str] = Field(default_factory=dict, description="variable ← event field")
    next: str | list[Goto] | None = None
    on_no: str | None = None
    pick: Pick | None = None
    forget: list[str] = Field(default_factory=list, description="slots masked once this step is done")
    outcome: Literal["done", "cancelled", "handoff"] = "done"
    item: str | None = Field(default=None, pattern=ITEM)


class Flow(_Strict):
    name: str = Field(pattern=NAME)
    title: L10n
    items: list[str] = Field(min_length=1, description="guide items this flow carries out")
    intro: L10n | None = None
    menu: int = Field(default=99, description="position in the menu of kiosk services (lower comes first)")
    steps: list[Step] = Field(min_length=2)

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(f"flow {self.name} has no step {step_id}")

    def slot_types(self) -> dict[str, str]:
        """slot → its type ('choice' and 'pick' for those steps, 'yes_no' for confirmations)."""
        out: dict[str, str] = {}
        for s in self.steps:
            if s.slot:
                out[s.slot] = s.type or {"choice": "choice", "pick": "pick", "confirm": "yes_no"}.get(s.kind, "text")
        return out

    def counted_steps(self) -> list[str]:
        return [s.id for s in self.steps if s.kind not in ("say", "end")]
