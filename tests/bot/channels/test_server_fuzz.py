"""Property-based fuzzing of every HTTP operation in the OpenAPI schema: no input may produce a 5xx."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed (pip install schemathesis)")

TOKEN = "fuzz-admin-token"
SKIP = {"POST /admin/reload"}


@pytest.fixture(scope="module")
def fuzz_client(module_clients: Callable[..., TestClient]) -> TestClient:
    return module_clients(admin_token=TOKEN, rasa={"token": TOKEN},
                          limits={"max_text_chars": 200, "max_body_bytes": 4096})


def operations(client: TestClient) -> list[object]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    found = [result.ok() for result in schema.get_all_operations()]
    return [op for op in found if f"{op.method.upper()} {op.path}" not in SKIP]


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_server_errors(fuzz_client: TestClient, mode: str) -> None:
    generation_mode = schemathesis.GenerationMode(mode)
    ops = operations(fuzz_client)
    assert {"POST /v1/chat", "POST /webhooks/rest/webhook", "POST /v1/feedback"} <= {
        f"{op.method.upper()} {op.path}" for op in ops}
    failures: list[str] = []
    for op in ops:

        @given(case=op.as_strategy(generation_mode=generation_mode))
        @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers={"Authorization": f"Bearer {TOKEN}"})
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.path} {case.body!r} -> {response.status_code}")

        try:
            run()
        except Unsatisfiable:
            assert mode == "negative", f"{op.method} {op.path}: no valid input could be generated"
    assert failures == []
