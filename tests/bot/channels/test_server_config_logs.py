from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot.server.config import ConfigError, load_config
from bot.server.logs import JsonFormatter


def test_file_then_environment_then_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "daoban.yaml"
    path.write_text("serve:\n  port: 9001\n  store: sqlite\n  limits: {max_text_chars: 100}\n"
                    "  idle: {after_s: 5}\n  cors_origins: [https://www.example.gov.cn]\n", encoding="utf-8")
    monkeypatch.setenv("DAOBAN_LIMITS__MAX_BODY_BYTES", "4096")
    monkeypatch.setenv("DAOBAN_ADMIN_TOKEN", "from-env")
    monkeypatch.setenv("DAOBAN_PORT", "9002")
    config = load_config(path, port=9003)
    assert config.port == 9003
    assert config.store == "sqlite" and config.sqlite_path == config.data_dir / "sessions.sqlite3"
    assert config.limits.max_text_chars == 100 and config.limits.max_body_bytes == 4096
    assert config.idle.after_s == 5 and config.idle.interval_s == 45
    assert config.admin_token_value == "from-env"
    assert "from-env" not in repr(config)
    assert load_config(path).port == 9002


def test_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "daoban.toml"
    path.write_text('[serve]\nstore = "redis"\nredis_url = "redis://10.0.0.5:6379/1"\n'
                    '[serve.rate_limit]\nrate = 2.5\nburst = 10\n', encoding="utf-8")
    config = load_config(path)
    assert config.store == "redis" and config.redis_url.endswith("/1")
    assert config.rate_limit.rate == 2.5 and config.rate_limit.burst == 10


@pytest.mark.parametrize(("text", "message"), [
    ("serve:\n  store: mongo\n", "store"),
    ("serve:\n  prot: 1\n", "prot"),
    ("serve: [1, 2\n", "not valid YAML"),
    ("- just\n- a list\n", "mapping"),
])
def test_config_errors_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.yaml")


def test_json_logs_mask_personal_data() -> None:
    record = logging.LogRecord("daoban.server", logging.INFO, __file__, 1, "turn for 110101199003071234", None, None)
    record.text = "我的手机13812345678，车牌粤B12345"
    record.nested = {"id": "44030519900307123X"}
    try:
        raise RuntimeError("failed on 110101199003071234")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    for raw in ("110101199003071234", "13812345678", "粤B12345", "44030519900307123X"):
        assert raw not in line
    assert entry["level"] == "info" and entry["msg"].startswith("turn for 1101")
    assert "RuntimeError" in entry["exc"]


def test_turn_log_lines_are_json_and_masked(client, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.INFO, logger="daoban.server"):
        client.post("/v1/chat", json={"text": "我要补办身份证"})
        client.post("/v1/chat", json={"text": "我的身份证号110101199003071234丢了"})
    formatter = JsonFormatter()
    lines = [formatter.format(r) for r in caplog.records if r.getMessage() == "turn"]
    assert len(lines) == 2
    assert all("110101199003071234" not in line for line in lines)
    assert json.loads(lines[0])["event"] == "turn"
