import io
import json
from pathlib import Path

from bot.records.unanswered import UnansweredLog


def test_record_masks_and_reads_back(tmp_path: Path) -> None:
    log = UnansweredLog(tmp_path / "u.jsonl")
    entry = log.record("我身份证11010519491231002X丢了，电话13812345678，车粤B12342", "low_confidence",
                       "session-1", "kiosk", "zh-Hans", flow="id_card_reissue")
    assert entry["question"] == "我身份证1101**********002X丢了，电话138****5678，车粤B****2"
    assert entry["session"] != "session-1" and entry["flow"] == "id_card_reissue"
    rows = log.read()
    assert len(rows) == 1 and rows[0]["reason"] == "low_confidence"
    raw = (tmp_path / "u.jsonl").read_text(encoding="utf-8")
    assert "13812345678" not in raw and "11010519491231002X" not in raw


def test_export_jsonl_and_csv(tmp_path: Path) -> None:
    log = UnansweredLog(tmp_path / "u.jsonl")
    log.record("社保卡怎么补", "department", "s", "web")
    log.record("火星签证", "low_confidence", "s", "web", "en")
    out = io.StringIO()
    assert log.export(out, "jsonl") == 2 and json.loads(out.getvalue().splitlines()[1])["lang"] == "en"
    out = io.StringIO()
    log.export(out, "csv")
    assert out.getvalue().splitlines()[0].startswith("ts,question,reason")


def test_default_path_follows_the_data_dir(data_dir: Path) -> None:
    assert UnansweredLog().path == data_dir / "unanswered.jsonl"


def test_missing_file_reads_empty(tmp_path: Path) -> None:
    assert UnansweredLog(tmp_path / "none.jsonl").read() == []
