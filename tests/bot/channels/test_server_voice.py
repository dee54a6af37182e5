"""WS /v1/voice with the real endpointer and stream, and a stand-in recogniser (no speech model in this test)."""

from __future__ import annotations

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
