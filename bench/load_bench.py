"""Load benchmark of `daoban serve` on loopback: N concurrent sessions x T turns mixing questions and flow steps.

    python bench/load_bench.py --sessions 1000 --turns 5 --store memory sqlite redis
    python bench/load_bench.py --url http://127.0.0.1:8000 --sessions 200      # a server you started yourself

Without --url, each store gets a fresh server process (and, for redis, a fresh redis-server on a free port); the
script measures cold start to /ready and the server's resident memory (from its /metrics) before and after the load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.flow.simulator import SAMPLE_ID  # noqa: E402

FLOW_SCRIPTS: list[list[str]] = [
    ["我要补办身份证", SAMPLE_ID, "确认", "到受理点领取", "交通违法在哪里处理"],
    ["临时身份证明怎么开", "我要开临时身份证明", SAMPLE_ID, "确认", "帮助"],
    ["How do I extend my visa?", "How much does it cost?", "Where do I go?", "I want a temporary ID certificate",
     SAMPLE_ID],
]
ASKS = ["{}需要带什么材料", "{}怎么办理", "办{}要多少钱", "{}在哪里办", "{}多久能办好"]
FOLLOW_UPS = ["那要多少钱？", "在哪办？", "周末能办吗？", "需要带什么？", "多久能拿到？"]


def item_names() -> list[str]:
    with (REPO / "knowledge" / "data" / "catalogue.csv").open(encoding="utf-8") as fh:
        return [row["name"] for row in csv.DictReader(fh)]


def scripts(sessions: int, seed: int = 7) -> list[list[str]]:
    """Two in five sessions run a kiosk flow; the others ask about varied guide items, with follow-ups."""
    rng = random.Random(seed)
    names = item_names()
    out: list[list[str]] = []
    for i in range(sessions):
        if i % 5 in (1, 3):
            out.append(FLOW_SCRIPTS[(i // 5) % len(FLOW_SCRIPTS)])
            continue
        first = rng.choice(ASKS).format(rng.choice(names))
        second = rng.choice(ASKS).format(rng.choice(names))
        out.append([first, *rng.sample(FOLLOW_UPS, 2), second, rng.choice(FOLLOW_UPS)])
    return out


@dataclass
class StoreResult:
    store: str
    sessions: int
    turns_per_session: int
    think_s: float = 0.0
    requests: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    req_per_s: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    cold_start_s: float | None = None
    rss_ready_mb: float | None = None
    rss_after_mb: float | None = None
    server_p50_ms: float | None = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rss_mb(url: str) -> float | None:
    try:
        text = httpx.get(url + "/metrics", timeout=10).text
    except httpx.HTTPError:
        return None
    for line in text.splitlines():
        if line.startswith("process_resident_memory_bytes"):
            return round(float(line.split()[-1]) / 2**20, 1)
    return None


class Connection:
    """One keep-alive HTTP/1.1 connection per simulated citizen; a minimal client so the load generator stays cheap."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, payload: dict[str, Any]) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        body = json.dumps(payload, ensure_ascii=False).encode()
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        await self.writer.drain()
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()


async def session(url: httpx.URL, script: list[str], turns: int, latencies: list[float], result: StoreResult,
                  start: asyncio.Event, think_s: float) -> None:
    conn = Connection(url.host, url.port or 80)
    sid: str | None = None
    await start.wait()
    for n in range(turns):
        if think_s and n:
            await asyncio.sleep(random.uniform(0.5, 1.5) * think_s)
        body: dict[str, Any] = {"text": script[n % len(script)], "channel": "web"}
        if sid:
            body["session_id"] = sid
        t0 = time.perf_counter()
        try:
            status, raw = await conn.post("/v1/chat", body)
            ok = status == 200
            if ok:
                sid = json.loads(raw)["session_id"]
            elif len(result.error_samples) < 5:
                result.error_samples.append(f"{status}: {raw[:120]!r}")
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as exc:
            ok = False
            await conn.close()
            conn = Connection(url.host, url.port or 80)
            if len(result.error_samples) < 5:
                result.error_samples.append(f"{type(exc).__name__}: {exc}")
        latencies.append((time.perf_counter() - t0) * 1000)
        result.requests += 1
        result.errors += not ok
    await conn.close()


async def run_load(url: str, sessions: int, turns: int, result: StoreResult, think_s: float = 0.0) -> None:
    latencies: list[float] = []
    start = asyncio.Event()
    target = httpx.URL(url)
    tasks = [asyncio.create_task(session(target, script, turns, latencies, result, start, think_s))
             for script in scripts(sessions)]
    await asyncio.sleep(0)
    t0 = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    result.wall_s = round(time.perf_counter() - t0, 2)
    result.req_per_s = round(result.requests / result.wall_s, 1) if result.wall_s else 0.0
    result.p50_ms = round(percentile(latencies, 0.50), 1)
    result.p95_ms = round(percentile(latencies, 0.95), 1)
    result.p99_ms = round(percentile(latencies, 0.99), 1)
    result.max_ms = round(max(latencies, default=0.0), 1)


def server_p50(url: str) -> float | None:
    """The median in-process turn time, from the server's latency histogram (bucket upper bound)."""
    try:
        text = httpx.get(url + "/metrics", timeout=10).text
    except httpx.HTTPError:
        return None
    buckets: list[tuple[float, float]] = []
    for line in text.splitlines():
        if line.startswith("daoban_turn_latency_seconds_bucket") and 'channel="web"' in line:
            le = line.split('le="', 1)[1].split('"', 1)[0]
            buckets.append((float("inf") if le == "+Inf" else float(le), float(line.split()[-1])))
    if not buckets or buckets[-1][1] == 0:
        return None
    total = buckets[-1][1]
    for bound, count in sorted(buckets):
        if count >= total / 2:
            return round(bound * 1000, 1)
    return None


class Server:
    """`daoban serve` in a child process with its own data directory (and its own redis-server for redis)."""

    def __init__(self, store: str, workdir: Path, log_level: str) -> None:
        self.store = store
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.redis: subprocess.Popen[bytes] | None = None
        config: dict[str, Any] = {"host": "127.0.0.1", "port": self.port, "store": store,
                                  "data_dir": str(workdir / "var"), "rate_limit": {"enabled": False},
                                  "limits": {"max_ws_connections": 5000}, "log_level": log_level}
        if store == "redis":
            binary = shutil.which("redis-server")
            if binary is None:
                raise SystemExit("redis-server is not installed")
            redis_port = free_port()
            self.redis = subprocess.Popen([binary, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                                           "--appendonly", "no", "--dir", str(workdir)],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            config["redis_url"] = f"redis://127.0.0.1:{redis_port}/0"
            time.sleep(0.3)
        self.config_path = workdir / "serve.yaml"
        self.config_path.write_text(json.dumps({"serve": config}), encoding="utf-8")
        self.log = (workdir / "server.log").open("wb")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 300.0) -> float:
        env = dict(os.environ)
        env.pop("DAOBAN_ADMIN_TOKEN", None)
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli.main", "serve", "--config", str(self.config_path)],
                                     cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        while time.perf_counter() - t0 < timeout:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited with {self.proc.returncode}; see {self.workdir / 'server.log'}")
            try:
                if httpx.get(self.url + "/ready", timeout=2).status_code == 200:
                    return round(time.perf_counter() - t0, 2)
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise SystemExit("server did not become ready")

    def stop(self) -> None:
        for proc in (self.proc, self.redis):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        self.log.close()


def bench_store(store: str, sessions: int, turns: int, log_level: str, think_s: float) -> StoreResult:
    result = StoreResult(store, sessions, turns, think_s=think_s)
    with tempfile.TemporaryDirectory(prefix=f"daoban-bench-{store}-") as tmp:
        server = Server(store, Path(tmp), log_level)
        try:
            result.cold_start_s = server.start()
            result.rss_ready_mb = rss_mb(server.url)
            asyncio.run(run_load(server.url, sessions, turns, result, think_s))
            result.rss_after_mb = rss_mb(server.url)
            result.server_p50_ms = server_p50(server.url)
        finally:
            server.stop()
    return result


def table(results: list[StoreResult]) -> str:
    head = ("| store | sessions x turns | think s | requests | errors | req/s | p50 ms | p95 ms | p99 ms | max ms | "
            "cold start s | RSS ready MB | RSS after MB |")
    rows = [head, "|" + "---|" * 13]
    for r in results:
        rows.append(f"| {r.store} | {r.sessions} x {r.turns_per_session} | {r.think_s:g} | {r.requests} | {r.errors} "
                    f"| {r.req_per_s} "
                    f"| {r.p50_ms} | {r.p95_ms} | {r.p99_ms} | {r.max_ms} | {r.cold_start_s or '-'} "
                    f"| {r.rss_ready_mb or '-'} | {r.rss_after_mb or '-'} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--store", nargs="+", choices=("memory", "sqlite", "redis"), default=["memory"])
    parser.add_argument("--url", default=None, help="benchmark a running server instead (loopback only)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a citizen takes between turns (0: fire the next turn at once)")
    parser.add_argument("--log-level", default="INFO", help="server log level (INFO logs one JSON line per turn)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)

    results: list[StoreResult] = []
    if args.url:
        host = httpx.URL(args.url).host
        if host not in ("127.0.0.1", "localhost", "::1"):
            parser.error("--url must point at a loopback address")
        result = StoreResult("external", args.sessions, args.turns, think_s=args.think, rss_ready_mb=rss_mb(args.url))
        asyncio.run(run_load(args.url, args.sessions, args.turns, result, args.think))
        result.rss_after_mb = rss_mb(args.url)
        result.server_p50_ms = server_p50(args.url)
        results.append(result)
    else:
        for store in args.store:
            print(f"[{store}] starting server and running {args.sessions} x {args.turns} ...", file=sys.stderr)
            results.append(bench_store(store, args.sessions, args.turns, args.log_level, args.think))
    print(table(results))
    for r in results:
        if r.error_samples:
            print(f"{r.store} errors: {r.error_samples}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if all(r.errors == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
