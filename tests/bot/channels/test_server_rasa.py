from __future__ import annotations

from fastapi.testclient import TestClient

from bot.flow.simulator import SAMPLE_ID

WEBHOOK = "/webhooks/rest/webhook"


def token(client: TestClient) -> dict[str, str]:
    return {"token": client.app.state.service.config.rasa_token_value}  # type: ignore[attr-defined]


def say(client: TestClient, sender: str, message: str) -> list[dict]:
    r = client.post(WEBHOOK, json={"sender": sender, "message": message}, params=token(client))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out and all(m["recipient_id"] == sender for m in out)
    return out


def test_answer_in_rasa_format(client: TestClient) -> None:
    out = say(client, "rasa-user-1", "补办身份证要带什么材料")
    assert all(set(m) <= {"recipient_id", "text", "buttons", "custom"} for m in out)
    assert "居民身份证补领" in out[0]["text"]
    last = out[-1]
    assert all(set(b) == {"title", "payload"} for b in last["buttons"])
    assert last["custom"]["item_id"] == "HZ-003"
    assert last["custom"]["card"]["materials"]


def test_button_payloads_and_a_whole_flow_keep_the_senders_session(client: TestClient) -> None:
    sender = "kiosk-7f3a"
    say(client, sender, "补办身份证要带什么材料")
    out = say(client, sender, "多少钱")
    assert "40" in out[0]["text"]
    start = [b for b in out[-1]["buttons"] if b["title"] == "现在办理"]
    assert start, out[-1]["buttons"]
    out = say(client, sender, start[0]["payload"])
    assert out[-1]["custom"]["flow"] == "id_card_reissue"
    out = say(client, sender, SAMPLE_ID)
    assert out[-1]["custom"]["step"] == "confirm"
    assert SAMPLE_ID not in str(out)
    confirm = [b["payload"] for b in out[-1]["buttons"] if b["title"] == "确认"]
    out = say(client, sender, confirm[0])
    pick = [b["payload"] for b in out[-1]["buttons"] if "领取" in b["title"]]
    out = say(client, sender, pick[0])
    assert any("办理完成" in m["text"] for m in out)


def test_senders_do_not_share_sessions(client: TestClient) -> None:
    say(client, "alice", "我要补办身份证")
    bob = say(client, "bob", "那要多少钱？")
    assert bob[-1]["custom"].get("flow") is None


def test_rasa_schema_errors(client: TestClient) -> None:
    for body in ({"sender": "x"}, {"message": "hi"}, {"sender": "x", "message": ""}):
        assert client.post(WEBHOOK, json=body, params=token(client)).status_code == 422
