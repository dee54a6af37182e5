"""What every handler needs: the loaded parts of the assistant and the small acts of a reply (say a message, offer
buttons, hand over to a person, count a failure, apply what a flow step produced)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.config import AssistantConfig, Backend
from bot.flow.runner import MAX_CHAIN, FlowRunner, FlowState, Output
from bot.flow.simulator import Simulator
from bot.present.answer import AnswerPresenter
from bot.present.english import English
from bot.present.messages import Messages
from bot.records.privacy import mask_pii
from bot.records.unanswered import UnansweredLog
from bot.turn import Button, Message, Turn
from bot.understand.chitchat import SmallTalk
from bot.understand.commands import Commands
from bot.understand.lang import pick, render
from bot.understand.refusal import Refusals
from bot.understand.social import Social
from knowledge.engine import KnowledgeEngine


@dataclass
class Context:
    """The parts loaded once that the policy works with."""

    engine: KnowledgeEngine
    runner: FlowRunner
    msg: Messages
    commands: Commands
    english: English
    social: Social
    refusals: Refusals
    smalltalk: SmallTalk
    unanswered: UnansweredLog
    config: AssistantConfig
    simulator: Simulator
    backend: Backend
    presenter: AnswerPresenter = field(init=False)
    site_values: dict[str, str] = field(init=False)
    help_target: str | None = field(init=False)

    def __post_init__(self) -> None:
        site = self.engine.site
        self.presenter = AnswerPresenter(self.msg, self.english, site)
        help_window = site.windows.get("办不成事")
        self.site_values = {
            "handover": site.handover, "duty_phone": site.duty_phone, "site_name": site.name,
            "help_window": self.english.gloss(help_window.number or help_window.name) if help_window else "front desk",
        }
        self.help_target = help_window.robot_target if help_window else None
        self._flow_of_item = {item: name for name, flow in sorted(self.runner.flows.items()) for item in flow.items}

    def flow_for(self, item_id: str | None) -> str | None:
        """The kiosk flow that carries out an item: its own `flow`, else a flow that lists it among its items."""
        item = self.engine.items.get(item_id or "")
        if item is None:
            return None
        if item.flow and item.flow in self.runner.flows:
            return item.flow
        return self._flow_of_item.get(item.id)


def say(ctx: Context, turn: Turn, key: str, **values: Any) -> None:
    turn.reply.messages.append(ctx.msg.message(key, turn.lang, **{**ctx.site_values, **values}))


def button(ctx: Context, key: str, lang: str) -> Button:
    text = ctx.msg.text(key, lang)
    return Button(text, text)


def flow_buttons(ctx: Context, lang: str) -> list[Button]:
    flows = sorted(ctx.runner.flows.items(), key=lambda kv: (kv[1].menu, kv[0]))
    return [Button(pick(f.title.as_dict(), lang), "/start_flow" + json.dumps({"flow": name}))
            for name, f in flows][:8]


def log_unanswered(ctx: Context, turn: Turn, question: str, reason: str) -> None:
    fs = turn.state.get("flow") or {}
    ctx.unanswered.record(question, reason, str(turn.state["id"]), turn.channel, turn.lang,
                          flow=fs.get("name"), step=fs.get("step"),
                          item_id=(turn.state.get("focus") or {}).get("item"))


def emergency_first(ctx: Context, turn: Turn, text: str | None) -> None:
    """Words that call for 110 put the emergency message before anything else the reply says."""
    if text and ctx.commands.is_emergency(text):
        say(ctx, turn, "emergency")


def handoff(ctx: Context, turn: Turn, key: str, question: str | None, reason: str | None) -> None:
    emergency_first(ctx, turn, question)
    say(ctx, turn, key)
    turn.reply.handoff = True
    if turn.channel == "robot" and ctx.help_target:
        turn.reply.actions.append({"type": "robot", "go_to": ctx.help_target})
    if reason and question:
        log_unanswered(ctx, turn, question, reason)
    turn.state["fails"] = 0
    fs = turn.state.get("flow")
    if fs:
        turn.reply.flow, turn.reply.step = fs["name"], fs["step"]
        turn.reply.buttons = [button(ctx, "button_continue", turn.lang), button(ctx, "button_cancel", turn.lang)]


def failure(ctx: Context, turn: Turn, question: str | None, lead: str | None) -> None:
    """One more no-match / no-input / invalid value in a row: repeat, then offer help, then the human route."""
    fails = int(turn.state.get("fails", 0)) + 1
    turn.state["fails"] = fails
    fs = turn.state.get("flow")
    if fails >= ctx.config.handoff_after:
        handoff(ctx, turn, "handoff_repeated", question or "", "repeated_failure" if question else None)
        return
    if lead:
        say(ctx, turn, lead)
    if fails >= ctx.config.help_after:
        if fs:
            apply_flow(ctx, turn, ctx.runner.help(fs, turn.lang), fs)
        else:
            say(ctx, turn, "offer_help")
            turn.reply.buttons = [*flow_buttons(ctx, turn.lang)[:4], button(ctx, "button_human", turn.lang)]
        return
    if fs:
        reprompt(ctx, turn, fs)


def reprompt(ctx: Context, turn: Turn, fs: FlowState) -> None:
    """Show the step the flow waits at again, keeping what the reply already says about an item."""
    item_id, item_title, card = turn.reply.item_id, turn.reply.item_title, turn.reply.card
    apply_flow(ctx, turn, ctx.runner.render(fs, turn.lang, with_actions=False), fs)
    if item_id:
        turn.reply.item_id, turn.reply.item_title, turn.reply.card = item_id, item_title, card


def start_flow(ctx: Context, turn: Turn, name: str, item_id: str | None = None) -> None:
    if name not in ctx.runner.flows:
        say(ctx, turn, "no_focus_start")
        turn.reply.buttons = flow_buttons(ctx, turn.lang)
        return
    old = turn.state.get("flow")
    flow = ctx.runner.flows[name]
    if old:
        old_title = pick(ctx.runner.flow_of(old).title.as_dict(), turn.lang)
        ctx.runner.mask_all(old)
        say(ctx, turn, "flow_switched", old=old_title, flow_title=pick(flow.title.as_dict(), turn.lang))
    fs, out = ctx.runner.start(name, turn.lang, item_id)
    turn.state["flow"] = fs
    turn.state["fails"] = 0
    apply_flow(ctx, turn, out, fs)


def apply_flow(ctx: Context, turn: Turn, out: Output, fs: FlowState) -> None:
    """Put what a flow step produced into the reply; a finished flow leaves its item in focus."""
    out = _drive(ctx, turn, fs, out)
    r = turn.reply
    r.messages += out.messages
    r.actions += out.actions
    r.buttons = out.buttons
    r.expect = out.expect  # type: ignore[assignment]
    r.wait_event = out.wait_event
    r.step = out.step
    r.progress = out.progress
    r.flow = fs["name"]
    item = ctx.engine.items.get(out.item_id or fs.get("item") or "")
    if item is not None:
        r.item_id = item.id
        r.item_title = ctx.english.title(item) if turn.lang == "en" else render(item.name, turn.lang)
    if out.ended:
        turn.state["flow"] = None
        turn.state["focus"] = {"item": item.id, "aspect": None} if item else None
        if turn.channel in ctx.config.wipe_on_complete:
            turn.wipe = True
            turn.reply.ended = True


def _drive(ctx: Context, turn: Turn, fs: FlowState, out: Output) -> Output:
    """Answer back-end queries in-process and, where simulated, kiosk actions, until the flow waits for a person."""
    for _ in range(MAX_CHAIN):
        progressed = False
        while out.backend and not out.ended:
            event = ctx.backend.answer(out.backend.pop(0))
            if event:
                more = ctx.runner.handle_event(fs, event, turn.lang)
                if more is not None:
                    out.extend(more)
                    progressed = True
        if turn.simulate and not out.ended and fs.get("step"):
            step = ctx.runner.current(fs)
            if step.kind == "action":
                for action in ctx.runner.render(fs, turn.lang).actions:
                    event = ctx.simulator.answer(action)
                    if event and event.get("type") == step.event:
                        note = simulated(ctx, turn, event)
                        if note:
                            out.messages.append(note)
                        more = ctx.runner.handle_event(fs, event, turn.lang)
                        if more is not None:
                            out.extend(more)
                            progressed = True
                        break
        if not progressed:
            break
    return out


def simulated(ctx: Context, turn: Turn, event: dict[str, Any]) -> Message | None:
    """Record an event the simulator produced; the note to show for it, if any."""
    safe = {k: mask_pii(v) if isinstance(v, str) else v for k, v in event.items()}
    turn.reply.simulated.append(safe)
    key = f"sim_{event.get('type')}"
    if key not in ctx.msg:
        return None
    what = ctx.msg.text(key, turn.lang, **{k: v for k, v in safe.items() if k != "type"})
    return ctx.msg.message("simulated", turn.lang, what=what)
