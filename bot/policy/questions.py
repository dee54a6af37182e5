"""Questions about guide items: answer every aspect asked, follow-ups on the item in focus, asking back when unsure."""

from __future__ import annotations

from bot.policy.respond import Context, button, emergency_first, failure, log_unanswered, say, start_flow
from bot.records.privacy import mask_pii
from bot.turn import Button, Turn
from bot.understand.lang import pick, render
from bot.understand.understanding import Understanding


def answer(ctx: Context, turn: Turn, u: Understanding, in_flow: bool = False) -> None:
    """A question or a follow-up the engine answered: every aspect asked, or the item's flow when asked to start."""
    assert u.answer is not None and u.answer.item_id is not None
    text = u.text or ""
    if not in_flow:
        turn.state["last_question"] = mask_pii(text)
    item = ctx.engine.items[u.answer.item_id]
    flow = ctx.flow_for(item.id)
    has_flow = flow is not None
    if flow is not None and not in_flow and ctx.commands.wants_to_start(text):
        say(ctx, turn, "flow_started", flow_title=pick(ctx.runner.flows[flow].title.as_dict(), turn.lang))
        start_flow(ctx, turn, flow, item.id)
        return
    answers = [u.answer] + [ctx.engine.answer_item(item.id, a) for a in u.aspects[1:] if a != u.answer.field]
    emergency_first(ctx, turn, text)
    r = turn.reply
    for i, one in enumerate(answers):
        view = ctx.presenter.present(one, item, turn.lang, turn.channel, has_flow and not in_flow and i == 0)
        r.messages += view.messages
        if i == 0:
            r.card = view.card
            r.item_id, r.item_title, r.field = item.id, view.item_title, one.field
            r.actions += view.actions
            buttons = view.buttons
    for other in u.more:
        assert other.item_id is not None
        extra = ctx.engine.items[other.item_id]
        view = ctx.presenter.present(other, extra, turn.lang, turn.channel, False)
        r.messages += view.messages
    if not in_flow:
        r.buttons = buttons
        turn.state["focus"] = {"item": item.id, "aspect": u.answer.field, "alts": u.answer.alternatives[:3]}
        turn.state["fails"] = 0


def clarify(ctx: Context, turn: Turn, u: Understanding) -> None:
    """Nothing answered with confidence: ask which one, offer the near items once, then help, then a person."""
    lang = turn.lang
    text = u.text or ""
    if u.unclear == "switch":
        say(ctx, turn, "switch_ask")
        turn.reply.buttons = [Button(render(ctx.engine.items[a].name, lang), ctx.engine.items[a].name)
                              for a in u.switch_choices]
        return
    if u.unclear == "aspect_only":
        say(ctx, turn, "followup_no_focus")
        return
    if u.unclear == "vague":
        say(ctx, turn, "clarify_vague")
        guesses = ([u.answer.item_id] if u.answer is not None and u.answer.item_id else []) + \
            (u.answer.alternatives if u.answer is not None else [])
        turn.reply.buttons = [Button(render(ctx.engine.items[a].name, lang), ctx.engine.items[a].name)
                              for a in dict.fromkeys(guesses) if a in ctx.engine.items][:4]
        turn.reply.buttons.append(button(ctx, "button_human", lang))
        return
    if u.unclear == "not_understood":
        failure(ctx, turn, text, "not_understood")
        return
    log_unanswered(ctx, turn, text, "low_confidence")
    near = [a for a in (u.answer.alternatives if u.answer is not None else []) if a in ctx.engine.items]
    fails = int(turn.state.get("fails", 0)) + 1
    if fails == 1 and near and not turn.state.get("flow"):
        turn.state["fails"] = fails
        say(ctx, turn, "low_confidence")
        turn.reply.buttons = [Button(render(ctx.engine.items[a].name, lang), ctx.engine.items[a].name)
                              for a in near[:3]]
        turn.reply.buttons.append(button(ctx, "button_human", lang))
        return
    failure(ctx, turn, text, "low_confidence")
