"""WS /v1/voice: 16 kHz 16-bit mono PCM in, recognition events and the assistant's replies out (voice.stream)."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from bot.channels.guard import SocketGuard, error, valid_session_id
from bot.channels.http import STORE_RETRY_AFTER_S
from bot.channels.ws import CHANNELS
from bot.server.outage import notice
from bot.server.service import NotReady, Service, StoreDown
from voice.asr import Recognizer
from voice.audio import AudioError
from voice.recognizers import load_recognizer
from voice.stream import VoiceStream
from voice.vad import Endpointer, make_vad

router = APIRouter()
log = logging.getLogger("daoban.server")
_load_lock = threading.Lock()


def recognizer_for(service: Service) -> Recognizer:
    """Loaded once per service, on the first voice connection; the knowledge vocabulary biases recognition."""
    with _load_lock:
        if service.recognizer is None:
            settings = service.config.voice
            vocabulary = service.engine.vocabulary() if service.engine is not None else None
            service.recognizer = load_recognizer(settings.asr, settings.model, vocabulary=vocabulary)
        recognizer: Recognizer = service.recognizer
        return recognizer


class VoiceSession:
    def __init__(self, ws: WebSocket, service: Service, stream: VoiceStream, session_id: str | None, lang: str | None,
                 channel: str, guard: SocketGuard) -> None:
        self.ws = ws
        self.service = service
        self.stream = stream
        self.session_id = session_id
        self.lang = lang
        self.channel = channel
        self.guard = guard

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send_text(json.dumps(message, ensure_ascii=False))

    async def events(self, events: list[dict[str, Any]]) -> None:
        """Each event to the client; a final with words is a turn, one without (noise, a cough) asks again."""
        for event in events:
            await self.send(event)
            if event["type"] == "final" and event.get("text"):
                await self.turn(event["text"], None)
            elif event["type"] in ("final", "no_input"):
                await self.turn(None, {"type": "no_input"})

    async def turn(self, text: str | None, event: dict[str, Any] | None) -> None:
        try:
            reply = await to_thread.run_sync(self.service.turn, self.session_id, text, event, self.lang, self.channel)
        except StoreDown:
            busy = notice("store_unavailable", self.lang).text
            await self.send(error(503, busy) | {"retry_after": STORE_RETRY_AFTER_S})
            return
        except NotReady as exc:
            await self.send(error(503, f"not ready: {exc}"))
            return
        except Exception:
            self.service.metrics.errors.labels("voice").inc()
            log.exception("voice turn failed", extra={"event": "internal_error", "where": "/v1/voice"})
            await self.send(error(500, "internal error; the request was logged"))
            return
        self.session_id = reply.session_id
        self.lang = reply.lang
        self.stream.expect(reply.expect)
        self.stream.arm()
        await self.send({"type": "reply", **reply.to_dict()})

    async def control(self, raw: str) -> None:
        refused = self.guard.refuse_message(raw)
        if refused is not None:
            await self.send(refused)
            return
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            await self.send(error(422, "control messages must be JSON objects"))
            return
        kind = data.get("type")
        if kind == "hello":
            await self.hello(data)
        elif kind == "press":
            self.stream.press()
        elif kind == "release":
            await self.events(await to_thread.run_sync(self.stream.release))
        elif kind == "end":
            await self.events(await to_thread.run_sync(self.stream.end))
        elif isinstance(data.get("text"), str) and data["text"].strip():
            too_long = self.guard.refuse_text(data["text"])
            if too_long is not None:
                await self.send(too_long)
                return
            await self.turn(data["text"], None)
        else:
            await self.send(error(422, "send PCM as binary frames, or {type: hello|press|release|end}, or {text}"))

    async def hello(self, data: dict[str, Any]) -> None:
        """Resume or clear a session (`session_id`: an id as on /v1/chat, or null); a malformed id changes nothing."""
        if "session_id" in data:
            sid = data["session_id"]
            if sid is not None and not valid_session_id(sid):
                await self.send(error(422, "session_id: must be 1-128 letters, digits or _.:- (or null)"))
                return
            self.session_id = sid
        self.lang = data.get("lang") if data.get("lang") in ("zh-Hans", "zh-Hant", "en") else self.lang
        await self.send({"type": "hello", "session_id": self.session_id})


@router.websocket("/v1/voice")
async def voice_socket(ws: WebSocket, channel: str = "kiosk", lang: str | None = None,
                       session_id: str | None = None, push_to_talk: bool = False) -> None:
    service: Service = ws.app.state.service
    guard = SocketGuard(ws, service)
    if not await guard.accept():
        return
    try:
        await _serve(ws, service, guard, channel, lang, session_id, push_to_talk)
    finally:
        guard.release()


async def _serve(ws: WebSocket, service: Service, guard: SocketGuard, channel: str, lang: str | None,
                 session_id: str | None, push_to_talk: bool) -> None:
    settings = service.config.voice
    try:
        recognizer = await to_thread.run_sync(recognizer_for, service)
    except Exception:
        log.exception("speech recognition unavailable", extra={"event": "voice_unavailable"})
        await ws.send_text(json.dumps(error(503, "speech recognition unavailable")))
        await ws.close(code=1011)
        return
    endpointer = Endpointer(vad=make_vad(settings.vad), no_input_s=settings.no_input_s, push_to_talk=push_to_talk)
    session = VoiceSession(ws, service, VoiceStream(recognizer, endpointer),
                           session_id if valid_session_id(session_id) else None,
                           lang if lang in ("zh-Hans", "zh-Hant", "en") else None,
                           channel if channel in CHANNELS else "kiosk", guard)
    try:
        await session.send({"type": "ready", "sample_rate": 16000, "format": "s16le", "channels": 1})
        if session_id is not None and session.session_id is None:
            await session.send(error(422, "session_id: must be 1-128 letters, digits or _.:-; a new session starts"))
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
            pcm = message.get("bytes")
            if pcm is not None:
                if len(pcm) > settings.max_frame_bytes:
                    service.metrics.rejected.labels("body_too_large").inc()
                    await session.send(error(413, f"audio frame larger than {settings.max_frame_bytes} bytes"))
                    continue
                if len(pcm) % 2:
                    await session.send(error(422, "audio frames must hold whole 16-bit samples (s16le, 16 kHz, mono)"))
                    continue
                try:
                    events = await to_thread.run_sync(session.stream.feed, pcm)
                except AudioError as exc:
                    await session.send(error(422, str(exc)))
                    continue
                await session.events(events)
            elif message.get("text") is not None:
                await session.control(message["text"])
    except WebSocketDisconnect:
        pass
    except Exception:
        log.exception("voice connection failed", extra={"event": "internal_error", "where": "/v1/voice"})
