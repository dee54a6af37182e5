"""Turns that get no guide answer: refusals that hold, other bodies' business with their hotline, small talk, and
the social turns a receptionist answers (greeting, thanks, goodbye, who are you, where the toilet is)."""

from __future__ import annotations

from bot.policy.respond import Context, emergency_first, log_unanswered, say
from bot.turn import Button, Message, Turn
from bot.understand.lang import render
from bot.understand.understanding import Understanding
from knowledge.offered import NOT_OFFERED_NAME


def refuse(ctx: Context, turn: Turn, u: Understanding) -> None:
    """Refused with the reason and the lawful route; the session keeps its context."""
    emergency_first(ctx, turn, u.text)
    if u.refusal is not None:
        screen, speech = ctx.refusals.reply(u.refusal.category, turn.lang)
        turn.reply.messages.append(Message(screen, speech))
        reason = f"refuse:{u.refusal.category}"
    else:
        assert u.answer is not None
        _engine_reply(ctx, turn, u)
        reason = "refuse"
    log_unanswered(ctx, turn, u.text or "", reason)


def department(ctx: Context, turn: Turn, u: Understanding) -> None:
    """Another body's business: which body, its hotline, and where to ask here if still unsure."""
    assert u.answer is not None
    emergency_first(ctx, turn, u.text)
    _engine_reply(ctx, turn, u)
    turn.reply.redirect = u.answer.redirect
    turn.reply.handoff = True
    log_unanswered(ctx, turn, u.text or "", "department")


def chitchat(ctx: Context, turn: Turn, u: Understanding) -> None:
    """Declined kindly, with what the assistant can do instead."""
    if u.chitchat is not None:
        screen, speech = ctx.smalltalk.reply(u.chitchat, turn.lang)
        turn.reply.messages.append(Message(screen, speech))
        return
    assert u.answer is not None
    if turn.lang == "en":
        say(ctx, turn, "chitchat")
    else:
        _engine_reply(ctx, turn, u)


def social(ctx: Context, turn: Turn, u: Understanding) -> None:
    assert u.social is not None
    screen, speech, quick = ctx.social.reply(u.social, turn.lang, ctx.engine.site)
    turn.reply.messages.append(Message(screen, speech))
    if quick and not turn.state.get("flow"):
        turn.reply.buttons = [Button(title, title) for title in quick]
    if u.social.act == "goodbye" and not turn.state.get("flow") and turn.channel in ctx.config.wipe_on_complete:
        turn.wipe = True
        turn.reply.ended = True


def _engine_reply(ctx: Context, turn: Turn, u: Understanding) -> None:
    assert u.answer is not None
    if turn.lang == "en":
        hotline = getattr(u.answer, "hotline", None)
        if u.answer.declined == "refuse":
            say(ctx, turn, "refusal_generic")
        elif u.answer.redirect == NOT_OFFERED_NAME:
            say(ctx, turn, "handoff")
        elif hotline:
            say(ctx, turn, "department_hotline", hotline=hotline)
        else:
            say(ctx, turn, "department_phone")
        return
    turn.reply.messages.append(Message(render(u.answer.answer, turn.lang), render(u.answer.speech, turn.lang)))
    if u.answer.declined in ("department", "refuse"):
        say(ctx, turn, "department_phone")
