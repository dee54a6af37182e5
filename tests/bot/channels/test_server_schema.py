"""The OpenAPI schema agrees with what the server does: schemathesis, every check on, against a real uvicorn server.

Every check means: no 5xx, every status and content type the server answers is documented, every body matches its
documented schema, schema-valid requests are accepted and schema-invalid ones refused, auth is enforced."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import httpx
import pytest

pytest.importorskip("schemathesis", reason="schemathesis is not installed (pip install schemathesis)")

TOKEN = "schema-admin-token"


def test_every_check_passes(live_server: Callable[..., Any]) -> None:
    """/admin/reload is left out (each call rebuilds the engine for seconds); test_documented_shapes calls it."""
    server = live_server(admin_token=TOKEN, rasa={"token": TOKEN})
    command = [sys.executable, "-m", "schemathesis.cli", "run", f"{server.url}/openapi.json", "--checks", "all",
               "--exclude-path", "/admin/reload", "--max-examples", "10", "--seed", "20240611", "--no-color",
               "--request-timeout", "20", "-H", f"Authorization: Bearer {TOKEN}"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=150, check=False)
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-6000:]
    assert "No issues found" in report and "Warnings:" not in report, report[-3000:]
    tested = next(line for line in report.splitlines() if line.strip().startswith("Tested:"))
    assert tested.split(":")[1].strip() == "9", report[-3000:]


def test_documented_shapes(live_server: Callable[..., Any]) -> None:
    """What a client generator reads: CSV exports as CSV, the admin 401 and 422 bodies, one of text or event."""
    server = live_server(admin_token=TOKEN)
    with httpx.Client(base_url=server.url, timeout=10) as http:
        schema = http.get("/openapi.json").json()
        paths = schema["paths"]
        feedback = paths["/admin/feedback"]["get"]["responses"]
        assert set(feedback["200"]["content"]) == {"application/json", "text/csv", "application/x-ndjson"}
        assert feedback["401"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
        assert feedback["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ValidationErrorOut")
        reload = paths["/admin/reload"]["post"]["responses"]
        assert reload["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ReloadOut")
        reloaded = http.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120)
        assert reloaded.status_code == 200
        assert set(schema["components"]["schemas"]["ReloadOut"]["required"]) <= set(reloaded.json())
        chat = schema["components"]["schemas"]["ChatRequest"]
        assert [option["required"] for option in chat["oneOf"]] == [["text"], ["event"]]
        assert http.post("/v1/chat", json={"text": "你好", "event": {"type": "payment_done"}}).status_code == 422
        csv = http.get("/admin/feedback", params={"format": "csv"}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert csv.headers["content-type"].startswith("text/csv")
        bad = http.get("/admin/analytics", params={"top": "x"}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert bad.status_code == 422 and isinstance(bad.json()["detail"], str) and bad.json()["errors"]
        assert http.get("/admin/analytics").json() == {"detail": "admin token missing or wrong"}
        broken = http.post("/v1/chat", content=b'{"text": "\xff\xfe"}', headers={"Content-Type": "application/json"})
        assert broken.status_code == 422 and broken.json()["errors"][0]["type"] == "json_invalid"
