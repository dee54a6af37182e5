"""The widget in real headless Chromium against a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.flow.simulator import SAMPLE_ID

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TOKEN = "browser-admin-token"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason="Debian chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture
def page(live_server: Callable[..., Any]) -> Iterator[Any]:
    server = live_server(admin_token=TOKEN)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1200, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server.url + "/")
        page.server_url = server.url  # type: ignore[attr-defined]
        yield page
        assert errors == [], errors
        browser.close()


def bot_messages(page: Any) -> Any:
    return page.locator(".daoban-bot")


def send(page: Any, text: str) -> None:
    before = bot_messages(page).count()
    box = page.locator("#daoban-input")
    box.fill(text)
    box.press("Enter")
    sync_api.expect(bot_messages(page)).to_have_count(before + 1)


def click_quick(page: Any, title: str) -> None:
    before = bot_messages(page).count()
    page.locator(".daoban-quick").get_by_role("button", name=re.compile(title)).first.click()
    sync_api.expect(bot_messages(page)).to_have_count(before + 1)


def last_reply(page: Any) -> dict[str, Any]:
    reply: dict[str, Any] = page.evaluate("() => DaobanWidget.state.log.filter(e => e.role === 'bot').pop().reply")
    return reply


def test_widget_conversation_flow_reload_and_language(page: Any) -> None:
    expect = sync_api.expect
    root = page.locator("section.daoban")
    expect(root).to_have_attribute("role", "region")
    expect(page.locator(".daoban-log")).to_have_attribute("role", "log")
    expect(bot_messages(page).first).to_contain_text("导办")

    send(page, "补办身份证要带什么材料")
    card = page.locator(".daoban-card").last
    expect(card.locator(".daoban-card-title")).to_have_text("居民身份证补领")
    assert card.locator(".daoban-materials li").count() >= 2
    expect(card).to_contain_text("40元")
    expect(page.locator("#daoban-input")).to_be_focused()

    page.locator(".daoban-bot").last.get_by_role("button", name="有帮助", exact=True).click()
    expect(page.locator(".daoban-thanks").last).to_be_visible()

    click_quick(page, "多少钱")
    assert last_reply(page)["field"] == "fee"
    expect(page.locator(".daoban-card").last.locator("dd.daoban-focus")).to_contain_text("40")

    click_quick(page, "现在办理")
    progress = page.locator(".daoban-progress")
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("aria-valuemax", re.compile(r"\d+"))
    assert last_reply(page)["flow"] == "id_card_reissue"

    send(page, SAMPLE_ID)
    reply = last_reply(page)
    assert reply["step"] == "confirm" and SAMPLE_ID not in str(reply)
    expect(bot_messages(page).last).to_contain_text("4403**********")
    click_quick(page, "确认")
    assert last_reply(page)["step"] == "delivery"
    click_quick(page, "领取")
    expect(bot_messages(page).last).to_contain_text("办理完成")
    expect(progress).to_be_hidden()

    session = page.evaluate("() => DaobanWidget.state.sessionId")
    count = bot_messages(page).count()
    page.reload()
    expect(bot_messages(page)).to_have_count(count)
    expect(bot_messages(page).last).to_contain_text("办理完成")
    expect(page.locator(".daoban-card .daoban-card-title").first).to_have_text("居民身份证补领")
    assert page.evaluate("() => DaobanWidget.state.sessionId") == session
    follow = page.evaluate("""async () => {
        const r = await fetch('/v1/chat', {method: 'POST', headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({session_id: DaobanWidget.state.sessionId, text: '在哪办'})});
        return r.json(); }""")
    assert follow["session_id"] == session

    english_button = page.get_by_role("button", name="English")
    english_button.click()
    expect(english_button).to_have_attribute("aria-pressed", "true")
    expect(root).to_have_attribute("lang", "en")
    expect(page.locator("#daoban-input")).to_have_attribute("placeholder", re.compile("Type"))
    expect(page.locator(".daoban-send")).to_have_text("Send")
    send(page, "How do I replace a lost ID card?")
    english = last_reply(page)
    assert english["lang"] == "en"
    assert re.search(r"[A-Za-z]{4,}", bot_messages(page).last.inner_text())

    page.get_by_role("button", name="Large text").click()
    expect(root).to_have_class(re.compile("daoban--large"))

    with httpx.Client(base_url=page.server_url, timeout=10) as http:  # type: ignore[attr-defined]
        feedback = http.get("/admin/feedback", headers={"Authorization": f"Bearer {TOKEN}"}).json()["entries"]
    assert [(f["rating"], f["item_id"]) for f in feedback] == [("up", "HZ-003")]


def test_keyboard_only_use(page: Any) -> None:
    expect = sync_api.expect
    page.locator("#daoban-input").focus()
    page.keyboard.type("补办身份证要带什么材料")
    page.keyboard.press("Enter")
    expect(page.locator(".daoban-card")).to_have_count(1)
    order = page.evaluate("""() => Array.from(
        document.querySelectorAll('.daoban button, .daoban input, .daoban [tabindex]'))
        .filter(e => !e.disabled && e.offsetParent !== null).map(e => e.className || e.tagName)""")
    assert order.index("daoban-log") < order.index("daoban-input") < order.index("daoban-send")
    page.locator("#daoban-input").focus()
    page.keyboard.press("Shift+Tab")
    focused = page.evaluate("() => document.activeElement.className")
    assert focused == "daoban-chip"
    page.keyboard.press("Enter")
    expect(page.locator(".daoban-bot")).to_have_count(3)


def storage(page: Any) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = page.evaluate("""() => {
        const dump = s => Object.fromEntries(Array.from({length: s.length}, (_, i) => [s.key(i), s.getItem(s.key(i))]));
        return {local: dump(localStorage), session: dump(sessionStorage)}; }""")
    return found


def test_browser_storage_keeps_no_personal_data(page: Any, data_dir: Path) -> None:
    """A shared lobby browser: nothing in localStorage, and what sessionStorage keeps is masked."""
    expect = sync_api.expect
    page.evaluate("() => localStorage.setItem('daoban:legacy:web:log', '[{\"text\": \"old transcript\"}]')")
    page.reload()
    assert storage(page)["local"] == {}
    send(page, "我要补办身份证")
    assert last_reply(page)["flow"] == "id_card_reissue"
    send(page, SAMPLE_ID)
    assert last_reply(page)["step"] == "confirm"
    masked = SAMPLE_ID[:4] + "*" * 10 + SAMPLE_ID[-4:]
    expect(page.locator(".daoban-user").last).to_have_text(re.compile(re.escape(masked)))
    kept = storage(page)
    assert kept["local"] == {} and kept["session"]
    assert SAMPLE_ID not in json.dumps(kept, ensure_ascii=False)
    assert SAMPLE_ID not in page.locator(".daoban-log").inner_text()
    page.reload()
    expect(page.locator(".daoban-user").last).to_have_text(re.compile(re.escape(masked)))
    kept = storage(page)
    assert SAMPLE_ID not in json.dumps(kept, ensure_ascii=False)
    (data_dir / "browser-storage.json").write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")


def kiosk_page(page: Any, idle_reset_s: float) -> None:
    """A kiosk page on the same server: the widget with data-channel="kiosk" and a short idle reset."""
    html = (f'<!doctype html><html><head><meta charset="utf-8"></head><body><div id="chat"></div>'
            f'<script src="/widget.js" data-server="" data-target="#chat" data-channel="kiosk" '
            f'data-idle-reset="{idle_reset_s}" defer></script></body></html>')
    page.route("**/kiosk.html", lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page.goto(page.server_url + "/kiosk.html")
    sync_api.expect(bot_messages(page)).to_have_count(1)


def test_kiosk_clears_on_session_end_and_on_idle(page: Any) -> None:
    expect = sync_api.expect
    kiosk_page(page, 2)
    send(page, "补办身份证要带什么材料")
    assert storage(page)["session"]
    send(page, "再见")  # the kiosk wipes the session after goodbye: the reply says so, the widget forgets it
    assert page.evaluate("() => DaobanWidget.state.sessionId") is None
    assert not any(k.endswith((":log", ":session")) for k in storage(page)["session"]), storage(page)
    send(page, "换领驾驶证要什么材料")
    assert any(k.endswith(":log") for k in storage(page)["session"])
    expect(bot_messages(page)).to_have_count(1, timeout=6_000)
    expect(page.locator(".daoban-user")).to_have_count(0)
    assert not any(k.endswith((":log", ":session")) for k in storage(page)["session"])


def test_pages_load_only_their_own_files(live_server: Callable[..., Any]) -> None:
    """The CSP holds on the demo page and /docs works offline: no other host, no blocked script or style."""
    server = live_server()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page()
        console: list[str] = []
        hosts: set[str] = set()
        page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
        page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
        page.goto(server.url + "/docs")
        sync_api.expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
        assert page.locator(".opblock").count() >= 6
        page.goto(server.url + "/")
        send(page, "补办身份证要带什么材料")
        sync_api.expect(page.locator(".daoban-card")).to_have_count(1)
        headers = page.request.get(server.url + "/").headers
        browser.close()
    assert hosts == {f"127.0.0.1:{server.port}"}
    assert not [c for c in console if "Content Security Policy" in c or "Refused" in c], console
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
