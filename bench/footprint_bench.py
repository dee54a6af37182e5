"""Footprint of the knowledge engine: resident memory, and time from a fresh process to its first answer.

    python bench/footprint_bench.py                                  # this checkout, 5 runs, warm cache
    python bench/footprint_bench.py --baseline /tmp/old --runs 7     # A/B against another checkout, alternating
    python bench/footprint_bench.py --env MALLOC_ARENA_MAX=2         # the same with an environment variable set

Each run is a fresh interpreter (under /usr/bin/time -v when it exists, for the peak resident set) that imports
knowledge.engine, calls `KnowledgeEngine.load()` and asks one question. It reports how long each of the three
steps took, the time from spawning the process to the answer, and VmRSS after each step, with the answered
process's memory split into private (anonymous) and file-backed pages — file-backed pages (mapped cache files,
libraries) are shared by every process on the host that maps the same file. Each checkout first runs once,
untimed, to fill its own cache folder. Runs alternate between the checkouts; medians are printed, and every run
with --json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import sys, time, json
started = time.time()
sys.path.insert(0, sys.argv[1])

def status():
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                out[key] = int(value.split()[0]) / 1024
    return out

t0 = time.perf_counter()
from knowledge.engine import KnowledgeEngine
import knowledge.engine
t1 = time.perf_counter()
after_import = status()
engine = KnowledgeEngine.load(cache_dir=__import__("pathlib").Path(sys.argv[2]))
t2 = time.perf_counter()
after_load = status()
answer = engine.ask(sys.argv[3])
t3 = time.perf_counter()
after_answer = status()
print("FOOTPRINT " + json.dumps({
    "engine": knowledge.engine.__file__, "item": answer.item_id, "started": started, "ended": time.time(),
    "import_s": t1 - t0, "load_s": t2 - t1, "answer_s": t3 - t2,
    "rss_import_mb": after_import["VmRSS"], "rss_load_mb": after_load["VmRSS"],
    "rss_answer_mb": after_answer["VmRSS"], "anon_mb": after_answer["RssAnon"], "file_mb": after_answer["RssFile"],
    "hwm_mb": after_answer["VmHWM"],
}), flush=True)
"""

METRICS = ("ready_s", "import_s", "load_s", "answer_s", "rss_import_mb", "rss_load_mb", "rss_answer_mb", "anon_mb",
           "file_mb", "peak_mb")


def run_once(root: Path, cache: Path, question: str, env: dict[str, str]) -> dict[str, float | str | None]:
    """One fresh process; `ready_s` is from spawning it to its answer."""
    cmd = [sys.executable, "-c", CHILD, str(root), str(cache), question]
    timer = shutil.which("time") and Path("/usr/bin/time").exists()
    if timer:
        cmd = ["/usr/bin/time", "-v", *cmd]
    spawned = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tempfile.gettempdir(), check=False)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("FOOTPRINT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"run in {root} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result = json.loads(line.removeprefix("FOOTPRINT "))
    result["ready_s"] = result["ended"] - spawned
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    result["peak_mb"] = int(peak.group(1)) / 1024 if peak else result["hwm_mb"]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per checkout (default 5)")
    parser.add_argument("--root", type=Path, default=REPO, help="the checkout measured (default: this one)")
    parser.add_argument("--baseline", type=Path, default=None, help="another checkout to compare with (A/B)")
    parser.add_argument("--question", default="身份证丢了怎么补办")
    parser.add_argument("--cache", type=Path, default=None, help="parent folder of the per-checkout cache folders")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="set in every run")
    parser.add_argument("--json", action="store_true", help="print every run as JSON")
    args = parser.parse_args()

    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    for pair in args.env:
        key, _, value = pair.partition("=")
        env[key] = value
    roots = {"this": args.root.resolve()} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    parent = args.cache or Path(tempfile.mkdtemp(prefix="daoban-footprint-"))
    caches = {label: parent / label for label in roots}
    for label, root in roots.items():
        first = run_once(root, caches[label], args.question, env)
        print(f"{label}: {first['engine']} → {first['item']} (cache filled in {first['ready_s']:.1f} s)")

    runs: dict[str, list[dict[str, float | str | None]]] = {label: [] for label in roots}
    for _ in range(args.runs):
        for label, root in roots.items():
            runs[label].append(run_once(root, caches[label], args.question, env))

    header = f"{'median of ' + str(args.runs):<16}" + "".join(f"{label:>12}" for label in roots)
    print(header)
    for metric in METRICS:
        row = f"{metric:<16}"
        for label in roots:
            values = [float(r[metric]) for r in runs[label]]  # type: ignore[arg-type]
            row += f"{statistics.median(values):>12.2f}"
        print(row)
    if args.json:
        print(json.dumps(runs, indent=1, default=str))
    if args.cache is None:
        shutil.rmtree(parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
