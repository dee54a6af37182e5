from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.channels.app import create_app
from bot.server.config import ServiceConfig
from bot.server.limits import uvicorn_options
from bot.session.store import SessionStore
from knowledge.engine import KnowledgeEngine

ClientFactory = Callable[..., TestClient]


def served_dir(data_dir: Path, name: str) -> Path:
    """Where a test's service writes (feedback, turns, unanswered): under the session's data dir, so the closing
    privacy scan (tests/bot/test_zz_privacy_scan.py) reads every record the server tests made."""
    return data_dir / "served" / name


@pytest.fixture(scope="module", autouse=True)
def _clean_env(data_dir: Path, request: pytest.FixtureRequest) -> Iterator[None]:
    """Settings come from each test's config, not from the environment of whoever runs the suite."""
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("DAOBAN_") and name not in ("DAOBAN_ENCODER", "DAOBAN_CACHE_DIR"):
                mp.delenv(name)
        mp.setenv("DAOBAN_DATA_DIR", str(served_dir(data_dir, request.module.__name__)))
        yield


@pytest.fixture(scope="session")
def warm_engine(engine: KnowledgeEngine) -> KnowledgeEngine:
    engine.ask("补办身份证要带什么")
    return engine


RASA_TOKEN = "rasa-channel-token-for-tests"


def service_config(data_dir: Path, **overrides: Any) -> ServiceConfig:
    values: dict[str, Any] = {"data_dir": data_dir, "warmup": False, "rate_limit": {"enabled": False},
                              "rasa": {"token": RASA_TOKEN}}
    values.update(overrides)
    return ServiceConfig(**values)


def wait_ready(get: Callable[[str], Any], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if get("/ready").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise AssertionError("service did not become ready")


class Clients:
    """TestClients over apps sharing the loaded engine; each app has its own assistant, service and metrics."""

    def __init__(self, engine: KnowledgeEngine, data_dir: Path) -> None:
        self.engine = engine
        self.data_dir = data_dir
        self.opened: list[TestClient] = []

    def __call__(self, session_store: SessionStore | None = None, **overrides: Any) -> TestClient:
        overrides.setdefault("data_dir", self.data_dir)
        config = service_config(**overrides)
        app = create_app(config, engine=self.engine, store=session_store)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        self.opened.append(client)
        wait_ready(client.get)
        return client

    def close(self) -> None:
        for client in self.opened:
            client.__exit__(None, None, None)


@pytest.fixture
def make_client(warm_engine: KnowledgeEngine, data_dir: Path, tmp_path: Path) -> Iterator[ClientFactory]:
    clients = Clients(warm_engine, served_dir(data_dir, tmp_path.name))
    yield clients
    clients.close()


@pytest.fixture(scope="module")
def module_clients(warm_engine: KnowledgeEngine, data_dir: Path, request: pytest.FixtureRequest) -> Iterator[Clients]:
    clients = Clients(warm_engine, served_dir(data_dir, request.module.__name__ + ".module"))
    yield clients
    clients.close()


@pytest.fixture(scope="module")
def client(module_clients: Clients) -> TestClient:
    """One default app per test module, for tests that change no settings."""
    return module_clients()


@pytest.fixture
def config_factory(data_dir: Path, tmp_path: Path) -> Callable[..., ServiceConfig]:
    def make(**overrides: Any) -> ServiceConfig:
        overrides.setdefault("data_dir", served_dir(data_dir, tmp_path.name))
        return service_config(**overrides)

    return make


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """A real uvicorn server on 127.0.0.1 in a background thread, with the limits `daoban serve` gives uvicorn."""

    def __init__(self, app: FastAPI, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None, access_log=False,
                                lifespan="on", **uvicorn_options(app.state.service.config))
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        with httpx.Client(base_url=self.url, timeout=5) as http:
            wait_ready(http.get)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        assert not self.thread.is_alive(), "server did not stop"


@pytest.fixture
def live_server(warm_engine: KnowledgeEngine, data_dir: Path, tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    started: list[LiveServer] = []

    def start(port: int | None = None, session_store: SessionStore | None = None, **overrides: Any) -> LiveServer:
        overrides.setdefault("data_dir", served_dir(data_dir, tmp_path.name))
        app = create_app(service_config(**overrides), engine=warm_engine, store=session_store)
        server = LiveServer(app, port).start()
        started.append(server)
        return server

    yield start
    for server in started:
        if server.thread.is_alive():
            server.stop()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on a free loopback port, with persistence off."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise
            time.sleep(0.05)
    client.close()
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)
