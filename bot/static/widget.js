/* daoban chat widget: <script src="https://HOST/widget.js" data-server="https://HOST" defer></script>
 * Optional attributes: data-channel (web|kiosk|robot), data-lang (zh-Hans|zh-Hant|en), data-target (CSS selector
 * of an element to render into; default: a floating panel), data-open ("true" opens the floating panel),
 * data-idle ("true": WebSocket for idle announcements), data-voice ("ws": the microphone streams to WS /v1/voice),
 * data-idle-reset (seconds without use before the conversation is cleared; default 120 on kiosk and robot
 * channels, 0 = never elsewhere).
 * Privacy: the conversation is kept in sessionStorage only (gone when the tab closes), answers to personal-data
 * steps are kept and shown masked, and everything is cleared when the session ends or the kiosk falls idle.
 * Public API: window.DaobanWidget.send(text), .sendEvent({type: "payment_done", ...}), .reset(), .setLang(lang),
 * .onMicrophone = function (widget) {...}; the root element fires "daoban:actions" (kiosk actions to perform)
 * and "daoban:microphone" (when no onMicrophone hook is set).
 */
(function () {
  "use strict";
  if (window.DaobanWidget && window.DaobanWidget.root) { return; }

  var script = document.currentScript || (function () {
    var all = document.querySelectorAll("script[src*='widget.js']");
    return all[all.length - 1];
  })();
  var data = (script && script.dataset) || {};
  var scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var server = (data.server || scriptOrigin).replace(/\/+$/, "");
  var channel = data.channel || "web";
  var storeKey = "daoban:" + server + ":" + channel + ":";
  var MAX_LOG = 60;
  var KIOSK = channel === "kiosk" || channel === "robot";
  var idleResetMs = 1000 * (data.idleReset !== undefined ? Number(data.idleReset) || 0 : (KIOSK ? 120 : 0));
  /* Answers to these steps are personal data: kept and shown masked. */
  var PRIVATE_EXPECTS = { id_number: 1, phone: 1, plate: 1, digits6: 1, date: 1, text: 1 };
  var OTHER_TURN = /^(question|followup|clarify|social|refusal|department|chitchat|command)/;

  var T = {
    "zh-Hans": {
      title: "导办 · 智能咨询", placeholder: "请输入您要办理或咨询的事项", send: "发送", mic: "语音输入",
      large: "大字", largeLabel: "大字模式", langLabel: "语言", quick: "快捷回复", log: "对话记录",
      welcome: "您好！我是导办，可以为您解答户政、出入境、交管等业务的办理指南，也能一步步带您在自助机上办理。请问您要办什么？",
      suggestions: ["补办身份证要带什么", "交通违法处理", "港澳通行证续签", "办不成事找谁"],
      materials: "所需材料", fee: "费用", where: "办理地点", hours: "办理时间", timeLimit: "办理时限",
      steps: "办理流程", conditions: "办理条件", source: "来源", step: "步骤", of: "/",
      helpful: "有帮助", notHelpful: "没有帮助", thanks: "谢谢您的反馈", restart: "重新开始",
      restartLabel: "开始新的对话", error: "网络异常，请稍后再试，或到人工窗口咨询。", busy: "正在处理…",
      handoff: "需要人工帮助", you: "您", bot: "导办", expired: "会话已结束，下一位请开始新的咨询。",
      close: "关闭", open: "在线咨询", details: "详细说明"
    },
    "zh-Hant": {
      title: "導辦 · 智能諮詢", placeholder: "請輸入您要辦理或諮詢的事項", send: "發送", mic: "語音輸入",
      large: "大字", largeLabel: "大字模式", langLabel: "語言", quick: "快捷回覆", log: "對話記錄",
      welcome: "您好！我是導辦，可以為您解答戶政、出入境、交管等業務的辦理指南，也能一步步帶您在自助機上辦理。請問您要辦什麼？",
      suggestions: ["補辦身份證要帶什麼", "交通違法處理", "港澳通行證續簽", "辦不成事找誰"],
      materials: "所需材料", fee: "費用", where: "辦理地點", hours: "辦理時間", timeLimit: "辦理時限",
      steps: "辦理流程", conditions: "辦理條件", source: "來源", step: "步驟", of: "/",
      helpful: "有幫助", notHelpful: "沒有幫助", thanks: "謝謝您的反饋", restart: "重新開始",
      restartLabel: "開始新的對話", error: "網絡異常，請稍後再試，或到人工窗口諮詢。", busy: "正在處理…",
      handoff: "需要人工幫助", you: "您", bot: "導辦", expired: "會話已結束，下一位請開始新的諮詢。",
      close: "關閉", open: "在線諮詢", details: "詳細說明"
    },
    en: {
      title: "Daoban · Service assistant", placeholder: "Type what you need to do or ask", send: "Send",
      mic: "Voice input", large: "A+", largeLabel: "Large text", langLabel: "Language", quick: "Quick replies",
      log: "Conversation", welcome: "Hello! I am Daoban. I can explain how to apply for police services (ID cards, " +
        "exit-entry, traffic) and guide you step by step at the self-service kiosks. What do you need?",
      suggestions: ["Replace a lost ID card", "Pay a traffic fine", "Visa extension for foreigners", "Talk to a person"],
      materials: "Materials", fee: "Fee", where: "Where", hours: "Hours", timeLimit: "Time limit", steps: "Steps",
      conditions: "Conditions", source: "Source", step: "Step", of: "of", helpful: "Helpful",
      notHelpful: "Not helpful", thanks: "Thank you for your feedback", restart: "Start over",
      restartLabel: "Start a new conversation", error: "Network problem. Please try again or ask at a service window.",
      busy: "Working…", handoff: "A person will help", you: "You", bot: "Daoban",
      expired: "The session has ended. The next person can start a new one.", close: "Close", open: "Ask us",
      details: "Details"
    }
  };
  var LANGS = [["zh-Hans", "简", "简体中文"], ["zh-Hant", "繁", "繁體中文"], ["en", "EN", "English"]];

  function store() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }
  function load(key, fallback) {
    try {
      var raw = store().getItem(storeKey + key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (e) { return fallback; }
  }
  function save(key, value) {
    try { store().setItem(storeKey + key, JSON.stringify(value)); } catch (e) { /* storage full or blocked */ }
  }
  function drop(key) {
    try { store().removeItem(storeKey + key); } catch (e) { /* blocked */ }
  }
  function dropLegacy() {
    /* earlier versions kept the conversation in localStorage, where the next person on a shared browser saw it */
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var key = localStorage.key(i);
        if (key && key.indexOf("daoban:") === 0) { localStorage.removeItem(key); }
      }
    } catch (e) { /* blocked */ }
  }
  dropLegacy();

  function stars(n) { return new Array(Math.max(0, n) + 1).join("*"); }
  function maskNumber(run) {
    var d = run.replace(/[\s-]/g, "").toUpperCase();
    if (d.length === 15 || d.length === 18) { return d.slice(0, 4) + stars(d.length - 8) + d.slice(-4); }
    if (d.length === 11 && d.charAt(0) === "1") { return d.slice(0, 3) + stars(4) + d.slice(-4); }
    return d.slice(0, 2) + stars(d.length - 4) + d.slice(-2);
  }
  /* What may be kept of what the citizen typed: an answer to a personal-data step masked whole, and any long
   * number (ID, mobile, card) masked wherever it appears. */
  function maskTyped(text, expect) {
    if (PRIVATE_EXPECTS[expect]) {
      var compact = text.replace(/[\s-]/g, "");
      if ((expect === "id_number" || expect === "phone") && /^\d{9,17}[\dXx]$/.test(compact)) {
        return maskNumber(compact);
      }
      if (expect === "plate" && compact.length > 3) { return compact.slice(0, 2) + stars(compact.length - 3) +
        compact.slice(-1); }
      return stars(Math.min(Math.max(text.length, 3), 12));
    }
    return text.replace(/\d(?:[\d\s-]{9,}\d)[Xx]?/g, function (run) {
      return run.replace(/[\s-]/g, "").length >= 11 ? maskNumber(run) : run;
    });
  }

  var state = {
    sessionId: load("session", null),
    lang: load("lang", data.lang || "zh-Hans"),
    large: load("large", false),
    log: load("log", []),
    expect: load("expect", null),
    busy: false
  };
  if (!T[state.lang]) { state.lang = "zh-Hans"; }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; }
      else if (k === "class") { node.className = attrs[k]; }
      else if (k.indexOf("on") === 0) { node.addEventListener(k.slice(2), attrs[k]); }
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }
  function t(key) { return T[state.lang][key]; }

  if (!document.querySelector("link[data-daoban-css]")) {
    document.head.appendChild(el("link", { rel: "stylesheet", href: server + "/widget.css", "data-daoban-css": "1" }));
  }

  var ui = {};
  function build() {
    var target = data.target ? document.querySelector(data.target) : null;
    var root = el("section", { class: "daoban" + (target ? " daoban--inline" : " daoban--floating"),
      role: "region", "aria-label": t("title"), lang: state.lang });
    ui.titleText = el("h2", { class: "daoban-title", id: "daoban-title", text: t("title") });
    ui.langButtons = LANGS.map(function (pair) {
      return el("button", { type: "button", class: "daoban-lang", "data-lang": pair[0], lang: pair[0],
        "aria-label": pair[2], title: pair[2],
        "aria-pressed": String(pair[0] === state.lang), onclick: function () { setLang(pair[0]); } },
        [document.createTextNode(pair[1])]);
    });
    ui.langGroup = el("div", { class: "daoban-langs", role: "group", "aria-label": t("langLabel") }, ui.langButtons);
    ui.largeBtn = el("button", { type: "button", class: "daoban-large", "aria-pressed": String(state.large),
      "aria-label": t("largeLabel"), title: t("largeLabel"), onclick: toggleLarge, text: t("large") });
    ui.restartBtn = el("button", { type: "button", class: "daoban-restart", "aria-label": t("restartLabel"),
      title: t("restartLabel"), onclick: reset, text: "↺" });
    var tools = el("div", { class: "daoban-tools" }, [ui.langGroup, ui.largeBtn, ui.restartBtn]);
    if (!target) {
      ui.closeBtn = el("button", { type: "button", class: "daoban-close", "aria-label": t("close"),
        onclick: function () { setOpen(false); }, text: "×" });
      tools.appendChild(ui.closeBtn);
    }
    var header = el("header", { class: "daoban-header" }, [ui.titleText, tools]);
    ui.progress = el("div", { class: "daoban-progress", role: "progressbar", "aria-valuemin": "0", hidden: "" },
      [el("span", { class: "daoban-progress-label" }), el("span", { class: "daoban-progress-bar" },
        [el("span", { class: "daoban-progress-fill" })])]);
    ui.log = el("div", { class: "daoban-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
      "aria-label": t("log"), tabindex: "0" });
    ui.quick = el("div", { class: "daoban-quick", role: "group", "aria-label": t("quick") });
    ui.status = el("div", { class: "daoban-status", role: "status", "aria-live": "polite" });
    ui.input = el("input", { type: "text", class: "daoban-input", id: "daoban-input", autocomplete: "off",
      maxlength: "500", placeholder: t("placeholder"), "aria-label": t("placeholder") });
    ui.mic = el("button", { type: "button", class: "daoban-mic", "aria-label": t("mic"), title: t("mic"),
      "aria-pressed": "false", onclick: microphone, hidden: "" }, [document.createTextNode("🎤")]);
    ui.sendBtn = el("button", { type: "submit", class: "daoban-send", text: t("send") });
    ui.form = el("form", { class: "daoban-form", onsubmit: function (e) {
      e.preventDefault();
      var text = ui.input.value.trim();
      if (text) { ui.input.value = ""; send(text); }
    } }, [ui.input, ui.mic, ui.sendBtn]);
    root.appendChild(header);
    root.appendChild(ui.progress);
    root.appendChild(ui.log);
    root.appendChild(ui.quick);
    root.appendChild(ui.status);
    root.appendChild(ui.form);
    root.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && !target) { setOpen(false); }
    });
    if (target) {
      target.appendChild(root);
    } else {
      ui.launcher = el("button", { type: "button", class: "daoban-launcher", "aria-expanded": "false",
        "aria-controls": "daoban-panel", onclick: function () { setOpen(true); }, text: t("open") });
      root.id = "daoban-panel";
      document.body.appendChild(ui.launcher);
      document.body.appendChild(root);
      setOpen(data.open === "true" || load("open", false));
    }
    ui.root = root;
    applyLarge();
    updateMic();
  }

  function setOpen(open) {
    if (!ui.launcher) { return; }
    ui.root.hidden = !open;
    ui.launcher.setAttribute("aria-expanded", String(open));
    ui.launcher.hidden = open;
    save("open", open);
    if (open) { ui.input.focus(); } else { ui.launcher.focus(); }
  }

  function applyLarge() {
    ui.root.classList.toggle("daoban--large", !!state.large);
    ui.largeBtn.setAttribute("aria-pressed", String(!!state.large));
  }
  function toggleLarge() {
    state.large = !state.large;
    save("large", state.large);
    applyLarge();
  }

  function relabel() {
    ui.root.setAttribute("lang", state.lang);
    ui.root.setAttribute("aria-label", t("title"));
    ui.titleText.textContent = t("title");
    ui.langGroup.setAttribute("aria-label", t("langLabel"));
    ui.langButtons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang)); });
    ui.largeBtn.textContent = t("large");
    ui.largeBtn.setAttribute("aria-label", t("largeLabel"));
    ui.largeBtn.title = t("largeLabel");
    ui.restartBtn.setAttribute("aria-label", t("restartLabel"));
    ui.restartBtn.title = t("restartLabel");
    ui.log.setAttribute("aria-label", t("log"));
    ui.quick.setAttribute("aria-label", t("quick"));
    ui.input.placeholder = t("placeholder");
    ui.input.setAttribute("aria-label", t("placeholder"));
    ui.mic.setAttribute("aria-label", t("mic"));
    ui.mic.title = t("mic");
    ui.sendBtn.textContent = t("send");
    if (ui.launcher) { ui.launcher.textContent = t("open"); ui.closeBtn.setAttribute("aria-label", t("close")); }
  }

  function setLang(lang) {
    if (!T[lang]) { return; }
    state.lang = lang;
    save("lang", lang);
    relabel();
    renderAll();
  }

  function showQuick(buttons) {
    ui.quick.textContent = "";
    (buttons || []).forEach(function (b) {
      ui.quick.appendChild(el("button", { type: "button", class: "daoban-chip", "data-payload": b.payload,
        onclick: function () { send(b.payload, b.title); }, text: b.title }));
    });
    ui.quick.hidden = !(buttons && buttons.length);
  }

  function showProgress(reply) {
    var p = reply && reply.flow && reply.progress;
    if (!p || p.length !== 2) { ui.progress.hidden = true; return; }
    ui.progress.hidden = false;
    ui.progress.setAttribute("aria-valuemax", String(p[1]));
    ui.progress.setAttribute("aria-valuenow", String(p[0]));
    var label = t("step") + " " + p[0] + " " + t("of") + " " + p[1];
    ui.progress.setAttribute("aria-valuetext", label);
    ui.progress.setAttribute("aria-label", label);
    ui.progress.querySelector(".daoban-progress-label").textContent = label;
    ui.progress.querySelector(".daoban-progress-fill").style.width =
      Math.max(0, Math.min(100, Math.round(100 * p[0] / Math.max(1, p[1])))) + "%";
  }

  function cardValue(value) {
    if (value === null || value === undefined || value === "") { return null; }
    if (typeof value === "string" || typeof value === "number") { return String(value); }
    if (Array.isArray(value)) { return value.map(cardValue).filter(Boolean).join("；"); }
    if (typeof value === "object") {
      return ["text", "name", "amount", "summary", "value"].map(function (k) { return value[k]; })
        .filter(function (v) { return v !== undefined && v !== null && v !== ""; }).join(" ") || null;
    }
    return String(value);
  }

  function renderCard(card, focus) {
    var title = card.title || card.item_title || "";
    var nodes = [el("h3", { class: "daoban-card-title", text: title })];
    if (card.item_id) { nodes.push(el("p", { class: "daoban-card-id", text: t("source") + "：" + card.item_id })); }
    var body = el("dl", { class: "daoban-card-fields" });
    if (card.materials && card.materials.length) {
      var list = el("ul", { class: "daoban-materials" });
      card.materials.forEach(function (m) {
        var text = cardValue(m);
        var note = m && typeof m === "object" && (m.note || m.detail);
        if (text) { list.appendChild(el("li", { text: note ? text + "（" + note + "）" : text })); }
      });
      body.appendChild(el("dt", { class: "daoban-field-materials", text: t("materials") }));
      body.appendChild(el("dd", { class: "daoban-field-materials" }, [list]));
    }
    [["fee", "fee"], ["time_limit", "timeLimit"], ["where", "where"], ["hours", "hours"],
      ["conditions", "conditions"]].forEach(function (pair) {
      var value = cardValue(card[pair[0]]);
      if (value) {
        body.appendChild(el("dt", { class: "daoban-field-" + pair[0], text: t(pair[1]) }));
        body.appendChild(el("dd", { class: "daoban-field-" + pair[0], text: value }));
      }
    });
    if (card.steps && card.steps.length) {
      var ol = el("ol", { class: "daoban-steps" });
      card.steps.forEach(function (s) { var v = cardValue(s); if (v) { ol.appendChild(el("li", { text: v })); } });
      body.appendChild(el("dt", { text: t("steps") }));
      body.appendChild(el("dd", {}, [ol]));
    }
    if (focus) {
      body.querySelectorAll(".daoban-field-" + focus).forEach(function (n) { n.classList.add("daoban-focus"); });
    }
    nodes.push(body);
    return el("article", { class: "daoban-card", "aria-label": title }, nodes);
  }

  function feedbackRow(reply) {
    var row = el("div", { class: "daoban-feedback", role: "group", "aria-label": t("helpful") + " / " + t("notHelpful") });
    function rate(rating) {
      return function () {
        row.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        b1.setAttribute("aria-pressed", String(rating === "up"));
        b2.setAttribute("aria-pressed", String(rating === "down"));
        post("/v1/feedback", { session_id: state.sessionId, rating: rating, item_id: reply.item_id || null,
          flow: reply.flow || null, channel: channel }).catch(function () { /* best effort */ });
        row.appendChild(el("span", { class: "daoban-thanks", role: "status", text: t("thanks") }));
      };
    }
    var b1 = el("button", { type: "button", class: "daoban-up", "aria-label": t("helpful"), "aria-pressed": "false",
      onclick: rate("up"), text: "👍" });
    var b2 = el("button", { type: "button", class: "daoban-down", "aria-label": t("notHelpful"),
      "aria-pressed": "false", onclick: rate("down"), text: "👎" });
    row.appendChild(b1);
    row.appendChild(b2);
    return row;
  }

  function renderEntry(entry, live) {
    if (entry.role === "user") {
      ui.log.appendChild(el("div", { class: "daoban-msg daoban-user" }, [
        el("span", { class: "daoban-sr", text: t("you") + "：" }), el("p", { text: entry.text })]));
      return;
    }
    if (entry.role === "note") {
      ui.log.appendChild(el("div", { class: "daoban-msg daoban-note", text: entry.text }));
      return;
    }
    var reply = entry.reply || {};
    var box = el("div", { class: "daoban-msg daoban-bot" + (reply.handoff ? " daoban-handoff" : ""),
      "data-item": reply.item_id || null, "data-flow": reply.flow || null, "data-step": reply.step || null });
    box.appendChild(el("span", { class: "daoban-sr", text: t("bot") + "：" }));
    var texts = (reply.messages || []).map(function (m) { return m.text; }).filter(Boolean);
    if (reply.card) {
      box.appendChild(renderCard(reply.card, reply.field));
      if (texts.length) {
        box.appendChild(el("details", { class: "daoban-details" }, [
          el("summary", { text: t("details") }),
          el("p", { class: "daoban-text", text: texts.join("\n\n") })]));
      }
    } else {
      texts.forEach(function (text) { box.appendChild(el("p", { class: "daoban-text", text: text })); });
    }
    if (reply.handoff) { box.appendChild(el("p", { class: "daoban-handoff-note", text: t("handoff") })); }
    if (reply.card || (reply.item_id && !reply.flow)) { box.appendChild(feedbackRow(reply)); }
    ui.log.appendChild(box);
    if (live) {
      showQuick(reply.buttons);
      showProgress(reply);
      if (reply.actions && reply.actions.length) {
        ui.root.dispatchEvent(new CustomEvent("daoban:actions", { bubbles: true,
          detail: { actions: reply.actions, waitEvent: reply.wait_event || null, reply: reply, widget: api } }));
      }
    }
  }

  function welcome() {
    return { role: "bot", reply: { messages: [{ text: t("welcome"), speech: t("welcome") }],
      buttons: t("suggestions").map(function (s) { return { title: s, payload: s }; }) } };
  }

  function renderAll() {
    ui.log.textContent = "";
    var entries = [welcome()].concat(state.log);
    entries.forEach(function (e, i) { renderEntry(e, i === entries.length - 1); });
    if (entries[entries.length - 1].role !== "bot") { showQuick([]); showProgress(null); }
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function remember(entry) {
    state.log.push(entry);
    if (state.log.length > MAX_LOG) { state.log = state.log.slice(-MAX_LOG); }
    persist();
  }
  function persist() {
    save("log", state.log.map(function (e) { return e.masked ? { role: e.role, text: e.masked } : e; }));
  }

  function post(path, body) {
    return fetch(server + path, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body), credentials: "omit" }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (json) {
        if (!r.ok) { var err = new Error(json.detail || ("HTTP " + r.status)); err.status = r.status; throw err; }
        return json;
      });
    });
  }

  function setBusy(busy) {
    state.busy = busy;
    ui.sendBtn.disabled = busy;
    ui.root.setAttribute("aria-busy", String(busy));
    ui.status.textContent = busy ? t("busy") : "";
    ui.quick.querySelectorAll("button").forEach(function (b) { b.disabled = busy; });
  }

  function send(text, shown, event) {
    if (state.busy || !(text || event)) { return Promise.resolve(null); }
    touch();
    var entry = { role: "user", text: shown || maskTyped(text, null) };
    if (!shown && text && PRIVATE_EXPECTS[state.expect]) { entry.masked = maskTyped(text, state.expect); }
    if (!event || shown) {
      remember(entry);
      renderEntry(entry, true);
    }
    showQuick([]);
    setBusy(true);
    var body = event ? { event: event, lang: state.lang, channel: channel } :
      { text: text, lang: state.lang, channel: channel };
    if (state.sessionId) { body.session_id = state.sessionId; }
    return post("/v1/chat", body).then(function (reply) {
      return accept(reply, event && !shown ? null : entry);
    }).catch(function (err) {
      var note = { role: "note", text: (err && err.status === 429 || err && err.status === 422) && err.message ?
        err.message : t("error") };
      renderEntry(note, true);
      return null;
    }).then(function (reply) {
      setBusy(false);
      ui.input.focus();
      return reply;
    });
  }

  function accept(reply, userEntry) {
    touch();
    if (userEntry && userEntry.masked) {
      /* typed while a personal-data step waited: it stays masked unless the server took it for something else */
      if (!OTHER_TURN.test(reply.kind || "")) { userEntry.text = userEntry.masked; }
      delete userEntry.masked;
      renderAll();
    }
    if (state.sessionId && reply.session_id !== state.sessionId && state.log.length > 1) {
      state.log = userEntry ? [userEntry] : [];
      persist();
      renderAll();
    }
    state.sessionId = reply.session_id;
    state.expect = reply.flow ? reply.expect || null : null;
    save("session", state.sessionId);
    save("expect", state.expect);
    var botEntry = { role: "bot", reply: reply };
    remember(botEntry);
    renderEntry(botEntry, true);
    ui.log.scrollTop = ui.log.scrollHeight;
    if (reply.ended) { forget(); }
    return reply;
  }

  /* The session is over (done on a kiosk, goodbye, idle): nothing of it stays in storage; the screen keeps the
   * last reply until the next person starts or the kiosk falls idle. */
  function forget() {
    state.sessionId = null;
    state.expect = null;
    state.log = [];
    drop("session");
    drop("log");
    drop("expect");
  }

  function reset() {
    forget();
    renderAll();
    ui.input.focus();
  }

  var idleTimer = null;
  function touch() {
    if (!idleResetMs) { return; }
    if (idleTimer) { clearTimeout(idleTimer); }
    idleTimer = setTimeout(idle, idleResetMs);
  }
  function idle() {
    idleTimer = null;
    if (state.busy) { touch(); return; }
    if (state.sessionId) {
      post("/v1/chat", { session_id: state.sessionId, event: { type: "idle" }, channel: channel })
        .catch(function () { /* the server forgets the session on its own timeout too */ });
    }
    if (voice) { stopVoice(); }
    reset();
    if (ui.launcher) { setOpen(false); }
  }

  function updateMic() {
    ui.mic.hidden = !(typeof api.onMicrophone === "function" || data.voice);
  }

  function microphone() {
    if (typeof api.onMicrophone === "function") {
      api.onMicrophone(api);
      return;
    }
    if (data.voice === "ws" && navigator.mediaDevices && window.AudioContext) {
      if (voice) { stopVoice(); } else { startVoice(); }
      return;
    }
    ui.root.dispatchEvent(new CustomEvent("daoban:microphone", { bubbles: true, detail: { widget: api } }));
  }

  var voice = null;
  function startVoice() {
    var params = "?channel=" + encodeURIComponent(channel) + "&lang=" + encodeURIComponent(state.lang) +
      (state.sessionId ? "&session_id=" + encodeURIComponent(state.sessionId) : "");
    var socket = new WebSocket(server.replace(/^http/, "ws") + "/v1/voice" + params);
    socket.binaryType = "arraybuffer";
    voice = { socket: socket, stream: null, context: null };
    ui.mic.setAttribute("aria-pressed", "true");
    socket.onmessage = function (msg) {
      var m;
      try { m = JSON.parse(msg.data); } catch (e) { return; }
      if (m.type === "partial") { ui.input.placeholder = m.text; }
      else if (m.type === "final" && m.text) {
        var entry = { role: "user", text: maskTyped(m.text, PRIVATE_EXPECTS[state.expect] ? state.expect : null) };
        remember(entry);
        renderEntry(entry, true);
        ui.input.placeholder = t("placeholder");
      } else if (m.type === "reply") { accept(m, null); }
      else if (m.type === "error") { renderEntry({ role: "note", text: m.detail || t("error") }, false); }
    };
    socket.onclose = function () { stopVoice(); };
    navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true } }).then(function (media) {
      if (!voice) { media.getTracks().forEach(function (tr) { tr.stop(); }); return; }
      var context = new AudioContext({ sampleRate: 16000 });
      var source = context.createMediaStreamSource(media);
      var node = context.createScriptProcessor(4096, 1, 1);
      node.onaudioprocess = function (e) {
        if (!voice || socket.readyState !== 1) { return; }
        var input = e.inputBuffer.getChannelData(0);
        var pcm = new Int16Array(input.length);
        for (var i = 0; i < input.length; i++) {
          var v = Math.max(-1, Math.min(1, input[i]));
          pcm[i] = v < 0 ? v * 0x8000 : v * 0x7fff;
        }
        socket.send(pcm.buffer);
      };
      source.connect(node);
      node.connect(context.destination);
      voice.stream = media;
      voice.context = context;
    }).catch(function () {
      renderEntry({ role: "note", text: t("error") }, false);
      stopVoice();
    });
  }

  function stopVoice() {
    if (!voice) { return; }
    var v = voice;
    voice = null;
    ui.mic.setAttribute("aria-pressed", "false");
    ui.input.placeholder = t("placeholder");
    if (v.socket.readyState === 1) { v.socket.send(JSON.stringify({ type: "end" })); }
    setTimeout(function () { if (v.socket.readyState <= 1) { v.socket.close(); } }, 3000);
    if (v.stream) { v.stream.getTracks().forEach(function (tr) { tr.stop(); }); }
    if (v.context) { v.context.close(); }
  }

  function connectIdle() {
    if (data.idle !== "true" || !window.WebSocket) { return; }
    var url = server.replace(/^http/, "ws") + "/v1/ws?channel=" + encodeURIComponent(channel);
    var socket;
    var delay = 1000;
    function open() {
      socket = new WebSocket(url);
      socket.onopen = function () {
        delay = 1000;
        socket.send(JSON.stringify({ type: "hello", session_id: state.sessionId, lang: state.lang, channel: channel }));
      };
      socket.onmessage = function (msg) {
        var m;
        try { m = JSON.parse(msg.data); } catch (e) { return; }
        if (m.type === "announcement") {
          renderEntry({ role: "note", text: (m.messages && m.messages[0] && m.messages[0].text) || "" }, false);
        } else if (m.type === "session_expired" && m.session_id === state.sessionId) {
          reset();
          renderEntry({ role: "note", text: t("expired") }, false);
        }
      };
      socket.onclose = function () { setTimeout(open, delay); delay = Math.min(delay * 2, 30000); };
    }
    open();
    api.socket = function () { return socket; };
  }

  var api = {
    root: null,
    server: server,
    send: function (text) { return send(text); },
    sendEvent: function (event, shown) { return send(null, shown, event); },
    reset: reset,
    idle: idle,
    setLang: setLang,
    state: state,
    onMicrophone: typeof window.daobanMicrophone === "function" ? window.daobanMicrophone : null,
    refresh: function () { updateMic(); }
  };
  window.DaobanWidget = api;

  function start() {
    build();
    api.root = ui.root;
    renderAll();
    connectIdle();
    ["keydown", "pointerdown"].forEach(function (name) { ui.root.addEventListener(name, touch); });
    touch();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
