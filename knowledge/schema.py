"""Pydantic models for guide items and the site profile: the contract every YAML file is checked against."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

CATEGORY_NAMES: dict[str, str] = {
    "HZ": "户政",
    "CRJ": "出入境",
    "JG": "交管",
    "ZA": "治安",
    "JD": "禁毒",
    "WA": "网安",
    "ZH": "综合",
}

Aspect = Literal[
    "fee",
    "materials",
    "time_limit",
    "location",
    "hours",
    "conditions",
    "steps",
    "validity",
    "online",
    "progress",
]
ASPECTS: tuple[str, ...] = (
    "fee",
    "materials",
    "time_limit",
    "location",
    "hours",
    "conditions",
    "steps",
    "validity",
    "online",
    "progress",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class Material(_Strict):
    name: str = Field(min_length=1)
    form: Literal["原件", "复印件", "原件及复印件", "电子证照", "现场填写", "现场采集", "其他"] = "原件"
    copies: int | None = Field(default=None, ge=1, le=20)
    required: bool = True
    note: str | None = None


class Fee(_Strict):
    free: bool
    amount: float | None = Field(default=None, ge=0, description="yuan, when one fixed amount applies")
    text: str = Field(min_length=1, description="the fee as a citizen reads it, e.g. 每证40元")
    basis: str | None = None

    @model_validator(mode="after")
    def _free_has_no_amount(self) -> Fee:
        if self.free and self.amount:
            raise ValueError("a free item cannot have an amount")
        return self


class TimeLimit(_Strict):
    legal: str | None = None
    promised: str | None = None


class OnlineChannel(_Strict):
    name: str = Field(min_length=1, description="real app or site name, e.g. 交管12123 app, 国家移民管理局 app")
    note: str | None = None


class Channels(_Strict):
    windows: list[str] = Field(default_factory=list, description="window types, keys of the site profile's windows")
    kiosk: str | None = Field(default=None, description="self-service machine that handles it, if any")
    online: list[OnlineChannel] = Field(default_factory=list)
    where_note: str | None = None


class GuideItem(_Strict):
    id: str = Field(pattern=r"^(HZ|CRJ|JG|ZA|JD|WA|ZH)-\d{3}$")
    category: Literal["HZ", "CRJ", "JG", "ZA", "JD", "WA", "ZH"]
    name: str = Field(min_length=2)
    kind: str | None = None
    aliases: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    summary: str = Field(min_length=4)
    conditions: list[str] = Field(min_length=1)
    materials: list[Material] = Field(default_factory=list)
    fee: Fee
    time_limit: TimeLimit = Field(default_factory=TimeLimit)
    channels: Channels
    steps: list[str] = Field(min_length=1)
    validity: str | None = None
    progress: str | None = Field(default=None, description="how to follow the progress of an application")
    notes: list[str] = Field(default_factory=list)
    legal_basis: list[str] = Field(default_factory=list)
    flow: str | None = Field(default=None, description="kiosk flow that handles it, from the catalogue")
    source: list[str] = Field(min_length=1)
    verified: bool
    updated: dt.date
    examples: list[str] = Field(min_length=5, max_length=15)

    @model_validator(mode="after")
    def _id_matches_category(self) -> GuideItem:
        if not self.id.startswith(self.category + "-"):
            raise ValueError(f"id {self.id} does not belong to category {self.category}")
        return self


class Window(_Strict):
    name: str
    number: str | None = None
    floor: str | None = None
    hours: str | None = None
    robot_target: str | None = Field(default=None, description="where a lobby robot leads the citizen")




class SiteProfile(_Strict):
    sample: bool = Field(description="true while the profile holds made-up sample data")
    name: str
    address: str
    hours: str
    self_service_hours: str
    duty_phone: str
    hotlines: dict[str, str]
    handover: str = Field(description="where the 办不成事 window is and how to reach a person")
    windows: dict[str, Window]
    facilities: dict[str, str] = Field(
        default_factory=dict,
        description="where the hall's amenities are, by key (toilet, water, charging, waiting, print; "
        "'<key>_en' for the English wording), for social replies",
    )
    disclaimer: str = "以当地公安机关公布为准"
    not_offered: list[str] = Field(
        default_factory=list,
        description="catalogue ids this station does not offer: their questions are referred to a window; every "
        "other catalogue id must be in the base",
    )


class OutOfScopeGroup(_Strict):
    """Questions that belong elsewhere; ranked beside the items so that winning means 'decline and point there'."""

    id: str = Field(pattern=r"^OOS-[A-Z]+$")
    kind: Literal["department", "refuse", "chitchat"]
    name: str
    hotline: str | None = Field(
        default=None,
        description="the number the citizen can call there, when one number (or one per carrier) serves everyone",
    )
    keywords: list[str] = Field(default_factory=list)
    reply: str = Field(min_length=4)
    examples: list[str] = Field(min_length=2)
