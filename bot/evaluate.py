"""Score whole conversations: every turn of an edge set (bench/data/edge_turns.jsonl) runs through the Assistant,
and its kind, item, act, command, hotline and flow are checked; precision and recall are reported per kind."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.assistant import Assistant
from bot.present.messages import Messages
from bot.turn import Reply
from bot.understand.lang import LANGS
from bot.understand.understanding import Understanding
from knowledge.evaluate import read_jsonl


@dataclass
class AssistantAnswer:
    item_id: str | None
    field: str | None
    alternatives: list[str]


class AssistantAsker:
    """Questions asked as a citizen's first turn, through the assistant's whole understanding (knowledge.evaluate
    scores it like the engine): what a front end would show, refusals and social turns included."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def ask(self, text: str) -> AssistantAnswer:
        reply, understood = self.assistant.turn(None, text)
        answer = understood.answer if understood is not None else None
        near = list(answer.alternatives) if answer is not None else []
        return AssistantAnswer(reply.item_id, reply.field, near)


@dataclass
class TurnResult:
    conversation: str
    text: str
    expected: dict[str, Any]
    kind: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@lru_cache(maxsize=1)
def _restart_messages() -> tuple[str, ...]:
    """What the assistant says when a session it knew has ended, in every language (data/messages.yaml)."""
    messages = Messages.load()
    return tuple(messages.text("session_restarted", lang) for lang in LANGS)


def read_conversations(path: Path) -> list[dict[str, Any]]:
    return read_jsonl(path, _conversation, "conversation")


def _conversation(row: Any) -> dict[str, Any]:
    if not isinstance(row, dict) or not isinstance(row.get("turns"), list) or not row["turns"]:
        raise ValueError("a conversation needs a non-empty list of turns")
    return row


def check_turn(expected: dict[str, Any], reply: Reply, understood: Understanding | None) -> list[str]:
    """What differs between the labelled turn and what the assistant did (empty when it passes)."""
    problems: list[str] = []
    kind = str(understood.kind) if understood is not None else "error"
    text = "\n".join(m.text for m in reply.messages)
    want = expected["kind"]
    if kind != want:
        problems.append(f"kind {kind} != {want}")
    if any(w in text for w in _restart_messages()):
        problems.append("said a previous session ended")
    if understood is None:
        return problems
    if want == "command" and expected.get("command") and understood.command != expected["command"]:
        problems.append(f"command {understood.command} != {expected['command']}")
    if want == "social" and expected.get("act"):
        act = understood.social.act if understood.social is not None else None
        if act != expected["act"]:
            problems.append(f"act {act} != {expected['act']}")
    if want in ("question", "followup") and expected.get("item"):
        items = expected["item"] if isinstance(expected["item"], list) else [expected["item"]]
        if reply.item_id not in items:
            problems.append(f"item {reply.item_id} not in {items}")
    if expected.get("aspects") and want in ("question", "followup") and kind == want:
        answered = understood.aspects or ([reply.field] if reply.field else [])
        missing = [a for a in expected["aspects"] if a not in answered]
        if missing and len(expected["aspects"]) > 1:
            problems.append(f"aspects {missing} not answered")
    if expected.get("hotline") and expected["hotline"] not in text:
        problems.append(f"hotline {expected['hotline']} not in the reply")
    if expected.get("flow") and reply.flow != expected["flow"]:
        problems.append(f"flow {reply.flow} != {expected['flow']}")
    return problems


def evaluate_conversations(assistant: Assistant, conversations: list[dict[str, Any]],
                           channel: str = "web") -> tuple[dict[str, Any], list[TurnResult]]:
    results: list[TurnResult] = []
    for conv in conversations:
        session: str | None = None
        for turn in conv["turns"]:
            reply, understood = assistant.turn(session, turn.get("text"), channel=channel)
            session = reply.session_id
            kind = str(understood.kind) if understood is not None else "error"
            results.append(TurnResult(str(conv.get("id")), str(turn.get("text")), turn, kind,
                                      check_turn(turn, reply, understood)))
    return summarise(results, conversations), results


def summarise(results: list[TurnResult], conversations: list[dict[str, Any]]) -> dict[str, Any]:
    expected = Counter(r.expected["kind"] for r in results)
    predicted = Counter(r.kind for r in results)
    correct = Counter(r.kind for r in results if r.kind == r.expected["kind"])
    per_kind: dict[str, dict[str, float | int]] = {}
    for kind in sorted(set(expected) | set(predicted)):
        p = correct[kind] / predicted[kind] if predicted[kind] else 0.0
        r = correct[kind] / expected[kind] if expected[kind] else 0.0
        per_kind[kind] = {"precision": round(p, 3), "recall": round(r, 3),
                          "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0, "n": expected[kind]}
    failed_conversations = {r.conversation for r in results if not r.ok}
    refusals = [r for r in results if r.expected["kind"] == "refusal"]
    return {
        "turns": len(results),
        "turn_pass": round(sum(r.ok for r in results) / len(results), 3) if results else 0.0,
        "kind_accuracy": round(sum(correct.values()) / len(results), 3) if results else 0.0,
        "conversations": len(conversations),
        "conversation_pass": round(1 - len(failed_conversations) / len(conversations), 3) if conversations else 0.0,
        "refusals_held": f"{sum(r.ok for r in refusals)}/{len(refusals)}",
        "restarts_said": sum(any("previous session" in p for p in r.problems) for r in results),
        "per_kind": per_kind,
    }
