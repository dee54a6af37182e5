"""Voice benchmark: CER on real Mandarin recordings, voice → item top-1 and spoken-number accuracy on the dev audio,
real-time factor, end of speech → first reply audio, and memory.

    python bench/voice_bench.py [--audio ../shared/audio] [--json out.json] [--limit N]

Questions go through the real assistant (fresh session each); ID numbers, plates and commands are decoded with the
`expect` the dialogue would have set. Latency is measured on a simulated stream: recognition starts at the
endpointer's pause event (0.3 s of silence after the last voiced frame) and the turn is committed at its endpoint
(0.6 s), so the time from end of speech to first reply audio is max(0.6 s, 0.3 s + recognition) plus the
assistant's turn and synthesis of the first sentence.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from statistics import mean, median
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voice.asr import Transcript  # noqa: E402
from voice.asr_whisper import WhisperRecognizer  # noqa: E402
from voice.audio import SAMPLE_RATE, float_to_pcm, read_wav  # noqa: E402
from voice.loop import VoiceSession  # noqa: E402
from voice.numbers import to_simplified  # noqa: E402
from voice.tts import PromptCache, Pyttsx3Synthesizer, speech_text, split_sentences  # noqa: E402
from voice.vad import Endpointer  # noqa: E402
from voice.vocab import load_vocabulary  # noqa: E402

PUNCT = set("，。？！、,.?!:：；; \"'“”‘’-")


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def edit_distance(a: str, b: str) -> int:
    d = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, d[0] = d[:], i
        for j, y in enumerate(b, 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (x != y))
    return d[len(b)]


def clean(text: str) -> str:
    return "".join(c for c in to_simplified(text).lower() if c not in PUNCT)


def cer(pairs: list[tuple[str, str]]) -> float:
    errors = sum(edit_distance(clean(r), clean(h)) for r, h in pairs)
    return errors / max(1, sum(len(clean(r)) for r, _ in pairs))


def real_cer(asr: WhisperRecognizer, folder: Path, prompt: str) -> dict[str, Any]:
    refs = dict(line.rstrip("\n").split("\t", 1) for line in (folder / "transcripts.tsv").open(encoding="utf-8"))
    saved = asr.prompt, asr._prompt_ids[None]
    asr.prompt, asr._prompt_ids[None] = prompt, asr._encode_prompt(prompt)
    pairs, rows, secs, spent = [], [], 0.0, 0.0
    try:
        for name, ref in sorted(refs.items()):
            audio = read_wav(folder / name)
            t = asr.transcribe(audio)
            pairs.append((ref, t.raw))
            secs += t.audio_s
            spent += t.asr_ms / 1000
            rows.append({"file": name, "ref": ref, "hyp": t.raw, "cer": round(cer([(ref, t.raw)]), 3)})
    finally:
        asr.prompt, asr._prompt_ids[None] = saved
    return {"files": len(pairs), "cer": round(cer(pairs), 4), "rtf": round(spent / secs, 3), "rows": rows}


def stream_endpoint(audio: Any) -> tuple[Any, float, float]:
    """Feed the file plus 1.5 s of silence through the endpointer in 30 ms chunks, as a microphone would.

    Returns the audio decoded at the last pause before the endpoint, the silence waited until that pause, and
    the silence waited until the endpoint."""
    ep = Endpointer(no_input_s=None)
    pcm = float_to_pcm(audio) + b"\0\0" * int(1.5 * SAMPLE_RATE)
    pause = None
    for i in range(0, len(pcm), 960):
        for ev in ep.feed(pcm[i:i + 960]):
            if ev.type == "pause":
                pause = ev
            if ev.type in ("speech_end", "max_length"):
                if pause is None or pause.speech_end_s != ev.speech_end_s:
                    return ev.audio, ev.at_s - ev.speech_end_s, ev.at_s - ev.speech_end_s
                return pause.audio, pause.at_s - pause.speech_end_s, ev.at_s - ev.speech_end_s
    return audio, 0.0, 0.0


def dev_eval(session_factory: Any, asr: WhisperRecognizer, folder: Path, limit: int | None,
             cache_dir: Path) -> dict[str, Any]:
    lines = [json.loads(x) for x in (folder / "manifest.jsonl").open(encoding="utf-8")]
    if limit:
        lines = lines[:limit] + [x for x in lines[limit:] if x["kind"] != "question"]
    rows: list[dict[str, Any]] = []
    for x in lines:
        audio = read_wav(folder / x["file"])
        if x["kind"] == "question":
            session: VoiceSession = session_factory()
            utterance, pause_s, endpoint_s = stream_endpoint(audio)
            shutil.rmtree(cache_dir, ignore_errors=True)  # cold synthesis: no cached sentence helps
            cpu = time.process_time()
            result = session.turn(utterance)
            cpu_ms = (time.process_time() - cpu) * 1000
            t: Transcript = result.transcript  # type: ignore[assignment]
            typed = session_factory().assistant.handle(None, text=x["text"], channel="voice")
            pred = getattr(result.reply, "item_id", None)
            gold = x.get("ids") or []
            rows.append({
                "file": x["file"], "kind": "question", "noisy": "noise" in x, "ref": x["text"], "hyp": t.text,
                "pred": pred, "gold": gold, "ok": (pred in gold) if gold else pred is None,
                "typed_ok": (typed.item_id in gold) if gold else typed.item_id is None,
                "audio_s": round(len(audio) / SAMPLE_RATE, 3), "asr_ms": t.asr_ms, "bot_ms": result.bot_ms,
                "first_audio_ms": result.first_audio_ms,
                # decoding starts at the pause and the reply is committed at the endpoint, whichever is later
                "latency_ms": round(max(endpoint_s * 1000, pause_s * 1000 + t.asr_ms) + result.first_audio_ms, 1),
                "endpoint_ms": round(endpoint_s * 1000, 1), "turn_cpu_ms": round(cpu_ms, 1),
                "turn_wall_ms": round(t.asr_ms + result.first_audio_ms, 1),
            })
        else:
            t = asr.transcribe(audio, "command" if x["kind"] == "command" else x["kind"])
            rows.append({"file": x["file"], "kind": x["kind"], "ref": x["text"], "hyp": t.raw, "value": t.value,
                         "expect": x["expect"], "ok": t.value == x["expect"], "asr_ms": t.asr_ms,
                         "audio_s": round(len(audio) / SAMPLE_RATE, 3)})
    return summarise(rows)


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    q = [r for r in rows if r["kind"] == "question"]
    out: dict[str, Any] = {"rows": rows}

    def acc(rs: list[dict[str, Any]], key: str = "ok") -> float:
        return round(sum(r[key] for r in rs) / len(rs), 4) if rs else 0.0

    if q:
        lat = sorted(r["latency_ms"] for r in q)
        out["questions"] = {
            "n": len(q), "top1": acc(q), "top1_clean": acc([r for r in q if not r["noisy"]]),
            "top1_noisy": acc([r for r in q if r["noisy"]]), "typed_top1": acc(q, "typed_ok"),
            "in_scope_top1": acc([r for r in q if r["gold"]]),
            "out_of_scope_rejected": acc([r for r in q if not r["gold"]]),
            "cer": round(cer([(r["ref"], r["hyp"]) for r in q]), 4),
            "rtf": round(sum(r["asr_ms"] for r in q) / 1000 / sum(r["audio_s"] for r in q), 3),
            "asr_ms_median": median(r["asr_ms"] for r in q),
            "endpoint_ms": round(mean(r["endpoint_ms"] for r in q), 1),
            "first_audio_ms_median": median(r["first_audio_ms"] for r in q),
            "latency_ms_median": median(lat), "latency_ms_p90": lat[int(0.9 * (len(lat) - 1))],
            "latency_ms_max": lat[-1],
            "turn_cpu_ms_median": median(r["turn_cpu_ms"] for r in q),
            "turn_wall_ms_median": median(r["turn_wall_ms"] for r in q),
        }
    for kind in ("id_number", "plate", "command"):
        rs = [r for r in rows if r["kind"] == kind]
        if rs:
            out[kind] = {"n": len(rs), "exact": acc(rs), "asr_ms_median": median(r["asr_ms"] for r in rs)}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--audio", type=Path, default=ROOT.parent / "shared" / "audio")
    p.add_argument("--json", type=Path, default=None, help="write all rows and numbers here")
    p.add_argument("--limit", type=int, default=None, help="only the first N question files")
    p.add_argument("--skip-real", action="store_true")
    args = p.parse_args(argv)

    base_rss = rss_mb()
    t0 = time.perf_counter()
    vocabulary = load_vocabulary()
    asr = WhisperRecognizer(vocabulary=vocabulary)
    tts_dir = Path(tempfile.mkdtemp(prefix="voice-bench-tts-"))
    cache = PromptCache(Pyttsx3Synthesizer(), tts_dir)
    cache.render(speech_text("您好，请问您要办什么业务？"))
    load_s = time.perf_counter() - t0
    voice_rss = rss_mb()
    report: dict[str, Any] = {"load_s": round(load_s, 2), "rss_mb": {"python": round(base_rss),
                                                                      "voice_loaded": round(voice_rss)}}
    if not args.skip_real:
        report["real_domain_prompt"] = real_cer(asr, args.audio / "real", asr.prompt)
        report["real_no_prompt"] = real_cer(asr, args.audio / "real", "")
    report["rss_mb"]["after_real"] = round(rss_mb())

    from bot.assistant import Assistant

    assistant = Assistant()
    report["rss_mb"]["with_assistant"] = round(rss_mb())

    def factory() -> VoiceSession:
        return VoiceSession(assistant, asr, cache)

    factory().turn(read_wav(args.audio / "dev" / "q_002.wav"))  # warm-up: first decode and first turn load lazily

    report["dev"] = dev_eval(factory, asr, args.audio / "dev", args.limit, tts_dir)
    # first sentence from the prompt cache (a repeated prompt) instead of fresh synthesis
    sentence = split_sentences(speech_text("请将身份证放在感应区。"))[0]
    cache.render(sentence)
    t = time.perf_counter()
    cache.render(sentence)
    report["cached_prompt_ms"] = round((time.perf_counter() - t) * 1000, 2)
    report["rss_mb"]["peak"] = round(peak_rss_mb())
    report["cpus"] = os.cpu_count()
    report["loadavg_end"] = os.getloadavg()
    shutil.rmtree(tts_dir, ignore_errors=True)

    summary = {k: v for k, v in report.items() if k not in ("dev", "real_domain_prompt", "real_no_prompt")}
    for key in ("real_domain_prompt", "real_no_prompt"):
        if key in report:
            summary[key] = {k: v for k, v in report[key].items() if k != "rows"}
    summary["dev"] = {k: v for k, v in report["dev"].items() if k != "rows"}
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
