from __future__ import annotations

import csv
import io
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from knowledge.loader import default_data_dir

ClientFactory = Callable[..., TestClient]
TOKEN = "test-admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_admin_routes_are_not_mounted_without_a_token(make_client: ClientFactory,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="daoban.server"):
        client = make_client()
    assert any("admin routes are off" in r.getMessage() for r in caplog.records)
    assert client.post("/admin/reload", headers=AUTH).status_code == 404
    assert client.get("/admin/analytics", headers=AUTH).status_code == 404
    assert not any(p.startswith("/admin") for p in client.get("/openapi.json").json()["paths"])


def test_admin_token_comes_from_the_environment(make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAOBAN_ADMIN_TOKEN", TOKEN)
    client = make_client()
    assert client.get("/admin/analytics", headers=AUTH).status_code == 200


def test_wrong_or_missing_token_is_401(make_client: ClientFactory) -> None:
    client = make_client(admin_token=TOKEN)
    assert client.get("/admin/analytics").status_code == 401
    assert client.get("/admin/analytics", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/admin/analytics", headers={"X-Admin-Token": TOKEN}).status_code == 200


def test_unanswered_feedback_and_analytics(make_client: ClientFactory) -> None:
    client = make_client(admin_token=TOKEN)
    answered = client.post("/v1/chat", json={"text": "补办身份证要带什么材料"}).json()
    client.post("/v1/chat", json={"session_id": answered["session_id"], "text": "那要多少钱？"})
    declined = client.post("/v1/chat", json={"text": "帮我查一下我的社保缴费记录，身份证110101199003071234"}).json()
    assert declined["handoff"] is True
    r = client.post("/v1/feedback", json={"session_id": answered["session_id"], "rating": "up",
                                          "item_id": answered["item_id"], "comment": "手机13812345678很清楚"})
    assert r.status_code == 200 and r.json() == {"ok": True}
    client.post("/v1/feedback", json={"rating": "down", "item_id": "HZ-003"})
    assert client.post("/v1/feedback", json={"rating": "meh"}).status_code == 422

    rows = client.get("/admin/unanswered", headers=AUTH).json()["entries"]
    assert rows and "110101199003071234" not in str(rows)
    text = client.get("/admin/unanswered?format=csv", headers=AUTH).text
    table = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert table and "question" in table[0] and "1101" in table[0]["question"]

    feedback = client.get("/admin/feedback", headers=AUTH).json()["entries"]
    assert [f["rating"] for f in feedback] == ["up", "down"]
    assert "13812345678" not in str(feedback)
    assert client.get("/admin/feedback?format=csv", headers=AUTH).text.count("\n") == 3

    stats = client.get("/admin/analytics", headers=AUTH).json()
    assert stats["turns"] == 3
    assert stats["top_items"][0] == {"item_id": "HZ-003", "title": "居民身份证补领", "turns": 2}
    assert stats["handoff_rate"] == pytest.approx(1 / 3, abs=1e-3)
    assert sum(stats["unanswered_by_day"].values()) == len(rows)
    assert stats["feedback"]["by_item"]["HZ-003"] == {"up": 1, "down": 1}


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(default_data_dir(), target)
    return target


def test_reload_validates_first_and_keeps_the_old_base_on_failure(make_client: ClientFactory, kb_copy: Path) -> None:
    client = make_client(admin_token=TOKEN, kb_dir=kb_copy)
    service = client.app.state.service  # type: ignore[attr-defined]
    before = service.engine

    site = kb_copy / "site.yaml"
    good = site.read_text(encoding="utf-8")
    site.write_text(good.replace("name:", "nmae:", 1), encoding="utf-8")
    r = client.post("/admin/reload", headers=AUTH)
    assert r.status_code == 422
    body = r.json()
    assert body["ok"] is False and body["errors"]
    assert any("site.yaml" in e.get("file", "") for e in body["errors"])
    assert service.engine is before
    assert client.post("/v1/chat", json={"text": "补办身份证要带什么材料"}).json()["item_id"] == "HZ-003"

    site.write_text(good, encoding="utf-8")
    r = client.post("/admin/reload", headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is True and r.json()["items"] > 300 and r.json()["flows"] >= 8
    assert service.engine is not before
    assert client.post("/v1/chat", json={"text": "补办身份证要带什么材料"}).json()["item_id"] == "HZ-003"
    assert 'daoban_kb_reloads_total{result="failed"} 1.0' in client.get("/metrics").text


def test_reload_reports_broken_flows(make_client: ClientFactory, tmp_path: Path) -> None:
    from bot.flow.loader import default_flows_dir

    flows = tmp_path / "flows"
    shutil.copytree(default_flows_dir(), flows)
    client = make_client(admin_token=TOKEN, flows_dir=flows)
    (flows / "id_card_reissue.yaml").write_text("name: id_card_reissue\nsteps: [\n", encoding="utf-8")
    r = client.post("/admin/reload", headers=AUTH)
    assert r.status_code == 422
    assert any("id_card_reissue.yaml" in e["file"] for e in r.json()["errors"])
    assert client.post("/v1/chat", json={"text": "我要补办身份证"}).json()["flow"] == "id_card_reissue"
