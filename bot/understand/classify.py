"""What kind of turn is this: the one place every front end's text or event is classified.

The checks run in this fixed order; the first that holds decides:

1. client event — an event object, or a button payload '/name{json}'; no text and no event opens the session
2. bad input    — empty, junk or over-long text
3. command      — the whole utterance steers the dialogue (repeat, slower, cancel, back, restart, human, help,
                  start, guide), clause by clause: "没听清楚，再讲一次" is one repeat
4. refusal      — another person's data or other users' data, an informant's identity, falsified records,
                  forged or bought documents, someone else's ID, hiding from a warrant, evading enforcement,
                  someone else taking points, illegal favours (data/understand/refusals.yaml), before anything
                  could answer it
5. flow input   — a flow waits and the text is a valid answer to its step (tried on a copy of the flow state)
6. social       — the whole utterance is a greeting, thanks, goodbye, who/what are you, or where a facility is
7. small talk   — insults, new "instructions" for the assistant, spam, remarks about the hall (chit-chat)
8. follow-up    — only an aspect and fillers ("要带什么资料"), with an item in focus
9. vague        — nothing but generic words ("我要办个证", "那个东西"): clarify with choices
10. the engine's verdict, computed once for the text: refuse, another department, chit-chat
11. switch      — "不是这个，我问的是…": another item than the one in focus
12. follow-up   — a short question that names an aspect and no item of its own, asked about the item in focus;
                  "那护照呢" asks the aspect in focus about another item
13. question    — the engine found an item (every aspect the question names is answered)
14. clarify     — an aspect without an item and nothing in focus, or nothing found with confidence
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Any

from bot.flow.runner import FlowRunner, FlowState
from bot.turn import State, TurnKind
from bot.understand.commands import looks_like_question
from bot.understand.followup import FollowUps
from bot.understand.lang import detect
from bot.understand.rules import Rules
from bot.understand.understanding import Understanding
from knowledge.aspects import split_clauses
from knowledge.engine import Answer, KnowledgeEngine
from knowledge.normalize import InvalidQuery, check_query, normalize


class Understander:
    def __init__(self, engine: KnowledgeEngine, rules: Rules, followups: FollowUps,
                 runner: FlowRunner | None = None, answer_cache: int = 2048) -> None:
        self.engine = engine
        self.rules = rules
        self.followups = followups
        self.runner = runner
        self._cache_size = answer_cache
        self._answers: OrderedDict[str, Answer] = OrderedDict()

    def classify(self, text: str | None, state: State | None = None, event: dict[str, Any] | None = None,
                 lang: str | None = None) -> Understanding:
        """What kind of turn `text` (or `event`) is in a session with `state`; see the module docstring."""
        state = state or {}
        first = self.rules.before_flow(text, event)
        if first is not None:
            return first
        assert isinstance(text, str)
        clean = check_query(text)
        fs = state.get("flow")
        if fs and self.runner is not None and fs.get("name") in self.runner.flows:
            flow_input = self._flow_input(fs, clean, lang or str(state.get("lang") or "zh-Hans"))
            if flow_input is not None:
                return flow_input
        return self.rules.after_flow(clean) or self._question(clean, state, fs)

    def _flow_input(self, fs: FlowState, text: str, lang: str) -> Understanding | None:
        assert self.runner is not None
        trial: FlowState = copy.deepcopy(fs)
        rest = self.rules.commands.correction(text)
        out = self.runner.correct(trial, rest, lang) if rest else None
        if out is None:
            out = self.runner.handle_text(trial, text, lang)
        if out is None:
            out = self.runner.restated_choice(trial, text, lang)
        if out is None:
            return None
        return Understanding(TurnKind.FLOW_INPUT, text=text, flow_state=trial, flow_out=out)

    def _question(self, text: str, state: State, fs: FlowState | None) -> Understanding:
        query = self.rules.social.strip_social(text) or text
        normalized = normalize(query)
        english = detect(text) == "en"
        aspect = self.followups.english_aspect(query) if english else self.followups.aspect_followup(normalized)
        if fs and not aspect and not (looks_like_question(text) or len(normalized) >= 6):
            return Understanding(TurnKind.CLARIFY, text=text, unclear="not_understood")
        focus = (fs or {}).get("item") if fs else (state.get("focus") or {}).get("item")
        focus = focus if focus in self.engine.items else None
        if aspect and focus and not self.followups.residue(normalized):
            aspects = self._aspects(query, aspect)
            return Understanding(TurnKind.FOLLOWUP, text=text, answer=self.engine.answer_item(focus, aspects[0]),
                                 aspects=aspects)
        if not aspect and self.followups.vague(normalized):
            return Understanding(TurnKind.CLARIFY, text=text, answer=self.ask(query), unclear="vague")
        verdict = self.ask(query)
        if verdict.declined == "refuse" and self.rules.lawful_need(query):
            verdict = self.ask(query, refuse=False)
        if verdict.declined in ("refuse", "department", "chitchat"):
            kind = {"refuse": TurnKind.REFUSAL, "department": TurnKind.DEPARTMENT,
                    "chitchat": TurnKind.CHITCHAT}[verdict.declined]
            return Understanding(kind, text=text, answer=verdict)
        if not english:
            switched = self.followups.switch(normalized)
            if switched is not None:
                return self._switch(text, switched, focus, state)
        if aspect and focus:
            aspects = self._aspects(query, aspect)
            return Understanding(TurnKind.FOLLOWUP, text=text, answer=self.engine.answer_item(focus, aspects[0]),
                                 aspects=aspects)
        if aspect and (verdict.declined is not None or not self._names_something(normalized)):
            return Understanding(TurnKind.CLARIFY, text=text, answer=verdict, unclear="aspect_only")
        focus_aspect = (state.get("focus") or {}).get("aspect")
        if focus and focus_aspect and not fs:
            other = self.followups.about_other(query)
            if other:
                answer = self.ask(other, aspect=focus_aspect)
                if not answer.declined:
                    return Understanding(TurnKind.QUESTION, text=text, answer=answer, aspects=[focus_aspect])
        if focus and verdict.item_id != focus and self._about_focus(normalized):
            aspects = self._aspects(query, aspect or self.engine.aspects.detect(query))
            return Understanding(TurnKind.FOLLOWUP, text=text, aspects=aspects,
                                 answer=self.engine.answer_item(focus, aspects[0] if aspects else None))
        if verdict.declined is None:
            aspects = self._aspects(query, verdict.field)
            return Understanding(TurnKind.QUESTION, text=text, answer=verdict, aspects=aspects,
                                 more=self._second_item(query, verdict, aspects))
        return Understanding(TurnKind.CLARIFY, text=text, answer=verdict, unclear="low_confidence")

    def _about_focus(self, normalized: str) -> bool:
        """A short question that names no item of its own ("孩子得亲自来不", "要学好久哦"): about the item in focus."""
        return len(normalized) <= _SHORT_FOLLOWUP and not self.followups.names_item(normalized)

    def _names_something(self, normalized: str) -> bool:
        """More than an aspect and fillers: "居主证要住满多久" (a misheard item name), "这里晚上几点关门"."""
        if self.followups.vague(normalized):
            return False
        return len(self.followups.residue(normalized)) >= 2 or len(normalized) > 6

    def _second_item(self, query: str, verdict: Answer, aspects: list[str]) -> list[Answer]:
        """A second item, when two clauses each name a different document as a need of their own: the second says
        也/还 or follows 还有/另外/以及/顺便, or both clauses ask an aspect ("补办身份证多少钱，护照要多久")."""
        named = [(c, d) for c in split_clauses(query) if (d := self.followups.document(normalize(c)))]
        if len({d for _, d in named}) < 2:
            return []
        first, second = named[0][0], next(c for c, d in named[1:] if d != named[0][1])
        parallel = self.followups.also(second) or self.followups.joined(query) or (
            self.engine.aspects.detect(first) is not None and self.engine.aspects.detect(second) is not None)
        if not parallel:
            return []
        answers = [self.ask(first), self.ask(second)]
        ids: list[str] = [a.item_id for a in answers
                          if a.item_id and a.declined is None and a.score >= _SECOND_ITEM_SCORE]
        if len(ids) < 2 or ids[0] == ids[1] or verdict.item_id not in ids:
            return []
        other = ids[1] if ids[0] == verdict.item_id else ids[0]
        clause = second if other == ids[1] else first
        aspect = self.engine.aspects.detect(clause) or (aspects[0] if aspects else None)
        return [self.engine.answer_item(other, aspect)]

    def _aspects(self, text: str, first: str | None) -> list[str]:
        found = self.engine.aspects.detect_all(text)
        if first and first not in found:
            found.insert(0, first)
        return found

    def _switch(self, text: str, rest: str, focus: str | None, state: State) -> Understanding:
        """'不是这个，我问的是换领': the best other item for the rest of the sentence, read with the item in focus."""
        focus_state = state.get("focus") or {}
        if not rest:
            alts = [a for a in focus_state.get("alts") or [] if a in self.engine.items]
            return Understanding(TurnKind.CLARIFY, text=text, switch_choices=alts, unclear="switch")
        queries = [rest] + ([self.engine.items[focus].name + rest] if focus else [])
        best: tuple[float, str] | None = None
        for query in queries:
            try:
                ranking = self.engine.rank(query, k=5)
            except InvalidQuery:
                continue
            for cand in ranking.candidates:
                if cand.out_of_scope or cand.id == focus:
                    continue
                if best is None or cand.score > best[0]:
                    best = (cand.score, cand.id)
                break
        if best is None or best[0] < self.engine.thresholds.min_score:
            answer = self.ask(rest)
            if answer.declined is None:
                return Understanding(TurnKind.QUESTION, text=text, answer=answer)
            return Understanding(TurnKind.CLARIFY, text=text, answer=answer, unclear="low_confidence")
        aspect = focus_state.get("aspect") or self.followups.aspect(rest)
        return Understanding(TurnKind.QUESTION, text=text, answer=self.engine.answer_item(best[1], aspect))

    def ask(self, query: str, aspect: str | None = None, refuse: bool = True) -> Answer:
        """The engine's verdict on a question; repeated questions come from a bounded cache."""
        key = f"{aspect or ''}\x00{refuse}\x00{query}"
        cached = self._answers.get(key)
        if cached is not None:
            self._answers.move_to_end(key)
            return cached
        try:
            answer = self.engine.ask(query, aspect=aspect, refuse=refuse)
        except InvalidQuery:
            answer = Answer(None, None, None, "", "", 0.0, True, [], declined="low_confidence")
        if self._cache_size > 0:
            self._answers[key] = answer
            if len(self._answers) > self._cache_size:
                self._answers.popitem(last=False)
        return answer


_SECOND_ITEM_SCORE = 0.6
_SHORT_FOLLOWUP = 8
