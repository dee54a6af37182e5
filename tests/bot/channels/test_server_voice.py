"""WS /v1/voice with the real endpointer and stream, and a stand-in recogniser (no speech model in this test)."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pytest
from fastapi.testclient import TestClient

pytest.importorskip("voice.stream", reason="the voice package has no streaming front end")
from voice.asr import Transcript

ClientFactory = Callable[..., TestClient]
RATE = 16000


class ScriptedRecognizer:
    """Returns the next scripted sentence for every utterance the endpointer cuts."""

    name = "scripted"

    def __init__(self, sentences: list[str]) -> None:
        self.sentences = list(sentences)
        self.expects: list[str | None] = []

    def transcribe(self, audio: np.ndarray, expect: str | None = None) -> Transcript:
        self.expects.append(expect)
        text = self.sentences.pop(0) if self.sentences else ""
        return Transcript(text=text, raw=text, expect=expect, audio_s=len(audio) / RATE)

    def stream(self, expect: str | None = None) -> object:
        from voice.asr import BufferedStream

        return BufferedStream(self, expect)


def utterance(seconds: float = 0.8) -> bytes:
    t = np.arange(int(RATE * seconds)) / RATE
    voiced = 0.3 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
    silence = np.zeros(int(RATE * 1.0))
    samples = np.concatenate([silence[: RATE // 2], voiced, silence])
    return (samples * 32767).astype("<i2").tobytes()


def test_speech_in_reply_out(make_client: ClientFactory) -> None:
    from bot.flow.simulator import SAMPLE_ID

    client = make_client(voice={"vad": "energy", "no_input_s": None})
    recognizer = ScriptedRecognizer(["我要补办身份证", SAMPLE_ID])
    client.app.state.service.recognizer = recognizer  # type: ignore[attr-defined]
    with client.websocket_connect("/v1/voice?channel=web") as ws:
        assert ws.receive_json()["type"] == "ready"
        replies = []
        for _ in range(2):
            audio = utterance()
            for i in range(0, len(audio), 3200):
                ws.send_bytes(audio[i:i + 3200])
            while True:
                message = ws.receive_json()
                if message["type"] == "reply":
                    replies.append(message)
                    break
                assert message["type"] in ("speech_start", "partial", "final"), message
    assert replies[0]["flow"] == "id_card_reissue" and replies[0]["expect"] == "id_number"
    assert replies[1]["session_id"] == replies[0]["session_id"] and replies[1]["step"] == "confirm"
    assert recognizer.expects == [None, "id_number"]


def test_voice_control_errors(make_client: ClientFactory) -> None:
    client = make_client(voice={"vad": "energy"})
    client.app.state.service.recognizer = ScriptedRecognizer([])  # type: ignore[attr-defined]
    with client.websocket_connect("/v1/voice") as ws:
        assert ws.receive_json()["type"] == "ready"
        ws.send_bytes(b"\x00\x01\x02")
        assert ws.receive_json()["status"] == 422
        ws.send_text("nonsense")
        assert ws.receive_json()["status"] == 422
        ws.send_json({"text": "补办身份证要带什么材料"})
        assert ws.receive_json()["item_id"] == "HZ-003"


def test_missing_speech_model_is_reported_not_crashed(make_client: ClientFactory) -> None:
    client = make_client(voice={"asr": "vosk", "model": "/nonexistent/vosk-model"})
    with client.websocket_connect("/v1/voice") as ws:
        message = ws.receive_json()
    assert message == {"type": "error", "status": 503, "detail": "speech recognition unavailable"}
    assert client.post("/v1/chat", json={"text": "补办身份证要带什么材料"}).status_code == 200


def _refused(client: TestClient, path: str, **kwargs: object) -> int:
    from starlette.websockets import WebSocketDisconnect

    try:
        with client.websocket_connect(path, **kwargs) as ws:  # type: ignore[arg-type]
            ws.receive_json()
    except WebSocketDisconnect as exc:
        return int(exc.code)
    raise AssertionError(f"{path} was accepted")


def test_voice_has_the_protections_of_the_chat_socket(make_client: ClientFactory) -> None:
    """Origin, connection cap and gauge, rate limit and size limits: the same as /v1/ws, shared with it."""
    client = make_client(voice={"vad": "energy"}, cors_origins=["https://kiosk.example"],
                         rate_limit={"enabled": True, "rate": 0.01, "burst": 3},
                         limits={"max_ws_connections": 2, "max_text_chars": 20, "max_body_bytes": 1024})
    client.app.state.service.recognizer = ScriptedRecognizer([])  # type: ignore[attr-defined]
    assert _refused(client, "/v1/voice", headers={"origin": "https://evil.example"}) == 1008
    with client.websocket_connect("/v1/voice", headers={"origin": "https://kiosk.example"}) as voice, \
            client.websocket_connect("/v1/ws") as chat:
        assert voice.receive_json()["type"] == "ready"
        assert "daoban_ws_connections 2.0" in client.get("/metrics").text
        assert _refused(client, "/v1/voice") == 1013
        assert _refused(client, "/v1/ws") == 1013
        voice.send_text(json.dumps({"text": "很" * 10_000}))
        assert voice.receive_json() == {"type": "error", "status": 413, "detail": "message larger than 1024 bytes"}
        voice.send_json({"text": "我想问一下补办身份证要带什么材料还有多少钱"})
        assert voice.receive_json() == {"type": "error", "status": 422,
                                        "detail": "text: text longer than 20 characters"}
        for _ in range(2):
            voice.send_json({"text": "补办身份证"})
            assert voice.receive_json()["type"] == "reply"
        voice.send_json({"text": "补办身份证"})
        assert voice.receive_json()["status"] == 429
        chat.send_json({"type": "ping"})
        assert chat.receive_json()["status"] == 429  # one bucket per client, whichever socket it uses
    assert "daoban_ws_connections 0.0" in client.get("/metrics").text


def test_voice_session_ids_are_checked(make_client: ClientFactory) -> None:
    client = make_client(voice={"vad": "energy"})
    client.app.state.service.recognizer = ScriptedRecognizer([])  # type: ignore[attr-defined]
    with client.websocket_connect("/v1/voice?session_id=../../etc/passwd") as ws:
        assert ws.receive_json()["type"] == "ready"
        assert ws.receive_json()["status"] == 422
        ws.send_json({"type": "hello", "session_id": "x" * 10_000})
        error = ws.receive_json()
        assert error["status"] == 422 and "xxxx" not in error["detail"]
        ws.send_json({"type": "hello", "session_id": "kiosk-7.visit-1"})
        assert ws.receive_json() == {"type": "hello", "session_id": "kiosk-7.visit-1"}
        ws.send_json({"text": "补办身份证要带什么材料"})
        assert ws.receive_json()["session_id"] == "kiosk-7.visit-1"
        ws.send_json({"type": "hello", "session_id": None})
        assert ws.receive_json() == {"type": "hello", "session_id": None}
        ws.send_json({"text": "补办身份证要带什么材料"})
        assert ws.receive_json()["session_id"] != "kiosk-7.visit-1"


def test_an_utterance_with_no_words_is_asked_again(make_client: ClientFactory) -> None:
    client = make_client(voice={"vad": "energy", "no_input_s": None})
    client.app.state.service.recognizer = ScriptedRecognizer(["我要补办身份证", ""])  # type: ignore[attr-defined]
    with client.websocket_connect("/v1/voice?channel=web") as ws:
        assert ws.receive_json()["type"] == "ready"
        replies = [_say(ws, utterance()) for _ in range(2)]
    assert replies[0]["step"] == replies[1]["step"] and replies[1]["flow"] == "id_card_reissue"
    assert replies[1]["kind"] == "event" and replies[1]["item_id"] == replies[0]["item_id"]


def _say(ws: object, audio: bytes) -> dict:
    for i in range(0, len(audio), 3200):
        ws.send_bytes(audio[i:i + 3200])  # type: ignore[attr-defined]
    while True:
        message: dict = ws.receive_json()  # type: ignore[attr-defined]
        if message["type"] == "reply":
            return message


@pytest.mark.slow
def test_real_noise_through_real_whisper_gets_a_reprompt(make_client: ClientFactory) -> None:
    """Hiss and a fan's hum at a kiosk: Whisper base used to read 证明、补办… into them and the kiosk answered."""
    client = make_client(voice={"vad": "webrtc", "no_input_s": None})
    rng = np.random.default_rng(7)
    n = RATE * 3
    hiss = rng.standard_normal(n) * 0.1 + 0.05 * np.sin(2 * np.pi * 120 * np.arange(n) / RATE)
    noise = np.concatenate([np.zeros(RATE // 2), hiss, np.zeros(RATE)])
    with client.websocket_connect("/v1/voice?channel=kiosk") as ws:
        assert ws.receive_json()["type"] == "ready"
        audio = (np.clip(noise, -1, 1) * 32767).astype("<i2").tobytes()
        events = []
        for i in range(0, len(audio), 3200):
            ws.send_bytes(audio[i:i + 3200])
        while True:
            message = ws.receive_json()
            events.append(message)
            if message["type"] == "reply":
                break
    final = next(e for e in events if e["type"] == "final")
    assert final["text"] == ""
    reply = events[-1]
    assert reply["kind"] == "event" and reply["item_id"] is None and reply["messages"]
