"""Kiosk flows: client events, the citizen's answer to the step a flow waits at, and anything else said meanwhile
(answered, then the step is asked again)."""

from __future__ import annotations

from typing import Any

from bot.policy.commands import greet
from bot.policy.respond import Context, apply_flow, failure, reprompt, say, simulated, start_flow
from bot.turn import Turn, new_state
from bot.understand.lang import pick
from bot.understand.understanding import Understanding


def event(ctx: Context, turn: Turn, ev: dict[str, Any]) -> None:
    kind = str(ev.get("type") or "")
    fs = turn.state.get("flow")
    if kind == "open":
        if fs:
            apply_flow(ctx, turn, ctx.runner.render(fs, turn.lang, with_actions=False), fs)
        else:
            greet(ctx, turn)
        return
    if kind == "idle":
        say(ctx, turn, "idle_cleared")
        turn.wipe = True
        turn.reply.ended = True
        return
    if kind == "person_approached":
        lang = turn.lang
        turn.state.clear()
        turn.state.update(new_state(turn.reply.session_id, turn.channel, lang))
        greet(ctx, turn)
        return
    if kind == "no_input":
        failure(ctx, turn, None, "no_input")
        return
    if kind == "start_flow":
        start_flow(ctx, turn, str(ev.get("flow") or ""), ev.get("item"))
        return
    if fs is None:
        say(ctx, turn, "nothing_to_cancel")
        return
    step = ctx.runner.current(fs)
    if turn.simulate and step.kind == "ask" and step.event == kind and step.event_slot not in ev:
        for action in ctx.runner.render(fs, turn.lang).actions:
            answer = ctx.simulator.answer(action)
            if answer and answer.get("type") == kind:
                ev = {**answer, **ev}
                note = simulated(ctx, turn, ev)
                if note:
                    turn.reply.messages.append(note)
                break
    out = ctx.runner.handle_event(fs, ev, turn.lang)
    if out is None:
        say(ctx, turn, "unexpected_event")
        out = ctx.runner.render(fs, turn.lang, with_actions=False)
    elif not out.invalid:
        turn.state["fails"] = 0
    apply_flow(ctx, turn, out, fs)


def flow_input(ctx: Context, turn: Turn, u: Understanding) -> None:
    """The step took the text (on a copy while classifying): keep that state and say what the flow says next."""
    assert u.flow_state is not None and u.flow_out is not None
    fs = u.flow_state
    turn.state["flow"] = fs
    out = u.flow_out
    if out.invalid:
        fails = int(turn.state.get("fails", 0)) + 1
        if fails >= ctx.config.handoff_after:
            turn.reply.messages += out.messages[:1]
            failure(ctx, turn, u.text, None)
            return
        turn.state["fails"] = fails
        if fails >= ctx.config.help_after:
            turn.reply.messages += out.messages[:1]
            apply_flow(ctx, turn, ctx.runner.help(fs, turn.lang), fs)
            return
    else:
        turn.state["fails"] = 0
    apply_flow(ctx, turn, out, fs)


def resume(ctx: Context, turn: Turn) -> None:
    """After answering something else inside a flow: say the flow goes on and ask its step again."""
    fs = turn.state["flow"]
    flow = ctx.runner.flow_of(fs)
    say(ctx, turn, "flow_resume", flow_title=pick(flow.title.as_dict(), turn.lang))
    reprompt(ctx, turn, fs)
    turn.state["fails"] = 0
