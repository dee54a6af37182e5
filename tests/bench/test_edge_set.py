"""The edge set (bench/data/edge_turns.jsonl) is well formed, names real items and flows, and keeps its coverage."""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.loader import load
from knowledge.normalize import normalize, to_simplified

REPO = Path(__file__).resolve().parents[2]
EDGE_SET = REPO / "bench" / "data" / "edge_turns.jsonl"
DEV_SET = REPO.parent / "shared" / "eval" / "dev.jsonl"

LANGS = {"zh-Hans", "zh-Hant", "en"}
COMMANDS = {"repeat", "slower", "cancel", "back", "restart", "human", "help", "start", "guide"}
ACTS = {"greeting", "thanks", "goodbye", "identity", "capabilities", "facility"}
HOTLINES = {"12333", "12393", "12329", "12366", "12348", "12368", "12320", "95598", "10086", "10010", "10000",
            "12345"}
REQUIRED: dict[str, set[str]] = {
    "command": {"command"},
    "flow_input": set(),
    "social": {"act"},
    "refusal": set(),
    "department": set(),
    "chitchat": set(),
    "question": {"item"},
    "followup": {"item", "aspects"},
    "clarify": set(),
    "bad_input": set(),
}
OPTIONAL: dict[str, set[str]] = {
    "question": {"aspects"},
    "department": {"hotline"},
}
COMMON = {"text", "kind", "flow", "no_restart"}
MAX_CHARS = 500


def _conversations() -> list[dict[str, Any]]:
    lines = EDGE_SET.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


CONVERSATIONS = _conversations()
TURNS = [(c, t) for c in CONVERSATIONS for t in c["turns"]]


def _flow_names() -> set[str]:
    names = set()
    for path in (REPO / "bot").rglob("flows/*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("name"):
            names.add(str(data["name"]))
    return names


def _aspects() -> set[str]:
    text = (resources.files("knowledge") / "data" / "aspects.yaml").read_text(encoding="utf-8")
    return set(yaml.safe_load(text))


def _ids(turn: dict[str, Any]) -> list[str]:
    item = turn["item"]
    return [item] if isinstance(item, str) else list(item)


def _is_bad_input(text: str) -> bool:
    stripped = text.strip()
    return not any(ch.isalnum() for ch in stripped) or len(stripped) > MAX_CHARS


def test_every_line_is_a_conversation_with_a_unique_id() -> None:
    ids = [c["id"] for c in CONVERSATIONS]
    assert len(ids) == len(set(ids))
    for conv in CONVERSATIONS:
        assert set(conv) == {"id", "lang", "tags", "turns"}, conv["id"]
        assert conv["lang"] in LANGS, conv["id"]
        assert isinstance(conv["tags"], list) and all(isinstance(t, str) for t in conv["tags"]), conv["id"]
        assert conv["turns"], conv["id"]


def test_each_turn_carries_the_keys_of_its_kind() -> None:
    for conv, turn in TURNS:
        kind = turn.get("kind")
        assert kind in REQUIRED, (conv["id"], kind)
        assert isinstance(turn.get("text"), str), conv["id"]
        missing = REQUIRED[kind] - set(turn)
        extra = set(turn) - REQUIRED[kind] - OPTIONAL.get(kind, set()) - COMMON
        assert not missing and not extra, (conv["id"], turn["text"], missing, extra)
        if kind == "command":
            assert turn["command"] in COMMANDS, (conv["id"], turn)
        if kind == "social":
            assert turn["act"] in ACTS, (conv["id"], turn)
        if kind == "department" and "hotline" in turn:
            assert turn["hotline"] in HOTLINES, (conv["id"], turn)


def test_item_ids_are_guide_items_and_aspects_are_known() -> None:
    items = {item.id for item in load().items}
    aspects = _aspects()
    for conv, turn in TURNS:
        if "item" in turn:
            ids = _ids(turn)
            assert ids and set(ids) <= items, (conv["id"], turn["text"], set(ids) - items)
        if "aspects" in turn:
            assert turn["aspects"] and set(turn["aspects"]) <= aspects, (conv["id"], turn)


def test_flows_named_exist_and_flow_input_follows_a_started_flow() -> None:
    flows = _flow_names()
    assert flows
    for conv in CONVERSATIONS:
        started = False
        for turn in conv["turns"]:
            if "flow" in turn:
                assert turn["flow"] in flows, (conv["id"], turn)
            if turn["kind"] == "command" and turn["command"] == "start":
                started = True
            if turn["kind"] == "flow_input":
                assert started, (conv["id"], turn["text"])


def test_bad_input_is_exactly_the_unusable_text() -> None:
    for conv, turn in TURNS:
        assert _is_bad_input(turn["text"]) == (turn["kind"] == "bad_input"), (conv["id"], turn["text"][:40])


def test_language_field_matches_the_text() -> None:
    for conv in CONVERSATIONS:
        texts = [t["text"] for t in conv["turns"] if t["kind"] != "bad_input"]
        if conv["lang"] == "zh-Hant":
            assert any(to_simplified(text) != text for text in texts), conv["id"]
        if conv["lang"] == "en":
            assert all(text.isascii() for text in texts), conv["id"]


def test_coverage_per_kind_and_language() -> None:
    kinds = Counter(turn["kind"] for _, turn in TURNS)
    langs = Counter(conv["lang"] for conv, _ in TURNS)
    tags = Counter(tag for conv, _ in TURNS for tag in conv["tags"])
    assert len(CONVERSATIONS) >= 200 and len(TURNS) >= 450
    assert kinds["refusal"] >= 40 and kinds["department"] >= 40 and kinds["chitchat"] >= 15
    assert kinds["question"] >= 40 and kinds["followup"] >= 10 and kinds["clarify"] >= 10
    assert kinds["flow_input"] >= 40 and kinds["bad_input"] >= 5
    assert Counter(t["command"] for _, t in TURNS if t["kind"] == "command").keys() == COMMANDS
    assert Counter(t["act"] for _, t in TURNS if t["kind"] == "social").keys() == ACTS
    assert langs["en"] >= 30 and langs["zh-Hant"] >= 30
    assert tags["asr"] >= 20 and tags["lookalike"] >= 15
    assert tags["two_needs"] >= 10 and all(len(t.get("aspects", [])) >= 2 or isinstance(t.get("item"), list)
                                           for c, t in TURNS if "two_needs" in c["tags"] and t["kind"] == "question")


@pytest.mark.skipif(not DEV_SET.exists(), reason="the shared development set is not available here")
def test_no_question_repeats_the_development_set() -> None:
    dev = {normalize(json.loads(line)["q"]) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line}
    for conv, turn in TURNS:
        if turn["text"].strip():
            assert normalize(turn["text"]) not in dev, (conv["id"], turn["text"])
