"""`daoban chat` (terminal conversation), `daoban flows check` and `daoban unanswered` (export the log)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.turn import Reply

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
QUIT = {"/quit", "/exit", ":q", "quit", "exit"}


def render_reply(reply: Reply, show_speech: bool = False) -> str:
    """The reply as the terminal shows it: messages, numbered buttons, client actions, simulated results."""
    lines: list[str] = []
    for m in reply.messages:
        lines.append(m.text)
        if show_speech and m.speech != m.text:
            lines.append(f"  (speech) {m.speech}")
    if reply.simulated:
        lines.append("  [simulator] " + "; ".join(json.dumps(e, ensure_ascii=False) for e in reply.simulated))
    for action in reply.actions:
        lines.append("  [action] " + json.dumps(action, ensure_ascii=False))
    if reply.buttons:
        lines.append("  " + "  ".join(f"[{i}] {b.title}" for i, b in enumerate(reply.buttons, 1)))
    status = []
    if reply.flow:
        status.append(f"flow {reply.flow}/{reply.step}" + (f" {reply.progress[0]}/{reply.progress[1]}"
                                                             if reply.progress else ""))
    if reply.expect:
        status.append(f"expect {reply.expect}")
    if reply.wait_event:
        status.append(f"waits for {reply.wait_event}")
    if reply.item_id:
        status.append(f"item {reply.item_id}")
    if reply.handoff:
        status.append("HANDOFF")
    if status:
        lines.append("  (" + ", ".join(status) + ")")
    return "\n".join(lines)


def pick_button(line: str, reply: Reply | None) -> str:
    """A number typed alone picks that button's payload."""
    stripped = line.strip()
    if reply is not None and stripped.isdigit() and 1 <= int(stripped) <= len(reply.buttons):
        if reply.expect in ("id_number", "phone", "digits6", "plate", "date", "text"):
            return line
        return reply.buttons[int(stripped) - 1].payload
    return line


def _readline() -> None:
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401


def _assistant(args: argparse.Namespace) -> Any:
    from bot.assistant import Assistant
    from bot.config import AssistantConfig
    from bot.session.store import make_store
    from knowledge.engine import KnowledgeEngine

    engine = KnowledgeEngine.load(data_dir=args.data, encoder=args.encoder)
    config = AssistantConfig()
    config.simulate = frozenset({args.channel}) if args.simulate else frozenset()
    store = make_store(args.store, args.db)
    return Assistant(engine, store, config)


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.assistant import FlowError
    from bot.records.transcript import masked_input

    try:
        assistant = _assistant(args)
    except (FlowError, ValueError) as exc:
        print(f"daoban chat: {exc}", file=sys.stderr)
        return EXIT_FAIL
    interactive = sys.stdin.isatty()
    if interactive:
        _readline()
    session: str | None = args.session
    reply = assistant.handle(session, None, lang=args.lang, channel=args.channel)
    session = reply.session_id
    if interactive:
        print(f"(session {session}; type a number to press a button, /quit to leave)")
    print(_out(reply, args))
    while True:
        try:
            line = input("> " if interactive else "")
        except EOFError:
            break
        if line.strip() in QUIT:
            break
        if not interactive:
            print(f"> {masked_input(line, reply.expect)}")
        reply = assistant.handle(session, pick_button(line, reply), lang=args.lang, channel=args.channel)
        if reply.session_id != session:
            session = reply.session_id
        print(_out(reply, args))
    return EXIT_OK


def _out(reply: Reply, args: argparse.Namespace) -> str:
    if args.json:
        return json.dumps(reply.to_dict(), ensure_ascii=False)
    return render_reply(reply, show_speech=args.speech)


def cmd_flows_check(args: argparse.Namespace) -> int:
    from bot.flow.loader import load_flows
    from knowledge.loader import default_data_dir, load

    kb_dir = args.data or default_data_dir()
    known = {i.id for i in load(kb_dir).items}
    catalogue = args.catalogue or kb_dir / "catalogue.csv"
    result = load_flows(args.dir, catalogue, known)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        print(result.render())
    return EXIT_OK if result.ok else EXIT_FAIL


def cmd_unanswered(args: argparse.Namespace) -> int:
    from bot.records.unanswered import UnansweredLog

    log = UnansweredLog(args.path)
    try:
        n = log.export(sys.stdout, args.format)
    except ValueError as exc:
        print(f"daoban unanswered: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{n} entries from {log.path}", file=sys.stderr)
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chat", help="talk to the assistant in the terminal (flows run on the built-in simulator)")
    p.add_argument("--session", default=None, help="resume this session id (with --store sqlite)")
    p.add_argument("--lang", default=None, choices=["zh-Hans", "zh-Hant", "en"])
    p.add_argument("--store", default="memory", choices=["memory", "sqlite"])
    p.add_argument("--db", type=Path, default=None, help="SQLite file (default: $DAOBAN_DATA_DIR/sessions.sqlite3)")
    p.add_argument("--channel", default="terminal", help="channel name: terminal, web, kiosk, robot")
    p.add_argument("--simulate", action=argparse.BooleanOptionalAction, default=True,
                   help="answer kiosk actions (photo, payment, printing) with the simulator (default: on)")
    p.add_argument("--speech", action="store_true", help="also show what a voice front end would say")
    p.add_argument("--json", action="store_true", help="print each reply as JSON")
    p.add_argument("--data", type=Path, default=None, help="knowledge data directory")
    p.add_argument("--encoder", default=None, help="dense encoder (see daoban ask --help)")
    p.set_defaults(func=cmd_chat)

    flows = sub.add_parser("flows", help="kiosk flow tools")
    flows_sub = flows.add_subparsers(dest="flows_command", required=True)
    p = flows_sub.add_parser("check", help="validate the flow files: every problem with file, flow, step, field")
    p.add_argument("--dir", type=Path, default=None, help="flow directory (default: the packaged flows)")
    p.add_argument("--data", type=Path, default=None, help="knowledge data directory (item ids, catalogue)")
    p.add_argument("--catalogue", type=Path, default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_flows_check)

    p = sub.add_parser("unanswered", help="export the unanswered-question log (PII already masked)")
    p.add_argument("--path", type=Path, default=None, help="log file (default: $DAOBAN_DATA_DIR/unanswered.jsonl)")
    p.add_argument("--format", default="jsonl", choices=["jsonl", "csv"])
    p.set_defaults(func=cmd_unanswered)
