"""daoban against Rasa 3.6.21 on the same machine, in one run, through the same kind of endpoint.

Both get the same questions (../shared/eval/dev.jsonl) and the same scripted kiosk-flow conversations over a Rasa REST
webhook (POST /webhooks/rest/webhook {"sender", "message"}): Rasa's own, serving the project `daoban rasa export`
writes (with the action server from bot/rasa/actions.py), and daoban's Rasa-compatible one (`daoban serve`).
Measured: top-1 and out-of-scope F1, per-turn latency p50/p95, throughput at 1 and 4 concurrent clients, server RSS,
cold start, install size and training time. The two servers run one after the other, never side by side.

Needs scripts/rasa_env.sh first. Usage (from the repository root, with daoban's own environment):
    .venv/bin/python bench/rasa_vs_daoban.py [--out docs/benchmarks.md] [--reuse-model] [--no-mode-comparison]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.flow.loader import load_flows  # noqa: E402
from bot.flow.schema import Flow  # noqa: E402
from bot.rasa import ExportOptions, export_project  # noqa: E402
from knowledge.evaluate import Case, read_cases  # noqa: E402
from knowledge.identifiers import id_check_digit  # noqa: E402
from knowledge.loader import load  # noqa: E402

RASA_ENV = REPO / ".rasa-env"
SDK_ENV = REPO / ".rasa-sdk-env"
WEBHOOK = "/webhooks/rest/webhook"
CHANNEL_TOKEN = secrets.token_urlsafe(16)
"""daoban's webhook takes only callers with the channel token; Rasa's REST channel ignores the header."""
PROBE = "身份证丢了怎么补办"
_GOOD_BASE = "11010519491231002"
GOOD_ID = _GOOD_BASE + id_check_digit(_GOOD_BASE)
BAD_ID = _GOOD_BASE + ("0" if GOOD_ID[-1] != "0" else "1")
"""Same 17 digits, wrong check digit: every ID validator must refuse it."""
SLOT_ANSWERS = {"phone": ["13800138000"], "plate": ["粤B12345"], "digits6": ["123456"],
                "text": ["示例市示例区人民路1号"], "id_number": [BAD_ID, GOOD_ID]}
DATES = ["2025-01-01", "2026-06-30", "2026-12-01"]
MAX_FLOW_TURNS = 24


# ---------------------------------------------------------------------------------------------------- processes

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants."""
    tree = _children()
    todo, total = [pid], 0
    while todo:
        p = todo.pop()
        todo.extend(tree.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


def tree_cpu_s(pid: int) -> float:
    """User + system CPU seconds used so far by a process and its descendants (robust to a busy machine)."""
    tree = _children()
    tick = os.sysconf("SC_CLK_TCK")
    todo, total = [pid], 0
    while todo:
        p = todo.pop()
        todo.extend(tree.get(p, []))
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / tick


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        if not self.alive():
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def start(name: str, cmd: list[str], env: dict[str, str], cwd: Path, logs: Path) -> Proc:
    log = logs / f"{name}.log"
    fh = log.open("wb")
    popen = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    return Proc(name, popen, log)


def rasa_env_vars(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RASA_", "VIRTUAL_ENV", "PYTHON"))}
    env.update({"HOME": str(home), "RASA_TELEMETRY_ENABLED": "false", "DAOBAN_OFFLINE_GUARD": "1",
                "SANIC_HOST": "127.0.0.1", "TF_CPP_MIN_LOG_LEVEL": "2"})
    return env


def dir_size_mb(path: Path) -> float | None:
    if not path.exists():
        return None
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            with suppress(OSError):
                total += os.lstat(os.path.join(root, f)).st_size
    return round(total / 2**20, 1)


# ------------------------------------------------------------------------------------------------------ webhook

@dataclass
class Turn:
    ms: float
    messages: list[dict[str, Any]]
    item_id: str | None = None
    handoff: bool = False
    flow: str | None = None
    step: str | None = None
    expect: str | None = None
    done: bool = False
    error: str | None = None

    @classmethod
    def parse(cls, ms: float, messages: list[dict[str, Any]]) -> Turn:
        turn = cls(ms, messages)
        for m in messages:
            c = m.get("custom") or {}
            turn.item_id = turn.item_id or c.get("item_id")
            turn.handoff = turn.handoff or bool(c.get("handoff"))
            if c.get("step"):
                turn.flow, turn.step, turn.expect = c.get("flow"), c.get("step"), c.get("expect")
            turn.done = turn.done or bool(c.get("done"))
        return turn

    @property
    def text(self) -> str:
        return " / ".join(str(m.get("text") or "") for m in self.messages if m.get("text"))


class Webhook:
    def __init__(self, base: str, timeout: float = 60.0) -> None:
        self.url = base.rstrip("/") + WEBHOOK
        self.client = httpx.Client(timeout=timeout, headers={"Authorization": f"Bearer {CHANNEL_TOKEN}"})

    def send(self, sender: str, message: str) -> Turn:
        start = time.perf_counter()
        try:
            r = self.client.post(self.url, json={"sender": sender, "message": message})
            ms = (time.perf_counter() - start) * 1000
            if r.status_code != 200:
                return Turn(ms, [], error=f"HTTP {r.status_code}: {r.text[:200]}")
            return Turn.parse(ms, r.json())
        except (httpx.HTTPError, ValueError) as exc:
            return Turn((time.perf_counter() - start) * 1000, [], error=str(exc))

    def close(self) -> None:
        self.client.close()


def wait_ready(base: str, procs: list[Proc], limit_s: float = 600) -> float:
    """Seconds from now until the webhook answers the probe question with a guide item (every process needed up)."""
    start = time.perf_counter()
    hook = Webhook(base, timeout=30)
    try:
        while time.perf_counter() - start < limit_s:
            for p in procs:
                if not p.alive():
                    raise RuntimeError(f"{p.name} exited ({p.popen.returncode}):\n{p.tail()}")
            turn = hook.send(f"probe-{uuid.uuid4().hex[:8]}", PROBE)
            if turn.item_id:
                return time.perf_counter() - start
            time.sleep(0.2)
    finally:
        hook.close()
    raise RuntimeError(f"not ready after {limit_s} s: " + "; ".join(p.tail(5) for p in procs))


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))], 1)


# -------------------------------------------------------------------------------------------------- measurements

def evaluate(base: str, cases: list[Case], tag: str) -> dict[str, Any]:
    """Top-1, out-of-scope precision/recall/F1 and sequential per-turn latency, one fresh conversation per question
    (scored as knowledge/evaluate.py scores daoban's engine)."""
    hook = Webhook(base)
    top1 = declined_oos = answered_oos = declined_in = errors = 0
    latencies: list[float] = []
    records = []
    for i, case in enumerate(cases):
        turn = hook.send(f"{tag}-q{i}-{uuid.uuid4().hex[:6]}", case.q)
        latencies.append(turn.ms)
        errors += turn.error is not None
        pred = turn.item_id
        if case.ids:
            top1 += pred in case.ids
            declined_in += pred is None
        else:
            declined_oos += pred is None
            answered_oos += pred is not None
        records.append({"q": case.q, "ids": list(case.ids), "predicted": pred, "ms": round(turn.ms, 1),
                        "error": turn.error})
    hook.close()
    n_in = sum(1 for c in cases if c.ids)
    declined = declined_oos + declined_in
    precision = declined_oos / declined if declined else 0.0
    recall = declined_oos / (declined_oos + answered_oos) if declined_oos + answered_oos else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    correct = top1 + declined_oos
    return {"n": len(cases), "in_scope": n_in, "top1": round(top1 / n_in, 4), "false_handover": declined_in,
            "oos_precision": round(precision, 4), "oos_recall": round(recall, 4), "oos_f1": round(f1, 4),
            "overall": round(correct / len(cases), 4), "p50_ms": pct(latencies, 50), "p95_ms": pct(latencies, 95),
            "errors": errors, "records": records}


def nlu_threshold_sweep(base: str, cases: list[Case]) -> dict[str, Any]:
    """Rasa's NLU alone (POST /model/parse): what top-1 and OOS F1 would be at other FallbackClassifier thresholds.
    The best row is tuned on the very questions it is scored on, so it is an optimistic bound, not a result."""
    from bot.rasa.answers import item_of_message

    client = httpx.Client(timeout=60)
    parsed = []
    for case in cases:
        msg = client.post(base.rstrip("/") + "/model/parse", json={"text": case.q}).json()
        ranking = msg.get("intent_ranking") or []
        # the FallbackClassifier puts nlu_fallback first; the confidence it compared is the next intent's
        top = next((r for r in ranking if r.get("name") != "nlu_fallback"), msg.get("intent") or {})
        item_id, _ = item_of_message({**msg, "intent": top})
        parsed.append((case, item_id, float(top.get("confidence") or 0.0)))
    client.close()
    rows = []
    for t in [round(x * 0.05, 2) for x in range(0, 19)]:
        top1 = declined_oos = answered_oos = declined_in = 0
        for case, item_id, conf in parsed:
            pred = item_id if conf >= t else None
            if case.ids:
                top1 += pred in case.ids
                declined_in += pred is None
            else:
                declined_oos += pred is None
                answered_oos += pred is not None
        declined = declined_oos + declined_in
        p = declined_oos / declined if declined else 0.0
        r = declined_oos / (declined_oos + answered_oos) if declined_oos + answered_oos else 0.0
        n_in = sum(1 for c in cases if c.ids)
        rows.append({"threshold": t, "top1": round(top1 / n_in, 4),
                     "oos_f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
                     "overall": round((top1 + declined_oos) / len(cases), 4)})
    best = max(rows, key=lambda x: (x["overall"], x["top1"]))
    return {"rows": rows, "best": best}


def throughput(base: str, questions: list[str], clients: int, requests: int, tag: str) -> dict[str, Any]:
    """`requests` questions (each a new conversation) spread over `clients` threads, each with its own connection."""
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]
    counter = iter(range(requests))

    def work(cid: int) -> None:
        hook = Webhook(base)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            turn = hook.send(f"{tag}-c{cid}-{i}", questions[i % len(questions)])
            with lock:
                latencies.append(turn.ms)
                errors[0] += turn.error is not None
        hook.close()

    threads = [threading.Thread(target=work, args=(c,)) for c in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return {"clients": clients, "requests": requests, "seconds": round(wall, 2),
            "req_per_s": round(requests / wall, 1), "p50_ms": pct(latencies, 50), "p95_ms": pct(latencies, 95),
            "errors": errors[0]}


def flow_answers(flow: Flow) -> dict[str, list[str]]:
    """What the scripted citizen says at each step of a flow (the same table for both systems): a bad ID number
    first and then a good one, the last option of every choice (the longer branch), 确认 to confirmations."""
    answers: dict[str, list[str]] = {}
    dates = iter(DATES)
    for step in flow.steps:
        if step.kind == "ask" and step.type == "date":
            answers[step.id] = [next(dates, DATES[-1])]
        elif step.kind == "ask" and step.type:
            answers[step.id] = SLOT_ANSWERS[step.type]
        elif step.kind == "choice" and step.options:
            answers[step.id] = [step.options[-1].title.zh_hans]
        elif step.kind == "confirm":
            answers[step.id] = ["确认"]
        elif step.kind == "pick":
            answers[step.id] = ["全部"]
        else:
            answers[step.id] = ["好的"]
    return answers


def flow_entry(flow: Flow, item_names: dict[str, str]) -> str:
    return item_names.get(flow.items[0], flow.title.zh_hans)


def run_flow(base: str, flow: Flow, entry: str, tag: str) -> dict[str, Any]:
    """Ask about the flow's first item, say 开始办理, then answer whatever step is asked from flow_answers."""
    hook = Webhook(base)
    sender = f"{tag}-flow-{flow.name}-{uuid.uuid4().hex[:6]}"
    answers = flow_answers(flow)
    used: dict[str, int] = {}
    turns: list[Turn] = [hook.send(sender, entry)]
    if turns[-1].step is None:
        turns.append(hook.send(sender, "开始办理"))
    id_steps = {s.id for s in flow.steps if s.kind == "ask" and s.type == "id_number"}
    end_steps = {s.id for s in flow.steps if s.kind == "end"}
    rejected: bool | None = None
    steps_seen: list[str] = []
    while len(turns) < MAX_FLOW_TURNS:
        last = turns[-1]
        if last.error or last.done or last.step is None or last.step in end_steps or \
                (last.flow and last.flow != flow.name):
            break
        step = last.step
        steps_seen.append(step)
        options = answers.get(step, ["好的"])
        k = used.get(step, 0)
        if k >= len(options) + 1:
            break  # the same step keeps coming back: stuck
        used[step] = k + 1
        turn = hook.send(sender, options[min(k, len(options) - 1)])
        if step in id_steps and k == 0:
            rejected = turn.step == step
        turns.append(turn)
    hook.close()
    last = turns[-1]
    slot_steps = [s.id for s in flow.steps if s.kind in ("ask", "choice")]
    finished = last.done or last.step in end_steps  # Rasa: the form's done message; daoban: an end step
    completed = last.error is None and not last.handoff and finished and any(s in steps_seen for s in slot_steps)
    return {"flow": flow.name, "entry": entry, "turns": len(turns), "completed": completed,
            "bad_id_rejected": rejected, "steps": steps_seen, "latencies_ms": [round(t.ms, 1) for t in turns],
            "errors": [t.error for t in turns if t.error], "last_reply": last.text[:300]}


def run_flows(base: str, flows: list[Flow], item_names: dict[str, str], tag: str) -> dict[str, Any]:
    results = [run_flow(base, f, flow_entry(f, item_names), tag) for f in flows]
    lat = [ms for r in results for ms in r["latencies_ms"]]
    with_id = [r for r in results if r["bad_id_rejected"] is not None]
    return {"flows": len(results), "completed": sum(r["completed"] for r in results),
            "turns": sum(r["turns"] for r in results), "p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95),
            "bad_id_rejected": f"{sum(bool(r['bad_id_rejected']) for r in with_id)}/{len(with_id)}",
            "results": results}


# ------------------------------------------------------------------------------------------------------- systems

@dataclass
class SystemResult:
    name: str
    cold_start_s: float | None = None
    cold_start_note: str = ""
    train_s: float | None = None
    train_peak_rss_mb: float | None = None
    install_mb: float | None = None
    install_note: str = ""
    rss_mb: float | None = None
    rss_note: str = ""
    accuracy: dict[str, Any] = field(default_factory=dict)
    throughput: list[dict[str, Any]] = field(default_factory=list)
    flows: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def measured(sys_result: SystemResult, base: str, cases: list[Case], flows: list[Flow], item_names: dict[str, str],
             args: argparse.Namespace, tag: str, pids: list[int]) -> None:
    load_before = os.getloadavg()[0]
    cpu_before = sum(tree_cpu_s(p) for p in pids)
    sys_result.accuracy = evaluate(base, cases, tag)
    sys_result.extra["cpu_ms_per_question"] = round((sum(tree_cpu_s(p) for p in pids) - cpu_before) * 1000
                                                    / len(cases), 1)
    questions = [c.q for c in cases]
    for clients in args.clients:
        sys_result.throughput.append(throughput(base, questions, clients, args.requests, f"{tag}-tp{clients}"))
    sys_result.flows = run_flows(base, flows, item_names, tag)
    sys_result.extra["load_avg_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]


def train_rasa(project: Path, logs: Path, mode: str, args: argparse.Namespace) -> dict[str, Any]:
    """Export, `rasa data validate`, `rasa train`: wall time and peak RSS of the training process."""
    report = export_project(project, ExportOptions(mode=mode, epochs=args.epochs,  # type: ignore[arg-type]
                                                   transformer_layers=args.transformer_layers))
    env = rasa_env_vars(RASA_ENV / "home")
    rasa = str(RASA_ENV / "bin" / "rasa")
    t0 = time.perf_counter()
    validate = subprocess.run([rasa, "data", "validate"], cwd=project, env=env, capture_output=True, text=True)
    validate_s = time.perf_counter() - t0
    (logs / f"validate-{mode}.log").write_text(validate.stdout + validate.stderr)
    t0 = time.perf_counter()
    with (logs / f"train-{mode}.log").open("wb") as fh:
        proc = subprocess.Popen([rasa, "train", "--fixed-model-name", "daoban", "--out", "models", "--force"],
                                cwd=project, env=env, stdout=fh, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(proc.pid, 0)
    train_s = time.perf_counter() - t0
    if status != 0:
        raise RuntimeError(f"rasa train failed ({status}); see {logs / f'train-{mode}.log'}")
    stats = {"mode": mode, "epochs": args.epochs, "train_s": round(train_s, 1),
             "train_cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
             "train_peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "validate_rc": validate.returncode,
             "validate_s": round(validate_s, 1), "intents": report.intents, "examples": report.examples,
             "forms": len(report.forms), "model_mb": dir_size_mb(project / "models"),
             "trained_at": dt.datetime.now().isoformat(timespec="minutes")}
    (project / "train_stats.json").write_text(json.dumps(stats, indent=2))
    return stats


@contextmanager
def rasa_server(project: Path, logs: Path, tag: str) -> Iterator[tuple[str, list[Proc], float]]:
    rasa_port, action_port = free_port(), free_port()
    (project / "endpoints.yml").write_text(f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n")
    sdk_env = rasa_env_vars(SDK_ENV / "home")
    env = rasa_env_vars(RASA_ENV / "home")
    t0 = time.perf_counter()
    actions = start(f"{tag}-actions", [str(SDK_ENV / "bin" / "python"), "-m", "rasa_sdk", "--actions",
                                       "bot.rasa.actions", "--port", str(action_port)], sdk_env, REPO, logs)
    server = start(f"{tag}-rasa", [str(RASA_ENV / "bin" / "rasa"), "run", "-i", "127.0.0.1", "-p", str(rasa_port),
                                   "--model", "models/daoban.tar.gz", "--endpoints", "endpoints.yml",
                                   "--credentials", "credentials.yml", "--enable-api"], env, project, logs)
    procs = [server, actions]
    try:
        base = f"http://127.0.0.1:{rasa_port}"
        wait_ready(base, procs)
        yield base, procs, time.perf_counter() - t0
    finally:
        for p in procs:
            p.stop()


@contextmanager
def daoban_server(work: Path, logs: Path, cache: Path, tag: str) -> Iterator[tuple[str, list[Proc], float]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAOBAN_")}
    env.update({"DAOBAN_CACHE_DIR": str(cache), "DAOBAN_DATA_DIR": str(work / "daoban-var"),
                "DAOBAN_RATE_LIMIT__ENABLED": "false", "DAOBAN_LOG_LEVEL": "WARNING",
                "DAOBAN_RASA__TOKEN": CHANNEL_TOKEN})
    t0 = time.perf_counter()
    proc = start(tag, [str(REPO / ".venv" / "bin" / "daoban"), "serve", "--host", "127.0.0.1", "--port", str(port)],
                 env, REPO, logs)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, [proc])
        yield base, [proc], time.perf_counter() - t0
    finally:
        proc.stop()


def daoban_install_size(work: Path, logs: Path) -> tuple[float | None, str]:
    """Site-packages of a fresh Python 3.11 venv holding daoban and its runtime dependencies only (`pip install .`)."""
    env_dir = work / "daoban-runtime-env"
    marker = env_dir / ".complete"
    if not marker.exists():
        shutil.rmtree(env_dir, ignore_errors=True)
        python = shutil.which("python3.11") or sys.executable
        with (logs / "daoban-runtime-env.log").open("wb") as fh:
            ok = subprocess.run([python, "-m", "venv", str(env_dir)], stdout=fh, stderr=fh).returncode == 0 and \
                subprocess.run([str(env_dir / "bin" / "pip"), "install", "-q", str(REPO)], stdout=fh,
                               stderr=fh).returncode == 0
        if not ok:
            return None, "pip install . failed (see logs)"
        marker.write_text("ok\n")
    return dir_size_mb(env_dir), "fresh venv + `pip install .` (runtime dependencies, default encoder)"


# ---------------------------------------------------------------------------------------------------------- report

def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        value = f"{value:.3f}" if value < 1 and unit == "" else f"{value:,.1f}"
    return f"{value}{unit}"


def render(results: dict[str, Any]) -> str:
    d: dict[str, Any] = results["daoban"]
    r: dict[str, Any] = results["rasa"]
    env = results["environment"]

    def tp(s: dict[str, Any], clients: int) -> str:
        row = next((t for t in s["throughput"] if t["clients"] == clients), None)
        return f"{row['req_per_s']}" if row else "–"

    def tpl(s: dict[str, Any], clients: int) -> str:
        row = next((t for t in s["throughput"] if t["clients"] == clients), None)
        return f"{row['p50_ms']} / {row['p95_ms']}" if row else "–"

    rows = [
        ("Top-1 (200 in-scope questions)", _fmt(d["accuracy"]["top1"]), _fmt(r["accuracy"]["top1"])),
        ("Out-of-scope F1 (50 out-of-scope)", _fmt(d["accuracy"]["oos_f1"]), _fmt(r["accuracy"]["oos_f1"])),
        ("OOS precision / recall", f"{d['accuracy']['oos_precision']:.3f} / {d['accuracy']['oos_recall']:.3f}",
         f"{r['accuracy']['oos_precision']:.3f} / {r['accuracy']['oos_recall']:.3f}"),
        ("Overall accuracy (250)", _fmt(d["accuracy"]["overall"]), _fmt(r["accuracy"]["overall"])),
        ("In-scope questions handed over", str(d["accuracy"]["false_handover"]),
         str(r["accuracy"]["false_handover"])),
        ("Per-turn latency p50 / p95, questions (ms)", f"{d['accuracy']['p50_ms']} / {d['accuracy']['p95_ms']}",
         f"{r['accuracy']['p50_ms']} / {r['accuracy']['p95_ms']}"),
        ("Per-turn latency p50 / p95, flow turns (ms)", f"{d['flows']['p50_ms']} / {d['flows']['p95_ms']}",
         f"{r['flows']['p50_ms']} / {r['flows']['p95_ms']}"),
        ("Server CPU per question (ms, all server processes)", _fmt(d["extra"].get("cpu_ms_per_question")),
         _fmt(r["extra"].get("cpu_ms_per_question"))),
        ("Throughput, 1 client (req/s)", tp(d, 1), tp(r, 1)),
        ("Throughput, 4 clients (req/s)", tp(d, 4), tp(r, 4)),
        ("Latency p50 / p95 at 4 clients (ms)", tpl(d, 4), tpl(r, 4)),
        ("Server RSS after the run (MB)", _fmt(d["rss_mb"]), _fmt(r["rss_mb"])),
        ("Cold start to first answer (s)", _fmt(d["cold_start_s"]), _fmt(r["cold_start_s"])),
        ("Install size (MB)", _fmt(d["install_mb"]), _fmt(r["install_mb"])),
        ("Training time, wall / CPU (s)",
         f"none (index built at first start: {d['extra'].get('cold_start_empty_cache_s')} s wall, "
         f"{d['extra'].get('empty_cache_start_cpu_s')} s CPU)",
         f"{_fmt(r['train_s'])} / {_fmt(r['extra'].get('train_cpu_s'))}"),
        ("Training peak RSS (MB)", "–", _fmt(r["train_peak_rss_mb"])),
        ("Flow conversations completed", f"{d['flows']['completed']}/{d['flows']['flows']}",
         f"{r['flows']['completed']}/{r['flows']['flows']}"),
        ("Bad ID number refused", d["flows"]["bad_id_rejected"], r["flows"]["bad_id_rejected"]),
    ]
    lines = [
        "# daoban vs Rasa 3.6.21: measured side by side",
        "",
        f"One run of `bench/rasa_vs_daoban.py` on {env['date']} — {env['cpus']} CPU cores, "
        f"{env['memory_gb']} GiB RAM, Python {env['python']}, {env['machine']}. "
        f"1-minute load average during the run: {env['load_min']}–{env['load_max']} "
        "(other work shared the machine: latency and throughput are noisy, compare within this table).",
        "",
        f"Rasa: `rasa[jieba]=={env['rasa_version']}` on Python 3.10 serving the project `daoban rasa export` "
        f"writes ({r['extra'].get('mode')} mode, {r['extra'].get('intents')} intents, "
        f"{r['extra'].get('examples')} training examples, DIET {r['extra'].get('epochs')} epochs), "
        "with the rasa-sdk 3.21.1 action server from `bot/rasa/actions.py` on Python 3.11. "
        "daoban: `daoban serve` (default encoder; on the web channel the built-in simulator answers kiosk actions). "
        "Both over a Rasa REST webhook "
        "(`POST /webhooks/rest/webhook`), one server at a time, the same client.",
        "",
        "| | daoban | Rasa |",
        "|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    lines += ["", "## What the numbers mean", ""]
    lines += [
        "- Questions: `../shared/eval/dev.jsonl` (200 in scope, 50 out of scope), each in a fresh conversation. "
        "Top-1 = the item answered is a gold id; a hand-over counts as a miss. Out of scope is right when the system "
        "answers with no item (daoban declines; Rasa's out-of-scope intents or its FallbackClassifier). "
        "Neither system was trained or tuned on these questions: Rasa learns from the items' example questions, "
        "aliases and names and from the out-of-scope examples in `knowledge/data/out_of_scope.yaml`.",
        "- Latency: wall time of one webhook request from the benchmark client, sequential unless stated. "
        "Rasa's item answers also cross the action server (one more HTTP hop), as any Rasa deployment with custom "
        "actions does.",
        f"- Throughput: {results['requests']} questions per level, each a new conversation, spread over 1 or 4 "
        "client threads with keep-alive connections.",
        "- RSS: resident memory of the server process tree after the run; for Rasa the Rasa server "
        f"({r['extra'].get('rss_rasa_mb')} MB) plus the action server ({r['extra'].get('rss_actions_mb')} MB).",
        f"- Cold start: from starting the process(es) until the webhook answers “{PROBE}” with a guide item. "
        f"{d['cold_start_note']} {r['cold_start_note']}",
        f"- Install size: daoban — {d['install_note']}; Rasa — {r['install_note']}.",
        "- Training: Rasa — `rasa train` of the exported project (wall time, CPU time and peak RSS of the process). "
        "daoban has no training step: it builds its search index at the first start on an empty cache, shown "
        "instead.",
        "- Server CPU per question: CPU time the server processes used while answering the 250 questions, divided "
        "by 250 — less sensitive than wall-clock latency to other work on the machine.",
        "- Flows: for each of the "
        f"{d['flows']['flows']} kiosk flows, ask about its first item, say 开始办理, then answer whatever step is "
        "asked from the same table (a wrong-check-digit ID number first, then a valid one; the last option of every "
        "choice; 确认 to confirmations). Rasa's exported forms carry the slot-filling steps; daoban also runs the "
        "confirmations and the (simulated) kiosk actions, and fills some answers from the opening question, so the "
        "two conversations differ in length.",
    ]
    lines += ["", "## By kind of question", "", "| questions | n | daoban | Rasa |", "|---|---|---|---|"]
    styles_d, styles_r = _by_style(d["accuracy"]["records"]), _by_style(r["accuracy"]["records"])
    for style, (ok, n) in styles_d.items():
        ok_r = styles_r.get(style, (0, n))[0]
        lines.append(f"| {style} | {n} | {ok} ({ok / n:.0%}) | {ok_r} ({ok_r / n:.0%}) |")
    projects = {x["extra"].get("mode"): x for x in (r, results.get("rasa_intents"), results.get("rasa_retrieval")) if x}
    if len(projects) > 1:
        lines += ["", "## Rasa: one intent per item vs one retrieval intent", "",
                  "Same questions, same flows; the first row is the project measured in full above.", "",
                  "| Rasa project | top-1 | OOS F1 | overall | p50 / p95 ms | train s (CPU s) | train peak RSS MB "
                  "| flows completed | bad ID refused |",
                  "|---|---|---|---|---|---|---|---|---|"]
        labels = {"intents": "one intent per item", "retrieval": "one retrieval intent + ResponseSelector"}
        for mode, s in sorted(projects.items(), key=lambda kv: kv[1] is not r):
            a = s["accuracy"]
            fl = s.get("flows") or {}
            lines.append(f"| {labels.get(mode, mode)} ({s['extra'].get('intents')} intents) | {a['top1']:.3f} | "
                         f"{a['oos_f1']:.3f} | {a['overall']:.3f} | {a['p50_ms']} / {a['p95_ms']} | "
                         f"{_fmt(s['train_s'])} ({_fmt(s['extra'].get('train_cpu_s'))}) | "
                         f"{_fmt(s['train_peak_rss_mb'])} | {fl.get('completed', '–')}/{fl.get('flows', '–')} | "
                         f"{fl.get('bad_id_rejected', '–')} |")
    lines += ["", "## Rasa's fallback threshold", "",
              "The export uses Rasa's default FallbackClassifier threshold (0.3, ambiguity 0.1). Rasa's NLU alone "
              "(`/model/parse`, intent confidence only, no ambiguity rule) at other thresholds, for each project — "
              "the best row is tuned on the very questions it is scored on, so it is an optimistic bound for Rasa, "
              "not a result:", "",
              "| Rasa project | threshold | top-1 | OOS F1 | overall |", "|---|---|---|---|---|"]
    for label, s in (("main", r), ("other mode", results.get("rasa_intents") or results.get("rasa_retrieval"))):
        if not s or "sweep" not in s["extra"]:
            continue
        name = f"{s['extra'].get('mode')} ({label})"
        shown = [row for row in s["extra"]["sweep"]["rows"] if row["threshold"] in (0.0, 0.1, 0.2, 0.3, 0.5, 0.7)]
        best = s["extra"]["sweep"]["best"]
        for row in shown:
            lines.append(f"| {name} | {row['threshold']} | {row['top1']:.3f} | {row['oos_f1']:.3f} | "
                         f"{row['overall']:.3f} |")
        lines.append(f"| {name}, best on these questions | {best['threshold']} | {best['top1']:.3f} | "
                     f"{best['oos_f1']:.3f} | {best['overall']:.3f} |")
    lines += ["", "## Flow conversations", "", "| flow | daoban turns | completed | bad ID refused "
              "| Rasa turns | completed | bad ID refused |", "|---|---|---|---|---|---|---|"]
    by_name = {x["flow"]: x for x in r["flows"]["results"]}
    for x in d["flows"]["results"]:
        y = by_name.get(x["flow"], {})
        lines.append(f"| {x['flow']} | {x['turns']} | {'yes' if x['completed'] else 'no'} | "
                     f"{_yn(x['bad_id_rejected'])} | {y.get('turns', '–')} | "
                     f"{'yes' if y.get('completed') else 'no'} | {_yn(y.get('bad_id_rejected'))} |")
    reused = [f"{s['extra'].get('mode')} (trained {s['extra'].get('trained_at', 'earlier')})"
              for s in (r, results.get("rasa_intents"), results.get("rasa_retrieval"))
              if s and s["extra"].get("reused_model")]
    if reused:
        lines += ["", "Models reused from an earlier run in the same working folder, with the training figures "
                  "measured then: " + ", ".join(reused) + "."]
    lines += ["", f"Raw results: `{results['raw']}` (ignored by git; every question, prediction and latency).",
              "Reproduce: `scripts/rasa_env.sh && .venv/bin/python bench/rasa_vs_daoban.py` "
              "(`daoban rasa bench` runs the same script).", ""]
    return "\n".join(lines)


def _by_style(records: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """Right answers per kind of question: in scope by script (Simplified, Traditional, English), out of scope."""
    from knowledge.normalize import is_traditional

    out: dict[str, list[int]] = {}
    for x in records:
        q = x["q"]
        if not x["ids"]:
            style, ok = "out of scope (right = no item)", x["predicted"] is None
        else:
            script = "English" if q.isascii() else "Traditional Chinese" if is_traditional(q) else "Simplified Chinese"
            style, ok = f"in scope, {script}", x["predicted"] in x["ids"]
        counts = out.setdefault(style, [0, 0])
        counts[0] += ok
        counts[1] += 1
    order = ["in scope, Simplified Chinese", "in scope, Traditional Chinese", "in scope, English",
             "out of scope (right = no item)"]
    return {k: (out[k][0], out[k][1]) for k in order if k in out}


def _yn(value: bool | None) -> str:
    return "–" if value is None else ("yes" if value else "no")


# ------------------------------------------------------------------------------------------------------------ main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=Path, default=REPO.parent / "shared" / "eval" / "dev.jsonl")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--work", type=Path, default=REPO / ".rasa-work" / "bench")
    parser.add_argument("--mode", choices=("intents", "retrieval"), default="intents")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--transformer-layers", type=int, default=0)
    parser.add_argument("--clients", type=lambda s: [int(x) for x in s.split(",")], default=[1, 4])
    parser.add_argument("--requests", type=int, default=250, help="requests per throughput level")
    parser.add_argument("--reuse-model", action="store_true", help="skip training when a model is already there")
    parser.add_argument("--no-mode-comparison", action="store_true",
                        help="skip training and scoring the other Rasa mode")
    parser.add_argument("--render-only", type=Path, default=None, metavar="RESULTS_JSON",
                        help="rewrite --out from the results.json of an earlier run (measures nothing)")
    args = parser.parse_args(argv)

    if args.render_only is not None:
        args.out.write_text(render(json.loads(args.render_only.read_text(encoding="utf-8"))), encoding="utf-8")
        print(f"wrote {args.out} from {args.render_only}")
        return 0
    if not (RASA_ENV / "bin" / "rasa").exists() or not (SDK_ENV / "bin" / "python").exists():
        print("run scripts/rasa_env.sh first", file=sys.stderr)
        return 2
    cases = read_cases(args.questions)
    kb = load()
    item_names = {i.id: i.name for i in kb.items}
    flows = list(load_flows().flows.values())
    work = args.work.resolve()
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    loads: list[float] = [os.getloadavg()[0]]

    def log(msg: str) -> None:
        loads.append(os.getloadavg()[0])
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    results: dict[str, Any] = {"requests": args.requests}
    other = "intents" if args.mode == "retrieval" else "retrieval"
    modes = [args.mode] if args.no_mode_comparison else [args.mode, other]

    # Rasa
    for mode in modes:
        project = work / f"rasa-{mode}"
        stats_file = project / "train_stats.json"
        if args.reuse_model and (project / "models" / "daoban.tar.gz").exists() and stats_file.exists():
            stats = json.loads(stats_file.read_text())
            stats["reused_model"] = True
            model_time = (project / "models" / "daoban.tar.gz").stat().st_mtime
            stats.setdefault("trained_at", dt.datetime.fromtimestamp(model_time).isoformat(timespec="minutes"))
            log(f"rasa ({mode}): reusing the model trained in {stats['train_s']} s")
        else:
            log(f"rasa ({mode}): export, validate, train …")
            stats = train_rasa(project, logs, mode, args)
            log(f"rasa ({mode}): trained in {stats['train_s']} s, peak RSS {stats['train_peak_rss_mb']} MB")
        res = SystemResult(f"rasa-{mode}", train_s=stats["train_s"], train_peak_rss_mb=stats["train_peak_rss_mb"])
        res.extra.update(stats)
        with rasa_server(project, logs, f"rasa-{mode}") as (base, procs, cold):
            res.cold_start_s = round(cold, 1)
            log(f"rasa ({mode}): serving at {base}, cold start {cold:.1f} s")
            if mode == args.mode:
                measured(res, base, cases, flows, item_names, args, f"rasa-{mode}", [p.popen.pid for p in procs])
                res.extra["sweep"] = nlu_threshold_sweep(base, cases)
                res.extra["rss_rasa_mb"] = tree_rss_mb(procs[0].popen.pid)
                res.extra["rss_actions_mb"] = tree_rss_mb(procs[1].popen.pid)
                res.rss_mb = round(res.extra["rss_rasa_mb"] + res.extra["rss_actions_mb"], 1)
            else:
                res.accuracy = evaluate(base, cases, f"rasa-{mode}")
                res.flows = run_flows(base, flows, item_names, f"rasa-{mode}")
                res.extra["sweep"] = nlu_threshold_sweep(base, cases)
            log(f"rasa ({mode}): top-1 {res.accuracy['top1']}, OOS F1 {res.accuracy['oos_f1']}")
        res.cold_start_note = ("Rasa: the Rasa server (loads the trained model) and the action server start together; "
                               "ready when both are.")
        rasa_mb, sdk_mb = dir_size_mb(RASA_ENV), dir_size_mb(SDK_ENV)
        res.install_mb = round((rasa_mb or 0) + (sdk_mb or 0), 1)
        res.install_note = (f"`.rasa-env` (Python 3.10 venv, rasa[jieba]) {rasa_mb} MB + `.rasa-sdk-env` (Python 3.11 "
                            f"venv, rasa-sdk and daoban for the actions) {sdk_mb} MB")
        results["rasa" if mode == args.mode else "rasa_intents" if mode == "intents" else "rasa_retrieval"] = \
            asdict(res)

    # daoban
    res = SystemResult("daoban", train_s=None)
    fresh = work / "daoban-cache-empty"
    shutil.rmtree(fresh, ignore_errors=True)
    log("daoban: first start on an empty cache (index build) …")
    with daoban_server(work, logs, fresh, "daoban-cold") as (_base, procs, cold):
        res.extra["cold_start_empty_cache_s"] = round(cold, 1)
        res.extra["empty_cache_start_cpu_s"] = round(tree_cpu_s(procs[0].popen.pid), 1)
    log(f"daoban: empty-cache start {cold:.1f} s; restarting on the built cache")
    with daoban_server(work, logs, fresh, "daoban") as (base, procs, cold):
        res.cold_start_s = round(cold, 1)
        res.cold_start_note = (f"daoban: with its index cache built ({res.extra['cold_start_empty_cache_s']} s on an "
                               "empty cache).")
        measured(res, base, cases, flows, item_names, args, "daoban", [procs[0].popen.pid])
        res.rss_mb = tree_rss_mb(procs[0].popen.pid)
    log(f"daoban: top-1 {res.accuracy['top1']}, OOS F1 {res.accuracy['oos_f1']}")
    res.install_mb, res.install_note = daoban_install_size(work, logs)
    results["daoban"] = asdict(res)

    loads.append(os.getloadavg()[0])
    rasa_version = subprocess.run([str(RASA_ENV / "bin" / "python"), "-c",
                                   "import importlib.metadata as m; print(m.version('rasa'))"],
                                  capture_output=True, text=True).stdout.strip()
    results["environment"] = {
        "date": dt.date.today().isoformat(), "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(), "machine": platform.machine(), "rasa_version": rasa_version,
        "load_min": round(min(loads), 1), "load_max": round(max(loads), 1),
        "bench_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    raw = work / "results.json"
    results["raw"] = str(raw.relative_to(REPO)) if raw.is_relative_to(REPO) else str(raw)
    raw.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(results), encoding="utf-8")
    log(f"wrote {args.out} and {raw}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
