"""Hybrid search over guide items and out-of-scope groups: BM25 on words and bigrams, pinyin BM25, dense vectors."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from knowledge.bm25 import Bm25Table
from knowledge.cache import cached_pickle, content_key, write_atomic
from knowledge.documents import Doc
from knowledge.encoders import Encoder
from knowledge.normalize import normalize
from knowledge.text_features import add_vocabulary, lexical_tokens, pinyin_tokens, prepare, segmenter_stamp, words

log = logging.getLogger(__name__)


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


def _scaled(scores: np.ndarray, floor: float) -> np.ndarray:
    top = float(scores.max()) if scores.size else 0.0
    return scores / max(top, floor)


TOKENIZER_VERSION = "1"
LEXICON_FORMAT = "2"


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


@dataclass(frozen=True)
class Lexicon:
    """What the lexical side keeps after indexing: both BM25 tables and each doc's words and characters."""

    lexical: Bm25Table
    pinyin: Bm25Table
    vocab: tuple[frozenset[str], ...]

    @classmethod
    def build(cls, docs: list[Doc]) -> Lexicon:
        """Equal strings become one object, so the pickle stores each once and a load makes one copy of it."""
        corpora = _tokenize(docs)
        lexical = Bm25Table.build(corpora["lexical"])
        pinyin = Bm25Table.build(corpora["pinyin"])
        shared: dict[str, str] = {}
        for table in (lexical, pinyin):
            for token in table.vocab:
                shared.setdefault(token, token)
        vocab = tuple(frozenset(shared.setdefault(w, w) for w in v) for v in corpora["vocab"])
        return cls(lexical, pinyin, vocab)

    def fits(self, n_docs: int) -> bool:
        return (isinstance(self.lexical, Bm25Table) and isinstance(self.pinyin, Bm25Table)
                and self.lexical.consistent() and self.pinyin.consistent() and len(self.vocab) == n_docs
                and self.lexical.num_docs == n_docs and self.pinyin.num_docs == n_docs)


def _dense_path(cache_dir: Path | None, encoder: Encoder, entries: list[str]) -> Path | None:
    if cache_dir is None:
        return None
    version = str(getattr(encoder, "version", ""))
    digest = hashlib.sha256(("\n".join([encoder.name, version, *entries])).encode()).hexdigest()[:16]
    safe_name = encoder.name.replace("/", "_").replace(":", "_")
    return cache_dir / f"dense-{safe_name}-{digest}.faiss"


class _PhraseTable:
    """Finds which docs' phrases occur in a text by walking each start position through the phrases' prefixes,
    instead of testing every phrase of every doc (0.01 ms a call instead of 0.2 ms)."""

    def __init__(self, docs: list[Doc]) -> None:
        by_phrase: dict[str, list[int]] = {}
        for i, doc in enumerate(docs):
            for phrase in doc.phrases:
                by_phrase.setdefault(phrase, []).append(i)
        self._docs = {p: np.array(ix, dtype=np.intp) for p, ix in by_phrase.items()}
        self._prefixes = frozenset(p[:k] for p in by_phrase for k in range(1, len(p) + 1))
        self._n = len(docs)

    def lengths(self, text: str) -> np.ndarray:
        """Per doc, the length of its longest phrase found in `text` (0 when none is)."""
        found: list[tuple[int, np.ndarray]] = []
        n = len(text)
        prefixes, by_phrase = self._prefixes, self._docs
        for i in range(n):
            j = i + 1
            while j <= n and (sub := text[i:j]) in prefixes:
                docs = by_phrase.get(sub)
                if docs is not None:
                    found.append((j - i, docs))
                j += 1
        out = np.zeros(self._n, dtype=np.float32)
        for length, docs in sorted(found, key=lambda f: f[0]):
            out[docs] = length
        return out


class SearchIndex:
    """Built once at start-up; with a cache folder, what the build produces is kept there by content hash: the BM25
    tables, and the dense vectors as a faiss file that is memory-mapped (one copy, shared by every process)."""

    def __init__(self, docs: list[Doc], encoder: Encoder | None, cache_dir: Path | None = None,
                 weights: Weights | None = None) -> None:
        self.docs = docs
        self.encoder = encoder
        self.weights = weights or Weights()
        prepare(cache_dir)
        add_vocabulary(t for d in docs for t, _ in d.fields if len(t) <= 12)
        key = content_key(LEXICON_FORMAT, _corpus_key(docs), segmenter_stamp())
        lexicon = cached_pickle(cache_dir / f"lexicon-{key}.pkl" if cache_dir else None, lambda: Lexicon.build(docs),
                                check=lambda v: isinstance(v, Lexicon) and v.fits(len(docs)))
        self._vocab = lexicon.vocab
        self._lexical = lexicon.lexical
        self._pinyin = lexicon.pinyin
        self._prior = np.array([d.prior for d in docs], dtype=np.float32)
        self._oos_mask = np.array([d.out_of_scope for d in docs], dtype=bool)
        self._foreign = np.array([d.foreigners for d in docs], dtype=np.float32)
        self._phrases = _PhraseTable(docs)
        self._dense: faiss.Index | None = None
        self._entry_doc = np.array([i for i, d in enumerate(docs) for _ in d.entries], dtype=np.int64)
        if encoder is not None:
            self._dense = self._dense_index(encoder, [normalize(e) for d in docs for e in d.entries], cache_dir)

    @staticmethod
    def _dense_index(encoder: Encoder, entries: list[str], cache_dir: Path | None) -> faiss.Index:
        """Inner-product index of the entries' vectors. From the cache it is mapped, not read: its one copy lives in
        the page cache, shared by every process of the host, and a corrupt file is rebuilt."""

        def load(path: Path) -> faiss.Index:
            index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
            if not isinstance(index, faiss.IndexFlatIP) or index.ntotal != len(entries):
                raise ValueError(f"{index.ntotal} vectors for {len(entries)} entries")
            return index

        path = _dense_path(cache_dir, encoder, entries)
        if path is not None and path.exists():
            try:
                return load(path)
            except Exception as exc:  # any failure to read a cache file means: build it again
                log.warning("cache file %s unreadable (%s); rebuilding", path, exc)
        vectors = np.ascontiguousarray(encoder.encode_passages(entries), dtype=np.float32)
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        del vectors
        if path is not None and write_atomic(path, lambda tmp: faiss.write_index(index, str(tmp))):
            try:
                return load(path)
            except Exception as exc:
                log.warning("cache file %s does not read back (%s); index kept in memory", path, exc)
        return index

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
        return self._phrases.lengths(query)

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
