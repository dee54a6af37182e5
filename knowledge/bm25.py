"""BM25 over a precomputed sparse table: bm25s builds the table once; answering a query needs numpy only.

The per-token document scores bm25s computes at indexing are kept (in the cache) and summed for a query exactly
as `bm25s.BM25.get_scores` sums them, so scores are bit-identical without importing bm25s and scipy at start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Bm25Table:
    vocab: dict[str, int]
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    num_docs: int
    dtype: str
    int_dtype: str
    nonoccurrence: np.ndarray | None = None

    @classmethod
    def build(cls, corpus: list[list[str]], k1: float = 1.2, b: float = 0.6) -> Bm25Table:
        import bm25s

        model = bm25s.BM25(k1=k1, b=b)
        model.index(corpus, show_progress=False)
        s = model.scores
        return cls(dict(model.vocab_dict), s["data"], s["indices"], s["indptr"], int(s["num_docs"]),
                   str(np.dtype(model.dtype)), str(np.dtype(model.int_dtype)), model.nonoccurrence_array)

    def get_scores(self, tokens: list[str]) -> np.ndarray:
        """Score every document for the query tokens; tokens the corpus never had add nothing."""
        vocab = self.vocab
        ids = np.asarray([vocab[t] for t in tokens if t in vocab], dtype=np.dtype(self.int_dtype))
        if int(ids.max(initial=0)) >= len(self.indptr) - 1:
            raise ValueError("query token id outside the index")
        starts = self.indptr[ids]
        ends = self.indptr[ids + 1]
        scores = np.zeros(self.num_docs, dtype=np.dtype(self.dtype))
        for start, end in zip(starts, ends, strict=True):
            np.add.at(scores, self.indices[start:end], self.data[start:end])
        if self.nonoccurrence is not None:
            scores += self.nonoccurrence[ids].sum()
        return scores

    def consistent(self) -> bool:
        """Shapes that fit together: a cache file that unpickles to anything else is rebuilt."""
        return (isinstance(self.vocab, dict) and self.indptr.ndim == 1 and len(self.indptr) >= 1
                and self.data.shape == self.indices.shape and int(self.indptr[-1]) == len(self.data)
                and (len(self.indices) == 0 or int(self.indices.max()) < self.num_docs))
