"""Traditional Chinese and English conversations."""

from __future__ import annotations

from collections.abc import Callable

from chat_support import VALID_ID, Chat

from bot.understand.lang import canonical, detect, render
from knowledge.normalize import to_simplified

ChatFactory = Callable[..., Chat]


def test_detect_and_canonical() -> None:
    assert detect("身份證丟了怎麼補") == "zh-Hant"
    assert detect("身份证丢了怎么补") == "zh-Hans"
    assert detect("How do I extend my visa?") == "en"
    assert detect("440305199003071236") is None and detect("LSVAB2BR3EN123456") is None
    assert canonical("zh-TW") == "zh-Hant" and canonical("en-US") == "en" and canonical("xx") is None
    assert render("补办身份证", "zh-Hant") == "補辦身份證"


def _is_traditional(text: str) -> bool:
    return to_simplified(text) != text


def test_traditional_conversation(chat: ChatFactory) -> None:
    c = chat()
    reply = c.say("身份證丟了怎麼補辦？")
    assert reply.lang == "zh-Hant" and reply.item_id == "HZ-003" and _is_traditional(c.text)
    assert reply.card is not None and _is_traditional(reply.card["title"])
    reply = c.say("要多少錢？")
    assert reply.item_id == "HZ-003" and reply.field == "fee" and "40元" in c.text and _is_traditional(c.text)
    reply = c.say("現在辦理")
    assert reply.flow == "id_card_reissue" and _is_traditional(c.text)
    c.say(VALID_ID)
    assert c.reply is not None and c.reply.step == "confirm" and "確認" in c.text
    assert "取消辦理" in [b.title for b in c.reply.buttons]


def test_traditional_language_chosen_by_the_client(chat: ChatFactory) -> None:
    c = chat(lang="zh-Hant")
    c.start("temp_id_certificate")
    assert c.reply is not None and c.reply.lang == "zh-Hant" and "請選擇證明用途" in c.text


def test_english_question_for_foreigners_is_answered_in_english(chat: ChatFactory) -> None:
    c = chat()
    reply = c.say("How do I extend my tourist visa in China?")
    assert reply.lang == "en" and reply.item_id == "CRJ-035" and c.text.isascii() is False
    assert "Visa extension" in c.text and reply.item_title == "Visa extension for foreigners"
    reply = c.say("Where do I apply?")
    assert reply.item_id == "CRJ-035" and reply.field == "location" and "window 4-5" in c.text
    reply = c.say("How much does it cost?")
    assert reply.field == "fee" and "Fee" in c.text


def test_english_hall_service(chat: ChatFactory) -> None:
    c = chat()
    reply = c.say("I lost my wallet, is there a lost and found?")
    assert reply.item_id == "ZH-011" and "Lost and found" in c.text


def test_english_lead_in_for_other_items(chat: ChatFactory) -> None:
    c = chat()
    reply = c.say("What documents do I need for household registration?")
    assert reply.lang == "en" and reply.item_id is not None
    if reply.item_id not in c.assistant.context.english.items:
        assert "only available in Chinese" in reply.messages[0].text and len(reply.messages) == 2


def test_english_flow(chat: ChatFactory) -> None:
    c = chat()
    c.say("I want to pay a traffic fine")
    assert c.reply is not None and c.reply.item_id in {"JG-076", "JG-075"}
    reply = c.say("start")
    assert reply.flow == "traffic_violation_payment" and "Place your ID card" in c.text
    c.say(VALID_ID)
    reply = c.say("LSVAB2BR3EN12345X")
    assert reply.lang == "en" and reply.step == "choose" and "unpaid violations" in c.text
    c.say("all")
    assert "350 yuan" in c.text
    c.say("yes")
    assert c.reply is not None and c.reply.step == "done" and "Keep the receipt" in c.text


def test_english_commands_and_unknowns(chat: ChatFactory) -> None:
    c = chat(lang="en")
    c.start("id_card_reissue")
    assert "Choose the type" in c.text
    c.say("back")
    assert "first step" in c.text
    c.say("cancel")
    assert "cancelled" in c.text
    reply = c.say("Where can I exchange US dollars near here?")
    assert reply.item_id is None and reply.lang == "en" and "Sorry" in c.text
