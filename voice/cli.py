"""`daoban voice`: the kiosk voice loop on a microphone, or headless on WAV files (--wav)."""

from __future__ import annotations

import argparse
import json
import queue
import sys
import threading
from pathlib import Path
from typing import Any

from voice.asr import ModelError, Recognizer
from voice.asr_whisper import default_cache_dir
from voice.audio import AudioError, read_wav, write_wav
from voice.cli_args import add_arguments
from voice.loop import AssistantLike, SoundDevicePlayer, TurnResult, VoiceLoop, VoiceSession, reply_text
from voice.recognizers import load_recognizer
from voice.tts import PromptCache, Pyttsx3Synthesizer, load_prompts
from voice.vad import FRAME_BYTES, Endpointer, make_vad
from voice.vocab import load_vocabulary


def _vocabulary(assistant: AssistantLike) -> list[str]:
    engine = getattr(assistant, "engine", None)
    if engine is not None and hasattr(engine, "vocabulary"):
        return list(engine.vocabulary())
    return load_vocabulary()


def _cache(args: argparse.Namespace) -> PromptCache | None:
    if args.no_tts:
        return None
    return PromptCache(Pyttsx3Synthesizer(elderly=args.elderly), default_cache_dir() / "tts")


def _recognizer(args: argparse.Namespace, vocabulary: list[str]) -> Recognizer:
    return load_recognizer(args.asr, args.model, vocabulary=vocabulary)


def run(args: argparse.Namespace, assistant: AssistantLike) -> int:
    try:
        cache = _cache(args)
        if args.prerender:
            n = cache.prerender(load_prompts()) if cache else 0
            print(f"rendered {n} prompts into {cache.folder if cache else '-'}")
            return 0
        vocabulary = _vocabulary(assistant)
        recognizer = _recognizer(args, vocabulary)
    except (ModelError, RuntimeError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.wav:
        return _run_files(args, assistant, recognizer, cache)
    return _run_microphone(args, assistant, recognizer, cache)


def _save_reply(result: TurnResult, out: Path, stem: str) -> Path | None:
    samples, rate = result.samples()
    if not samples.size:
        return None
    return write_wav(out / f"{stem}.reply.wav", samples, rate)


def _run_files(args: argparse.Namespace, assistant: AssistantLike, recognizer: Recognizer,
               cache: PromptCache | None) -> int:
    shared = VoiceSession(assistant, recognizer, cache, session_id=args.session) \
        if args.session else None
    failed = 0
    for i, path in enumerate(args.wav):
        session = shared or VoiceSession(assistant, recognizer, cache)
        if i == 0 and args.expect:
            session.expect = args.expect
        try:
            audio = read_wav(path, max_seconds=args.max_utterance)
        except AudioError as e:
            failed += 1
            print(f"error: {e}", file=sys.stderr)
            continue
        result = session.turn(audio)
        saved = _save_reply(result, args.out, path.stem)
        t = result.transcript
        if args.json:
            print(json.dumps({"file": str(path), "transcript": t.text if t else "",
                              "item_id": getattr(result.reply, "item_id", None), "reply": reply_text(result.reply),
                              "asr_ms": t.asr_ms if t else None, "reply_audio": str(saved) if saved else None},
                             ensure_ascii=False), flush=True)
        else:
            print(f"{path}\n  你说：{t.text if t else ''}\n  导办：{reply_text(result.reply)}")
            if saved:
                print(f"  语音：{saved}")
    return 1 if failed else 0


def _run_microphone(args: argparse.Namespace, assistant: AssistantLike, recognizer: Recognizer,
                    cache: PromptCache | None) -> int:
    try:
        import sounddevice as sd

        sd.query_devices(kind="input")
    except (ImportError, OSError, ValueError) as e:
        print(f"error: no microphone ({e}); use --wav FILE... to run on recordings", file=sys.stderr)
        return 2
    endpointer = Endpointer(vad=make_vad(args.vad), max_utterance_s=args.max_utterance,
                            no_input_s=args.no_input or None, push_to_talk=args.push_to_talk)
    loop = VoiceLoop(VoiceSession(assistant, recognizer, cache), endpointer,
                     SoundDevicePlayer() if cache else None)
    if args.elderly:
        loop.session.set_elderly(True)
    chunks: queue.Queue[bytes] = queue.Queue()
    commands: queue.Queue[str] = queue.Queue()

    def on_audio(indata: Any, frames: int, time_info: Any, status: Any) -> None:
        chunks.put(bytes(indata))

    def read_keys() -> None:
        for line in sys.stdin:
            commands.put(line.strip().lower())
        commands.put("q")

    threading.Thread(target=read_keys, daemon=True).start()
    print("导办 voice: speak after the greeting. Enter = push-to-talk toggle, a = person approached, q = quit.")
    _show(loop.approached())
    talking = False
    with sd.RawInputStream(samplerate=16000, channels=1, dtype="int16", blocksize=FRAME_BYTES // 2,
                           callback=on_audio):
        while True:
            try:
                cmd = commands.get_nowait()
            except queue.Empty:
                cmd = None
            if cmd == "q":
                return 0
            if cmd == "a":
                _show(loop.approached())
            elif cmd == "" and args.push_to_talk:
                talking = not talking
                if talking:
                    loop.press()
                else:
                    for result in loop.release():
                        _show(result)
            try:
                pcm = chunks.get(timeout=0.1)
            except queue.Empty:
                continue
            for result in loop.feed(pcm):
                _show(result)


def _show(result: TurnResult) -> None:
    if result.transcript is not None:
        print(f"你说：{result.transcript.text}")
    print(f"导办：{reply_text(result.reply)}", flush=True)


__all__ = ["add_arguments", "run"]
