"""Hybrid search over guide items and out-of-scope groups: BM25 on words and bigrams, pinyin BM25, dense vectors."""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

import bm25s
import faiss
import numpy as np

from knowledge.encoders import Encoder
from knowledge.normalize import normalize
from knowledge.schema import GuideItem, OutOfScopeGroup
from knowledge.text_features import add_vocabulary, lexical_tokens, pinyin_tokens, words


@dataclass(frozen=True)
class Doc:
    """One rankable target: a guide item or an out-of-scope group."""

    id: str
    title: str
    fields: tuple[tuple[str, int], ...]
    """(text, repeat) pairs: a field repeated n times weighs n times in BM25."""
    entries: tuple[str, ...]
    """Short texts embedded one by one for the dense ranker (name, aliases, examples)."""
    phrases: tuple[str, ...] = ()
    """Names, aliases and keywords: found verbatim in a question, they are strong evidence."""
    out_of_scope: bool = False
    prior: float = 0.0
    """Small boost for everyday services (those with a self-service machine in the hall)."""
    foreigners: bool = False
    """A service for foreign nationals: ranked lower unless the question says it comes from one."""


def item_doc(item: GuideItem) -> Doc:
    fields = [(item.name, 3), *((a, 2) for a in item.aliases), *((k, 2) for k in item.keywords),
              *((e, 1) for e in item.examples), (item.summary, 1)]
    entries = (item.name, *item.aliases, *item.examples, item.summary)
    phrases = (item.name, *item.aliases, *item.keywords)
    prior = 1.0 if item.channels.kiosk or item.flow else 0.0
    return Doc(item.id, item.name, tuple(fields), tuple(dict.fromkeys(entries)), _phrases(phrases), prior=prior,
               foreigners=item.name.startswith("外国人"))


def oos_doc(group: OutOfScopeGroup) -> Doc:
    fields = [*((k, 2) for k in group.keywords), *((e, 1) for e in group.examples)]
    return Doc(group.id, group.name, tuple(fields), tuple(dict.fromkeys(group.examples)), _phrases(group.keywords),
               out_of_scope=True)


def _phrases(texts: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(sorted({normalize(t) for t in texts if len(normalize(t)) >= 2}, key=len, reverse=True))


T = TypeVar("T")
FOREIGN_CUES = ("外国", "老外", "外籍", "国外来的", "foreign", "foreigner", "expat")


@dataclass(frozen=True)
class Weights:
    """Fusion weights, chosen by a grid search on the development questions (docs/retrieval.md)."""

    lexical: float = 0.2
    pinyin: float = 0.1
    dense: float = 0.7
    phrase: float = 0.1
    prior: float = 0.03
    foreigners: float = 0.1


@dataclass(frozen=True)
class Candidate:
    id: str
    score: float
    lexical: float
    pinyin: float
    dense: float
    out_of_scope: bool


@dataclass(frozen=True)
class Ranking:
    query: str
    candidates: tuple[Candidate, ...]
    coverage: float
    """Share of the question's content words found in the best candidate's text (0..1)."""
    named_out_of_scope: str | None = None
    """An out-of-scope group whose keyword is in the question and longer than any item phrase found there
    (医保卡 beats 补办): the question names something another department handles."""

    @property
    def top(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def _bm25(corpus: list[list[str]]) -> bm25s.BM25:
    model = bm25s.BM25(k1=1.2, b=0.6)
    model.index(corpus, show_progress=False)
    return model


def _scaled(scores: np.ndarray, floor: float) -> np.ndarray:
    top = float(scores.max()) if scores.size else 0.0
    return scores / max(top, floor)


TOKENIZER_VERSION = "1"


def _corpus_key(docs: list[Doc]) -> str:
    h = hashlib.sha256(TOKENIZER_VERSION.encode())
    for d in docs:
        h.update(d.id.encode())
        for text, n in d.fields:
            h.update(f"{n}\x1f{text}\x1e".encode())
    return h.hexdigest()[:16]


def _tokenize(docs: list[Doc]) -> dict[str, list[list[str]]]:
    """Lexical and pinyin token lists per doc (a field repeated n times weighs n times) and each doc's vocabulary."""
    lexical, pinyin, vocab = [], [], []
    for d in docs:
        lex_doc: list[str] = []
        pin_doc: list[str] = []
        seen: set[str] = set()
        for text, n in d.fields:
            norm = normalize(text)
            lex_doc += lexical_tokens(norm) * n
            pin_doc += pinyin_tokens(norm) * n
            seen |= set(words(norm)) | set(norm)
        lexical.append(lex_doc)
        pinyin.append(pin_doc)
        vocab.append(sorted(seen))
    return {"lexical": lexical, "pinyin": pinyin, "vocab": vocab}


def _cached(cache_dir: Path | None, kind: str, key: str, build: Callable[[], T]) -> T:
    """Build once and keep the result as a pickle under cache_dir, named by content hash."""
    path = cache_dir / f"{kind}-{key}.pkl" if cache_dir else None
    if path is not None and path.exists():
        try:
            with path.open("rb") as fh:
                return cast(T, pickle.load(fh))
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            pass
    value = build()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(path)
        except OSError:
            pass
    return value


class SearchIndex:
    """Built once at start-up (seconds for 326 items); dense vectors are cached on disk by content hash."""

    def __init__(self, docs: list[Doc], encoder: Encoder | None, cache_dir: Path | None = None,
                 weights: Weights | None = None) -> None:
        self.docs = docs
        self.encoder = encoder
        self.weights = weights or Weights()
        add_vocabulary(t for d in docs for t, _ in d.fields if len(t) <= 12)
        corpora = _cached(cache_dir, "tokens", _corpus_key(docs), lambda: _tokenize(docs))
        self._vocab = [set(v) for v in corpora["vocab"]]
        self._lexical = _bm25(corpora["lexical"])
        self._pinyin = _bm25(corpora["pinyin"])
        self._prior = np.array([d.prior for d in docs], dtype=np.float32)
        self._oos_mask = np.array([d.out_of_scope for d in docs], dtype=bool)
        self._foreign = np.array([d.foreigners for d in docs], dtype=np.float32)
        self._dense: faiss.Index | None = None
        self._entry_doc = np.array([i for i, d in enumerate(docs) for _ in d.entries], dtype=np.int64)
        if encoder is not None:
            vectors = self._entry_vectors(encoder, [normalize(e) for d in docs for e in d.entries], cache_dir)
            self._dense = faiss.IndexFlatIP(vectors.shape[1])
            self._dense.add(vectors)

    @staticmethod
    def _entry_vectors(encoder: Encoder, entries: list[str], cache_dir: Path | None) -> np.ndarray:
        digest = hashlib.sha256(("\n".join([encoder.name, *entries])).encode()).hexdigest()[:16]
        safe_name = encoder.name.replace("/", "_").replace(":", "_")
        path = cache_dir / f"dense-{safe_name}-{digest}.npy" if cache_dir else None
        if path is not None and path.exists():
            try:
                cached = np.load(path)
                if cached.shape[0] == len(entries):
                    return np.ascontiguousarray(cached, dtype=np.float32)
            except (OSError, ValueError):
                pass
        vectors = np.ascontiguousarray(encoder.encode_passages(entries), dtype=np.float32)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
                np.save(tmp, vectors)
                tmp.replace(path)
            except OSError:
                pass
        return vectors

    def dense_scores(self, query: str) -> np.ndarray:
        scores = np.zeros(len(self.docs), dtype=np.float32)
        if self._dense is None or self.encoder is None:
            return scores
        q = np.ascontiguousarray(self.encoder.encode_queries([query]), dtype=np.float32)
        k = min(64, self._dense.ntotal)
        sims, idx = self._dense.search(q, k)
        for sim, entry in zip(sims[0], idx[0], strict=True):
            if entry < 0:
                continue
            doc = self._entry_doc[entry]
            scores[doc] = max(scores[doc], sim)
        return scores

    def phrase_lengths(self, query: str) -> np.ndarray:
        """Length of the longest name/alias/keyword of each doc found verbatim in the question."""
        lengths = np.zeros(len(self.docs), dtype=np.float32)
        for i, doc in enumerate(self.docs):
            for phrase in doc.phrases:
                if phrase in query:
                    lengths[i] = len(phrase)
                    break
        return lengths

    def names_an_item(self, normalized: str) -> bool:
        """True when some item's name, alias or keyword appears verbatim in the text."""
        return bool((np.where(self._oos_mask, 0, self.phrase_lengths(normalized)) > 0).any())

    def search(self, text: str, k: int = 10, foreign: bool | None = None) -> Ranking:
        """Rank every doc for `text`. `foreign`: the asker is a foreign national (None: guess from the text)."""
        query = normalize(text)
        if foreign is None:
            foreign = any(cue in query for cue in FOREIGN_CUES)
        lex_tokens = lexical_tokens(query)
        lex = _scaled(np.asarray(self._lexical.get_scores(lex_tokens)), 1.0) if lex_tokens else np.zeros(len(self.docs))
        py_tokens = pinyin_tokens(query)
        pin = _scaled(np.asarray(self._pinyin.get_scores(py_tokens)), 1.0) if py_tokens else np.zeros(len(self.docs))
        dense = self.dense_scores(query)
        lengths = self.phrase_lengths(query)
        phrase = np.minimum(lengths, 4) / 4
        w = self.weights
        if self._dense is None:
            total = (w.lexical * lex + w.pinyin * pin) / max(w.lexical + w.pinyin, 1e-9)
        else:
            total = w.lexical * lex + w.pinyin * pin + w.dense * dense
        total = total + w.phrase * phrase + w.prior * self._prior
        if not foreign:
            total = total - w.foreigners * self._foreign
        order = np.argsort(-total)[:k]
        candidates = tuple(
            Candidate(self.docs[i].id, float(total[i]), float(lex[i]), float(pin[i]), float(dense[i]),
                      self.docs[i].out_of_scope)
            for i in order
        )
        coverage = self._coverage(query, int(order[0])) if len(order) else 0.0
        oos_len = np.where(self._oos_mask, lengths, 0)
        item_len = np.where(self._oos_mask, 0, lengths)
        named = self.docs[int(oos_len.argmax())].id if oos_len.max() > item_len.max() else None
        return Ranking(query, candidates, coverage, named)

    def _coverage(self, query: str, doc: int) -> float:
        content = [w for w in words(query) if len(w) > 1] or [c for c in query if c.strip()]
        if not content:
            return 0.0
        vocab = self._vocab[doc]
        return sum(1 for w in content if w in vocab or all(c in vocab for c in w)) / len(content)
