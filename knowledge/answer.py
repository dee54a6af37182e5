"""Compose the answer to one aspect of a guide item: complete screen text and a short speech rendering."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.schema import GuideItem, SiteProfile
from knowledge.speech import for_speech

LOCAL_ASPECTS = frozenset({"location", "hours"})
ASPECT_LABELS = {
    "fee": "收费",
    "materials": "所需材料",
    "time_limit": "办理时限",
    "location": "办理地点",
    "hours": "办公时间",
    "conditions": "办理条件",
    "steps": "办理流程",
    "validity": "有效期",
    "online": "网上办理",
    "progress": "进度查询",
}


@dataclass(frozen=True)
class Composed:
    screen: str
    speech: str


def _material_line(m: object) -> str:
    from knowledge.schema import Material

    assert isinstance(m, Material)
    bits: list[str] = [m.form]
    if m.copies:
        bits.append(f"{m.copies}份")
    if not m.required:
        bits.append("视情况提供")
    note = f"；{m.note}" if m.note else ""
    return f"{m.name}（{'，'.join(bits)}{note}）"


def _places(item: GuideItem, site: SiteProfile) -> list[str]:
    lines = []
    for key in item.channels.windows:
        w = site.windows[key]
        where = "，".join(x for x in (w.floor, w.number) if x)
        lines.append(f"{w.name}" + (f"（{where}）" if where else ""))
    if item.channels.kiosk:
        lines.append(f"自助办理：{item.channels.kiosk}")
    if item.channels.where_note:
        lines.append(item.channels.where_note)
    return lines


def _online(item: GuideItem) -> list[str]:
    return [c.name + (f"（{c.note}）" if c.note else "") for c in item.channels.online]


def _hours(item: GuideItem, site: SiteProfile) -> list[str]:
    lines = [f"{site.windows[k].name}：{site.windows[k].hours}" for k in item.channels.windows if site.windows[k].hours]
    if item.channels.kiosk:
        lines.append(f"自助设备：{site.self_service_hours}")
    return lines or [f"{site.name}：{site.hours}"]


def _time_limit(item: GuideItem) -> list[str]:
    lines = []
    if item.time_limit.legal:
        lines.append(f"法定时限：{item.time_limit.legal}")
    if item.time_limit.promised:
        lines.append(f"承诺时限：{item.time_limit.promised}")
    return lines or ["指南未列明办理时限，请向窗口咨询"]


def aspect_lines(item: GuideItem, aspect: str, site: SiteProfile) -> list[str]:
    """The facts for one aspect, one line each, as they appear on screen."""
    if aspect == "fee":
        return [item.fee.text] + ([f"收费依据：{item.fee.basis}"] if item.fee.basis else [])
    if aspect == "materials":
        return [_material_line(m) for m in item.materials] or ["无需提交书面材料，带本人有效身份证件即可"]
    if aspect == "time_limit":
        return _time_limit(item)
    if aspect == "location":
        return _places(item, site) + [f"网上办理：{x}" for x in _online(item)]
    if aspect == "hours":
        return _hours(item, site)
    if aspect == "conditions":
        return list(item.conditions)
    if aspect == "steps":
        return list(item.steps)
    if aspect == "validity":
        return [item.validity or "该事项不涉及证件有效期"]
    if aspect == "online":
        return _online(item) or ["暂不支持网上办理，请到窗口办理"]
    if aspect == "progress":
        return [item.progress or "可凭受理回执到受理窗口或拨打值班电话查询办理进度"]
    raise ValueError(f"unknown aspect {aspect}")


def _speech_lead(item: GuideItem, aspect: str | None, site: SiteProfile) -> str:
    if aspect is None:
        fee = "免费" if item.fee.free else item.fee.text
        return f"{item.name}：{item.summary.rstrip('。')}。{fee}。"
    lines = aspect_lines(item, aspect, site)
    if aspect == "fee":
        return f"{item.name}{lines[0]}。"
    if aspect == "materials":
        names = "、".join(m.name for m in item.materials[:4]) or lines[0]
        return f"{item.name}需要带：{names}。"
    if aspect == "steps":
        return f"{item.name}的办理流程：第一步，{lines[0].rstrip('。')}。"
    if aspect in ("location", "hours", "online"):
        return f"{item.name}：{lines[0]}。"
    return f"{item.name}的{ASPECT_LABELS[aspect]}：{lines[0].rstrip('。')}。"


def needs_disclaimer(item: GuideItem, aspect: str | None) -> bool:
    return not item.verified or aspect in LOCAL_ASPECTS


def compose(item: GuideItem, aspect: str | None, site: SiteProfile) -> Composed:
    head = f"【{item.id} {item.name}】"
    if aspect is None:
        body = [item.summary, f"收费：{'免费' if item.fee.free else item.fee.text}"]
        if item.materials:
            body.append("所需材料：" + "；".join(m.name for m in item.materials))
        places = _places(item, site)
        if places:
            body.append("办理地点：" + "；".join(places))
        if item.channels.online:
            body.append("网上办理：" + "；".join(_online(item)))
        body.append("办理时限：" + "；".join(_time_limit(item)))
        body.append("可以继续问我：要带什么、多少钱、多久能办好、在哪办。")
    else:
        lines = aspect_lines(item, aspect, site)
        numbered = [f"{i}. {line}" for i, line in enumerate(lines, 1)] if len(lines) > 1 else lines
        body = [f"{ASPECT_LABELS[aspect]}：", *numbered]
    speech = for_speech(_speech_lead(item, aspect, site))
    if needs_disclaimer(item, aspect):
        body.append(f"（{site.disclaimer}）")
        speech = speech.rstrip("。") + f"，{site.disclaimer}。" if len(speech) < 80 else speech
    return Composed(head + "\n" + "\n".join(body), speech)
