"""One turn's policy: classify the input once, then hand it to the handler for its kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.flow.validators import SENSITIVE
from bot.policy import declines, flows, questions
from bot.policy.commands import command
from bot.policy.respond import Context, apply_flow, failure, say
from bot.turn import Turn, TurnKind
from bot.understand.classify import Understander
from bot.understand.lang import canonical, detect
from bot.understand.understanding import Understanding

Handler = Callable[[Context, Turn, Understanding], None]
_ANSWERS: dict[TurnKind, Handler] = {
    TurnKind.SOCIAL: declines.social,
    TurnKind.REFUSAL: declines.refuse,
    TurnKind.DEPARTMENT: declines.department,
    TurnKind.CHITCHAT: declines.chitchat,
    TurnKind.QUESTION: questions.answer,
    TurnKind.FOLLOWUP: questions.answer,
}


class Policy:
    def __init__(self, ctx: Context, understander: Understander) -> None:
        self.ctx = ctx
        self.understander = understander

    def run(self, turn: Turn, text: str | None, event: dict[str, Any] | None, lang: str | None,
            restarted: bool) -> Understanding:
        ctx = self.ctx
        fs = turn.state.get("flow")
        if fs and fs.get("name") not in ctx.runner.flows:
            turn.state["flow"] = fs = None
        turn.expected = ctx.runner.render(fs, turn.lang, with_actions=False).expect if fs else None
        self._resolve_lang(turn, text if isinstance(text, str) else None, lang)
        turn.reply.lang = turn.lang
        if restarted:
            say(ctx, turn, "session_restarted")
        u = self.understander.classify(text, turn.state, event, turn.lang)
        turn.text = text if isinstance(text, str) and u.kind is not TurnKind.EVENT else None
        self._handle(turn, u)
        turn.reply.kind = u.label
        if turn.state.get("rate") == "slow":
            turn.reply.speech_rate = "slow"
        turn.state["turns"] = int(turn.state.get("turns", 0)) + 1
        turn.state["last"] = {"messages": [[m.text, m.speech] for m in turn.reply.messages],
                              "buttons": [[b.title, b.payload] for b in turn.reply.buttons],
                              "item_id": turn.reply.item_id}
        return u

    def _handle(self, turn: Turn, u: Understanding) -> None:
        ctx = self.ctx
        in_flow = bool(turn.state.get("flow"))
        if u.kind is TurnKind.EVENT:
            assert u.event is not None
            flows.event(ctx, turn, u.event)
        elif u.kind is TurnKind.BAD_INPUT:
            failure(ctx, turn, None, u.bad_input)
        elif u.kind is TurnKind.COMMAND:
            command(ctx, turn, u)
        elif u.kind is TurnKind.FLOW_INPUT:
            flows.flow_input(ctx, turn, u)
        elif u.kind is TurnKind.CLARIFY:
            if in_flow:
                failure(ctx, turn, u.text, "not_understood")
            else:
                questions.clarify(ctx, turn, u)
        elif in_flow and u.kind is TurnKind.SOCIAL and u.social is not None and u.social.act == "goodbye":
            fs = turn.state["flow"]
            apply_flow(ctx, turn, ctx.runner.cancel(fs, turn.lang), fs)
            declines.social(ctx, turn, u)
        elif in_flow and u.kind in (TurnKind.QUESTION, TurnKind.FOLLOWUP):
            questions.answer(ctx, turn, u, in_flow=True)
            flows.resume(ctx, turn)
        else:
            _ANSWERS[u.kind](ctx, turn, u)
            if in_flow:
                flows.resume(ctx, turn)

    @staticmethod
    def _resolve_lang(turn: Turn, text: str | None, lang: str | None) -> None:
        chosen = canonical(lang)
        if chosen:
            turn.state["lang"] = chosen
        elif text and not text.lstrip().startswith("/"):
            seen = detect(text)
            if seen and not (seen == "en" and turn.expected in SENSITIVE):
                turn.state["lang"] = seen
