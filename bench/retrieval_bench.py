"""Retrieval benchmark: the shipped hybrid ranker against a BM25-only baseline and each candidate encoder.

Each configuration runs in its own process so load time, index build time and peak RSS are its own.
Usage: python bench/retrieval_bench.py [--questions ../shared/eval/dev.jsonl] [--out docs/retrieval.md]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CONFIGS: dict[str, dict[str, object]] = {
    "bm25 only (baseline)": {"encoder": "none", "weights": [1.0, 0.0, 0.0]},
    "bm25 + pinyin": {"encoder": "none", "weights": [0.75, 0.25, 0.0]},
    "dense only: use-m3": {"encoder": "use-m3", "weights": [0.0, 0.0, 1.0]},
    "dense only: e5-small": {"encoder": "e5-small", "weights": [0.0, 0.0, 1.0]},
    "hybrid: e5-small": {"encoder": "e5-small", "weights": None},
    "hybrid: use-m3 (shipped default)": {"encoder": "use-m3", "weights": None},
}
OPTIONAL_ST = {
    "hybrid: m3e-small (sentence-transformers)": "m3e-small",
    "hybrid: all-MiniLM-L6-v2 (sentence-transformers)": "all-MiniLM-L6-v2",
}


def _find_st_model(name: str) -> str | None:
    import site

    for base in site.getsitepackages():
        for root, dirs, files in os.walk(base):
            if "config_sentence_transformers.json" in files and name.lower() in root.lower():
                return root
            if root.count(os.sep) - base.count(os.sep) > 4:
                dirs[:] = []
    return None


def run_one(config: dict[str, object], questions: Path, cache_dir: Path) -> dict[str, object]:
    from knowledge.engine import KnowledgeEngine
    from knowledge.evaluate import evaluate, read_cases
    from knowledge.index import Weights

    started = time.perf_counter()
    weights = Weights(*config["weights"]) if config.get("weights") else None  # type: ignore[misc]
    engine = KnowledgeEngine.load(encoder=str(config["encoder"]), cache_dir=cache_dir, weights=weights)
    load_s = time.perf_counter() - started
    build_started = time.perf_counter()
    from knowledge.index import SearchIndex

    SearchIndex(engine.index.docs, engine.index.encoder, cache_dir=None, weights=weights)
    build_s = time.perf_counter() - build_started
    engine.ask("身份证")
    metrics, _ = evaluate(engine, read_cases(questions))
    metrics["load_s"] = round(load_s, 2)
    metrics["index_build_s"] = round(build_s, 2)
    metrics["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return metrics


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, default=REPO.parent / "shared" / "eval" / "dev.jsonl")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    cache = Path(os.environ.get("DAOBAN_BENCH_CACHE", "/tmp/daoban-bench-cache"))
    if args.one:
        print(json.dumps(run_one(json.loads(args.one), args.questions, cache)))
        return 0
    configs = dict(CONFIGS)
    for label, name in OPTIONAL_ST.items():
        path = _find_st_model(name)
        if path:
            configs[label] = {"encoder": f"st:{path}", "weights": None}
    rows = []
    for label, config in configs.items():
        command = [sys.executable, __file__, "--questions", str(args.questions), "--one", json.dumps(config)]
        proc = subprocess.run(command,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"{label}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
            continue
        metrics = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append((label, metrics))
        print(label, json.dumps(metrics), flush=True)
    cols = ["top1", "top3", "mrr", "oos_f1", "field_acc", "p50_ms", "p95_ms", "load_s", "index_build_s", "peak_rss_mb"]
    table = ["| ranker | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    table += [f"| {label} | " + " | ".join(str(m[c]) for c in cols) + " |" for label, m in rows]
    text = "\n".join(table)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
