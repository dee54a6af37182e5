"""A kiosk flow survives a process restart mid-flow: a new Assistant on the same SQLite file carries on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from chat_support import VALID_ID

from bot.assistant import Assistant
from bot.session.store import SqliteStore


def test_restart_mid_flow(make_assistant: Callable[..., Assistant], data_dir: Path) -> None:
    db = data_dir / "restart.sqlite3"
    first = make_assistant(SqliteStore(db))
    reply = first.handle(None, event={"type": "start_flow", "flow": "id_card_reissue"}, channel="web")
    sid = reply.session_id
    first.handle(sid, "丢失补领")
    reply = first.handle(sid, VALID_ID)
    assert reply.step == "confirm"

    second = make_assistant(SqliteStore(db))
    reply = second.handle(sid, "确认")
    assert reply.session_id == sid and reply.step == "delivery"
    reply = second.handle(sid, "不对，号码是110105198506120018")
    assert "已更正" in "".join(m.text for m in reply.messages)
    reply = second.handle(sid, "自取")
    assert reply.step == "done_pickup"
    assert VALID_ID not in db.read_bytes().decode("utf-8", "ignore")


def test_live_state_on_disk_holds_no_clear_id(make_assistant: Callable[..., Assistant], data_dir: Path) -> None:
    db = data_dir / "live.sqlite3"
    a = make_assistant(SqliteStore(db))
    sid = a.handle(None, event={"type": "start_flow", "flow": "id_card_loss_report"}).session_id
    a.handle(sid, VALID_ID)
    a.handle(sid, "13812345678")
    raw = db.read_bytes() + (db.with_name(db.name + "-wal").read_bytes() if db.with_name(db.name + "-wal").exists()
                             else b"")
    assert VALID_ID.encode() not in raw and b"13812345678" not in raw
    state = a.store.get(sid)
    assert state is not None and state["flow"]["step"] == "confirm"
