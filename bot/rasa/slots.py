"""Checking one answer to a form slot in the action server: the flow's validators and option matcher, and the
masked form in which a value may be shown again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.flow.options import choose
from bot.flow.validators import SENSITIVE, validate
from bot.records.privacy import mask_value

KIND_LABELS = {"id_number": "身份证号码", "phone": "手机号码", "plate": "车牌号码", "digits6": "后6位", "date": "日期"}


@dataclass(frozen=True)
class SlotCheck:
    """The outcome of checking one form answer: the clean value, or what to tell the citizen."""

    ok: bool
    value: str | None = None
    message: str | None = None
    found: bool = True
    """False when the text holds nothing of the expected kind (it may be a question or a command instead)."""
    note: str | None = None


def match_option(text: str, options: Sequence[tuple[str, Sequence[str]]]) -> str | None:
    """The option value a citizen's answer picks, as a flow's choice step picks it (bot.flow.options.choose)."""
    index = choose(text, [(value, *words) for value, words in options])
    return None if index is None else options[index][0]


def check_slot(kind: str, text: str, options: Sequence[tuple[str, Sequence[str]]] = (),
               lang: str = "zh-Hans") -> SlotCheck:
    """Check one answer for a slot of the given kind ('choice' or a bot.flow.validators kind). Never raises."""
    if kind == "choice":
        value = match_option(text, options)
        if value is not None:
            return SlotCheck(True, value)
        titles = "、".join(words[0] for _, words in options if words)
        msg = (f"请从这几项中选择一项：{titles}。" if lang != "en"
               else "Please choose one of: " + ", ".join(v for v, _ in options) + ".")
        return SlotCheck(False, message=msg, found=False)
    result = validate(kind, text)
    if result.ok:
        return SlotCheck(True, result.value, note=result.remark(lang))
    if not result.found:
        msg = "没有识别到需要的信息，请按提示重新输入。" if lang != "en" else "I could not find that in your answer."
        return SlotCheck(False, message=msg, found=False)
    return SlotCheck(False, message=result.message(lang))


def mask(kind: str, value: str | None) -> str:
    """A slot value as it may appear on screen after the fact and in logs."""
    if value is None:
        return ""
    return mask_value(kind, value) if kind in SENSITIVE else value
