"""The knowledge engine: load the base once, answer a question with an item, an aspect and a calibrated decision."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any

from knowledge.answer import compose
from knowledge.aspects import AspectDetector
from knowledge.cache import default_cache_dir
from knowledge.documents import item_doc, oos_doc
from knowledge.encoders import Encoder, make_encoder
from knowledge.english import EnglishTerms, is_english
from knowledge.index import Candidate, Ranking, SearchIndex, Weights
from knowledge.kb_cache import load_base
from knowledge.loader import KnowledgeBaseError, default_data_dir, load
from knowledge.normalize import InvalidQuery, check_query
from knowledge.offered import read_rows, referral_groups
from knowledge.schema import GuideItem, OutOfScopeGroup, SiteProfile


@dataclass(frozen=True)
class Thresholds:
    """Decline when the best item is weak on both signals, or when an out-of-scope group wins clearly."""

    min_dense: float = 0.45
    min_coverage: float = 0.67
    min_score: float = 0.5
    oos_margin: float = -0.05
    """Negative: an out-of-scope group that comes within this distance of the best item already wins."""
    refuse_margin: float = 0.0
    """A refusal group must beat the best item outright (other groups win within oos_margin): refusal groups match
    by topic, so a lawful question on the same topic stays close to them."""
    named_min_len: int = 3
    """An out-of-scope keyword of at least this many characters, longer than any item phrase in the question,
    declines the question outright."""


@dataclass
class Answer:
    item_id: str | None
    title: str | None
    field: str | None
    answer: str
    speech: str
    score: float
    handoff: bool
    alternatives: list[str] = dataclass_field(default_factory=list)
    declined: str | None = None
    """None when answered; else 'department', 'refuse', 'chitchat' or 'low_confidence'."""
    redirect: str | None = None
    """The out-of-scope group that matched, when the question belongs to another department."""
    hotline: str | None = None
    """That group's number for the citizen to call (12333, 95598, …), when it has one."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class KnowledgeEngine:
    def __init__(self, items: list[GuideItem], site: SiteProfile, out_of_scope: list[OutOfScopeGroup],
                 aspects: AspectDetector, encoder: Encoder | None, cache_dir: Path | None = None,
                 weights: Weights | None = None, thresholds: Thresholds | None = None,
                 english: EnglishTerms | None = None) -> None:
        self.english = english or EnglishTerms({})
        self.items = {i.id: i for i in items}
        self.site = site
        self.out_of_scope = {g.id: g for g in out_of_scope}
        self.aspects = aspects
        self.thresholds = thresholds or Thresholds()
        docs = [item_doc(i) for i in items] + [oos_doc(g) for g in out_of_scope]
        self.index = SearchIndex(docs, encoder, cache_dir=cache_dir, weights=weights)
        self.aspects.protect({p for d in docs if not d.out_of_scope for p in d.phrases})

    @classmethod
    def load(cls, data_dir: Path | None = None, encoder: str | None = None, cache_dir: Path | None = None,
             weights: Weights | None = None, thresholds: Thresholds | None = None) -> KnowledgeEngine:
        """Validate and index the base; raises KnowledgeBaseError listing every problem if it does not validate.
        Items the site profile lists as `not_offered` are not answered: one out-of-scope group refers them."""
        root = data_dir or default_data_dir()
        cache = cache_dir if cache_dir is not None else default_cache_dir()
        result = load_base(root, cache)
        if not result.ok or result.site is None:
            raise KnowledgeBaseError(result.problems)
        aspects = AspectDetector.from_file(root / "aspects.yaml")
        spec = encoder if encoder is not None else os.environ.get("DAOBAN_ENCODER")
        items, groups = result.items, result.out_of_scope
        if result.site.not_offered:
            withheld = set(result.site.not_offered)
            items = [i for i in result.items if i.id not in withheld]
            known = {i.id: i for i in result.items if i.id in withheld}
            if known.keys() != withheld and root != default_data_dir():
                known = {i.id: i for i in load(default_data_dir()).items if i.id in withheld} | known
            groups = [*groups, *referral_groups(result.site, known, read_rows(root / "catalogue.csv"))]
        return cls(items, result.site, groups, aspects, make_encoder(spec, cache_dir=cache), cache_dir=cache,
                   weights=weights, thresholds=thresholds, english=EnglishTerms.from_file(root / "en_terms.yaml"))

    def vocabulary(self) -> list[str]:
        """Names, aliases and keywords: phrase hints for speech recognition."""
        words: dict[str, None] = {}
        for item in self.items.values():
            for w in (item.name, *item.aliases, *item.keywords):
                words.setdefault(w, None)
        return list(words)

    def rank(self, text: str, k: int = 10) -> Ranking:
        if is_english(text):
            return self.index.search(self.english.expand(text), k=k, foreign=True)
        core = self.aspects.strip(text)
        return self.index.search(core if self.index.names_an_item(core) else text, k=k)

    def detect_aspect(self, question: str) -> str | None:
        return self.aspects.detect(question)

    def _decide(self, ranking: Ranking, refuse: bool = True) -> tuple[Candidate | None, OutOfScopeGroup | None]:
        """(item candidate to answer with, out-of-scope group to redirect to); both None means low confidence.
        With refuse=False the refusal groups are left out (the caller knows the need is lawful)."""
        items = [c for c in ranking.candidates if not c.out_of_scope]
        oos = [c for c in ranking.candidates if c.out_of_scope
               and (refuse or self.out_of_scope[c.id].kind != "refuse")]
        best = items[0] if items else None
        t = self.thresholds
        named = ranking.named_out_of_scope
        if named is not None and not refuse and self.out_of_scope[named].kind == "refuse":
            named = None
        if named is not None and len(self._longest_keyword(named, ranking.query)) >= t.named_min_len:
            return None, self.out_of_scope[named]
        if oos:
            group = self.out_of_scope[oos[0].id]
            margin = t.refuse_margin if group.kind == "refuse" else t.oos_margin
            if best is None or oos[0].score > best.score + margin:
                return None, group
        if best is None:
            return None, None
        confident = best.score >= t.min_score and (best.dense >= t.min_dense or ranking.coverage >= t.min_coverage)
        return (best if confident else None), None

    def _longest_keyword(self, group_id: str, query: str) -> str:
        return max((k for k in self.out_of_scope[group_id].keywords if k in query), key=len, default="")

    def ask(self, text: str, aspect: str | None = None, refuse: bool = True) -> Answer:
        """Answer one question. Raises InvalidQuery for empty, junk or over-long text."""
        question = check_query(text)
        ranking = self.rank(question)
        best, group = self._decide(ranking, refuse)
        item_ids = [c.id for c in ranking.candidates if not c.out_of_scope]
        if best is None:
            return self._decline(ranking, group, item_ids[:3])
        item = self.items[best.id]
        field_ = aspect or self.detect_aspect(question)
        composed = compose(item, field_, self.site)
        return Answer(item.id, item.name, field_, composed.screen, composed.speech, round(best.score, 4), False,
                      [i for i in item_ids[1:4]])

    def answer_item(self, item_id: str, aspect: str | None = None) -> Answer:
        """Answer about a known item (a follow-up such as 那要多少钱 on the item in focus)."""
        item = self.items[item_id]
        composed = compose(item, aspect, self.site)
        return Answer(item.id, item.name, aspect, composed.screen, composed.speech, 1.0, False, [])

    def _decline(self, ranking: Ranking, group: OutOfScopeGroup | None, near: list[str]) -> Answer:
        top = ranking.top
        score = round(top.score, 4) if top else 0.0
        if group is not None:
            text = group.reply
            if group.kind == "department":
                text += f"\n如需帮助，可到{self.site.handover}。"
            return Answer(None, None, None, text, group.reply, score, True, [], declined=group.kind,
                          redirect=group.name, hotline=group.hotline)
        text = ("抱歉，我没有找到与您的问题对应的公安办事指南。您可以换个说法再问一次，"
                f"或到{self.site.handover}。")
        speech = "抱歉，我没有找到对应的办事指南。您可以换个说法，或者找工作人员帮忙。"
        return Answer(None, None, None, text, speech, score, True, near, declined="low_confidence")


__all__ = ["Answer", "InvalidQuery", "KnowledgeBaseError", "KnowledgeEngine", "Thresholds"]
