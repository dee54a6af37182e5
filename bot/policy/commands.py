"""Steering commands: repeat, slower, cancel, back, restart, human, help, start, guide — inside a flow or not."""

from __future__ import annotations

from bot.policy.respond import Context, apply_flow, button, flow_buttons, handoff, say, start_flow
from bot.turn import Button, Message, Turn
from bot.understand.lang import pick, render
from bot.understand.understanding import Understanding


def command(ctx: Context, turn: Turn, u: Understanding) -> None:
    name = u.command or ""
    if name == "slower":
        turn.state["rate"] = "slow"
        turn.reply.speech_rate = "slow"
    fs = turn.state.get("flow")
    if fs:
        _in_flow(ctx, turn, name, u.text or "")
    else:
        _free(ctx, turn, name, u.text or "")


def _in_flow(ctx: Context, turn: Turn, name: str, text: str) -> None:
    fs = turn.state["flow"]
    lang = turn.lang
    if name == "human":
        handoff(ctx, turn, "handoff_request", text, "handoff_request")
        turn.reply.flow, turn.reply.step = fs["name"], fs["step"]
        return
    if name == "restart":
        start_flow(ctx, turn, fs["name"], fs.get("item"))
        return
    handlers = {"cancel": ctx.runner.cancel, "back": ctx.runner.back, "help": ctx.runner.help}
    apply_flow(ctx, turn, handlers.get(name, ctx.runner.repeat)(fs, lang), fs)


def _free(ctx: Context, turn: Turn, name: str, text: str) -> None:
    lang = turn.lang
    focus = turn.state.get("focus") or {}
    if name == "help":
        say(ctx, turn, "help_general")
        turn.reply.buttons = [*flow_buttons(ctx, lang)[:4], button(ctx, "button_human", lang)]
    elif name == "human":
        handoff(ctx, turn, "handoff_request", turn.state.get("last_question") or text, "handoff_request")
    elif name in ("repeat", "slower"):
        _repeat(ctx, turn, name)
    elif name in ("cancel", "back"):
        say(ctx, turn, "nothing_to_cancel")
    elif name == "restart":
        turn.state["focus"] = None
        greet(ctx, turn)
    elif name == "start":
        _start_focus(ctx, turn, focus.get("item"))
    elif name == "guide":
        _guide(ctx, turn, focus.get("item"))


def _repeat(ctx: Context, turn: Turn, name: str) -> None:
    last = turn.state.get("last")
    if last and last.get("messages"):
        turn.reply.messages += [Message(t, s) for t, s in last["messages"]]
        turn.reply.buttons = [Button(t, p) for t, p in last.get("buttons", [])]
        turn.reply.item_id = last.get("item_id")
    elif name == "slower":
        say(ctx, turn, "slower_nothing")
    else:
        greet(ctx, turn)


def _start_focus(ctx: Context, turn: Turn, item_id: str | None) -> None:
    """"现在办" after an answer: the flow of the item just answered, or where to go when it has no kiosk flow."""
    lang = turn.lang
    item = ctx.engine.items.get(item_id or "")
    flow = ctx.flow_for(item_id)
    if item is not None and flow is not None:
        say(ctx, turn, "flow_started", flow_title=pick(ctx.runner.flows[flow].title.as_dict(), lang))
        start_flow(ctx, turn, flow, item.id)
    elif item is not None:
        where = "；".join(ctx.presenter.present(ctx.engine.answer_item(item.id, "location"), item, lang,
                                               turn.channel, False).card["where"])  # type: ignore[index]
        say(ctx, turn, "flow_not_available", title=render(item.name, lang), where=where)
        turn.reply.item_id = item.id
    else:
        say(ctx, turn, "no_focus_start")
        turn.reply.buttons = flow_buttons(ctx, lang)


def _guide(ctx: Context, turn: Turn, item_id: str | None) -> None:
    item = ctx.engine.items.get(item_id or "")
    target = ctx.presenter.robot_target(item) if item else None
    if item is not None and target:
        place = ctx.presenter.present(ctx.engine.answer_item(item.id, "location"), item, turn.lang,
                                      turn.channel, False).card["where"][0]  # type: ignore[index]
        say(ctx, turn, "guide_to", place=place)
        turn.reply.actions.append({"type": "robot", "go_to": target})
    else:
        say(ctx, turn, "guide_no_place")


def greet(ctx: Context, turn: Turn) -> None:
    say(ctx, turn, "greeting")
    turn.reply.buttons = [*flow_buttons(ctx, turn.lang)[:6], button(ctx, "button_human", turn.lang)]
