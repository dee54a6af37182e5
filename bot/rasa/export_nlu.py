"""NLU training data for the export: example texts Rasa reads literally, one intent's examples kept apart from
another's, and the command words (yes, no, cancel, …) the dialogue also understands."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from bot.rasa.export_options import ExportOptions
from knowledge.normalize import normalize
from knowledge.schema import GuideItem

GREET = ["你好", "您好", "你好呀", "在吗", "有人吗", "嗨", "早上好", "下午好", "晚上好", "hello", "hi",
         "你好，请问一下"]
GOODBYE = ["再见", "拜拜", "好的谢谢", "谢谢，再见", "没有了，谢谢", "不用了谢谢", "bye", "goodbye", "thanks, bye"]
_FALLBACK_COMMANDS: dict[str, list[str]] = {
    "affirm": ["是", "是的", "对", "好的", "确认", "可以", "yes", "ok"],
    "deny": ["不", "不是", "不对", "否", "错了", "no"],
    "cancel": ["取消", "不办了", "算了", "退出", "cancel"],
    "human": ["转人工", "人工服务", "找工作人员", "找民警", "human"],
    "start": ["开始办理", "现在办理", "马上办", "开始", "自助办理", "start"],
}



_ANNOTATION = str.maketrans({"[": "【", "]": "】", "(": "（", ")": "）", "{": "｛", "}": "｝", "#": "＃", "\n": " "})


def clean_example(text: str) -> str:
    """An example line Rasa reads literally: no entity-annotation brackets, no line breaks, no list markers."""
    text = " ".join(str(text).translate(_ANNOTATION).split())
    return re.sub(r"^[-*+>]\s*", "", text)


def load_commands(path: Path | None) -> dict[str, list[str]]:
    table: dict[str, Any] = {}
    if path is not None and path.exists():
        table = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    commands = table.get("commands") or {}
    out = {key: [str(w) for w in (table.get(key) or commands.get(key) or default)]
           for key, default in _FALLBACK_COMMANDS.items()}
    return out


def item_examples(item: GuideItem, options: ExportOptions) -> list[str]:
    texts = list(item.examples)
    if options.use_aliases:
        texts += item.aliases
    if options.use_item_names:
        texts.append(item.name)
    return texts


def dedupe(intents: dict[str, list[str]]) -> tuple[dict[str, list[str]], int]:
    """Clean every example, drop repeats inside an intent and texts claimed by two intents (Rasa rejects those)."""
    owner: dict[str, set[str]] = {}
    cleaned: dict[str, list[str]] = {}
    for intent, texts in intents.items():
        seen: dict[str, str] = {}
        for t in texts:
            c = clean_example(t)
            key = normalize(c) if c.strip() else ""
            if key and key not in seen:
                seen[key] = c
        cleaned[intent] = list(seen.values())
        for key in seen:
            owner.setdefault(key, set()).add(intent)
    clashes = {k for k, v in owner.items() if len(v) > 1}
    dropped = 0
    out: dict[str, list[str]] = {}
    for intent, texts in cleaned.items():
        kept = [t for t in texts if normalize(t) not in clashes]
        dropped += len(texts) - len(kept)
        out[intent] = kept
    return out, dropped


def nlu_yaml(intents: Mapping[str, list[str]]) -> str:
    lines = ['version: "3.1"', "", "nlu:"]
    for intent, texts in intents.items():
        if not texts:
            continue
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {t}" for t in texts)
    return "\n".join(lines) + "\n"


def intent_counts(nlu_text: str) -> Counter[str]:
    """Examples per intent in an exported data/nlu.yml (for tests and reports)."""
    data = yaml.safe_load(nlu_text) or {}
    return Counter({e["intent"]: len([ln for ln in e["examples"].splitlines() if ln.strip()])
                    for e in data.get("nlu", [])})
