"""Turn latency of the dialogue engine, in process: flow steps, knowledge answers and follow-ups.

knowledge_answer is measured with the answer cache off (every question goes to the engine);
knowledge_answer_cached is the same question asked again with the default cache.

    .venv/bin/python bench/dialogue_bench.py [--rounds 20] [--json]

Loads the knowledge engine once, warms it up, then times Assistant.handle() for each kind of turn.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QUESTIONS = [
    "补办身份证要带什么", "港澳通行证签注多少钱", "驾驶证到期了怎么换", "交通违法罚款怎么交", "居住证怎么办",
    "无犯罪记录证明在哪开", "户口迁移需要什么材料", "护照丢了怎么办", "临时身份证明怎么开", "出入境记录怎么查",
    "身份證丟了怎麼補辦", "How do I extend my visa?",
]
FOLLOW_UPS = ["那要多少钱？", "在哪办？", "周末能办吗？", "需要带什么？"]
FLOW_SCRIPT = ["丢失补领", "440305199003071236", "确认", "到受理点领取"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def run(rounds: int) -> dict[str, dict[str, float]]:
    os.environ.setdefault("DAOBAN_DATA_DIR", tempfile.mkdtemp(prefix="daoban-bench-"))
    from bot.assistant import Assistant
    from bot.config import AssistantConfig
    from knowledge.engine import KnowledgeEngine

    t0 = time.perf_counter()
    engine = KnowledgeEngine.load()
    load_s = time.perf_counter() - t0
    assistant = Assistant(engine, config=AssistantConfig(answer_cache=0))
    cached = Assistant(engine)
    for q in QUESTIONS:
        assistant.handle(None, q)
        cached.handle(None, q)

    samples: dict[str, list[float]] = {"flow_step": [], "knowledge_answer": [], "follow_up": [],
                                       "knowledge_answer_cached": [], "engine_ask_alone": []}
    for _ in range(rounds):
        sid = assistant.handle(None, event={"type": "start_flow", "flow": "id_card_reissue"}).session_id
        for text in FLOW_SCRIPT:
            samples["flow_step"].append(timed(partial(assistant.handle, sid, text)))
        for q in QUESTIONS:
            sid = assistant.handle(None, None).session_id
            samples["knowledge_answer"].append(timed(partial(assistant.handle, sid, q)))
            for f in FOLLOW_UPS[:2]:
                samples["follow_up"].append(timed(partial(assistant.handle, sid, f)))
            samples["engine_ask_alone"].append(timed(partial(engine.ask, q)))
            sid = cached.handle(None, None).session_id
            samples["knowledge_answer_cached"].append(timed(partial(cached.handle, sid, q)))
    samples["all_uncached"] = samples["flow_step"] + samples["knowledge_answer"] + samples["follow_up"]
    report = {name: {"n": len(v), "p50_ms": round(statistics.median(v), 2), "p95_ms": round(percentile(v, 0.95), 2),
                     "max_ms": round(max(v), 2)} for name, v in samples.items()}
    report["engine_load"] = {"s": round(load_s, 1)}
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = run(args.rounds)
    if args.json:
        print(json.dumps(report))
        return 0
    for name, row in report.items():
        print(f"{name:>17}: " + "  ".join(f"{k}={v}" for k, v in row.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
