"""`daoban ask`: one turn of a fresh conversation, understood and answered exactly as the chat engine does."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXIT_OK, EXIT_USAGE = 0, 2
DECLINED = {"refusal": "refuse", "department": "department", "chitchat": "chitchat", "clarify": "low_confidence"}


def run(args: argparse.Namespace) -> int:
    from bot.assistant import Assistant
    from bot.session.store import MemoryStore
    from knowledge.engine import KnowledgeEngine
    from knowledge.normalize import InvalidQuery, check_query

    try:
        check_query(args.text)
    except InvalidQuery as exc:
        if args.json:
            print(json.dumps({"error": str(exc)}, ensure_ascii=False))
        print(f"daoban ask: {exc}", file=sys.stderr)
        return EXIT_USAGE
    engine = KnowledgeEngine.load(data_dir=args.data, encoder=args.encoder)
    assistant = Assistant(engine, MemoryStore())
    reply, understood = assistant.turn(None, args.text, lang=getattr(args, "lang", None), channel="web")
    answer = understood.answer if understood is not None else None
    kind = str(understood.kind) if understood is not None else "error"
    if not args.json:
        print("\n".join(m.text for m in reply.messages))
        return EXIT_OK
    out: dict[str, Any] = {
        "item_id": reply.item_id,
        "title": engine.items[reply.item_id].name if reply.item_id in engine.items else None,
        "field": reply.field,
        "answer": "\n".join(m.text for m in reply.messages),
        "speech": " ".join(m.speech for m in reply.messages),
        "score": answer.score if answer is not None else None,
        "handoff": reply.handoff,
        "alternatives": list(answer.alternatives) if answer is not None else [],
        "kind": reply.kind,
        "declined": DECLINED.get(kind),
        "redirect": reply.redirect,
        "hotline": getattr(answer, "hotline", None) if kind == "department" else None,
    }
    print(json.dumps(out, ensure_ascii=False))
    return EXIT_OK
