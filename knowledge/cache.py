"""The on-disk cache: files named by a hash of what they were built from, written atomically, rebuilt when unreadable.

A file whose name matches but whose content cannot be read back — truncated, overwritten, from another version,
or failing its checksum (pickles and string tables carry one) — is built again and replaced, never trusted:
`load` raising any exception counts as a miss. Files of numbers that are mapped or read in place (the faiss
vectors, the encoder's embedding table) are checked for their header, shape and size, not summed at every start.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar, cast

T = TypeVar("T")

log = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    """$DAOBAN_CACHE_DIR, else $XDG_CACHE_HOME/daoban, else ~/.cache/daoban."""
    base = os.environ.get("DAOBAN_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "daoban"
    )
    return Path(base)


def content_key(*parts: str | bytes, length: int = 16) -> str:
    """A short hex digest of the parts, each one delimited so that ("ab", "c") and ("a", "bc") differ."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()[:length]


def file_stamp(paths: Iterable[str | os.PathLike[str]]) -> str:
    """Name, size and modification time of installed files: a cheap key for data shipped inside a package."""
    out = []
    for p in paths:
        st = os.stat(p)
        out.append(f"{os.path.basename(p)}:{st.st_size}:{st.st_mtime_ns}")
    return ";".join(out)


def write_atomic(path: Path, write: Callable[[Path], None]) -> bool:
    """Write through a temporary file in the same folder and rename it into place; False if the disk refused."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        tmp.replace(path)
        return True
    except OSError as exc:
        log.warning("cache file %s not written: %s", path, exc)
        tmp.unlink(missing_ok=True)
        return False


def cached(path: Path | None, load: Callable[[Path], T], build: Callable[[], T],
           save: Callable[[Path, T], None], keep: Callable[[T], bool] | None = None) -> T:
    """`load(path)` if it exists and reads back; else `build()`, `save` it to `path` (unless `keep` says not to),
    and return it."""
    if path is not None and path.exists():
        try:
            return load(path)
        except Exception as exc:  # any failure to read a cache file means: build it again
            log.warning("cache file %s unreadable (%s: %s); rebuilding", path, type(exc).__name__, exc)
    value = build()
    if path is not None and (keep is None or keep(value)):
        write_atomic(path, lambda tmp: save(tmp, value))
    return value


_PICKLE_MAGIC = b"DBPKL1\0\0"


def read_pickle(path: Path) -> object:
    """A pickle written by `save_pickle`: its length and CRC-32 must match before it is unpickled."""
    data = path.read_bytes()
    if len(data) < 20 or data[:8] != _PICKLE_MAGIC:
        raise ValueError("not a cache pickle")
    crc, length = int.from_bytes(data[8:12], "little"), int.from_bytes(data[12:20], "little")
    body = memoryview(data)[20:]
    if len(body) != length or zlib.crc32(body) != crc:
        raise ValueError("checksum or length mismatch")
    return pickle.loads(body)


def save_pickle(path: Path, value: object) -> None:
    body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    with path.open("wb") as fh:
        fh.write(_PICKLE_MAGIC + zlib.crc32(body).to_bytes(4, "little") + len(body).to_bytes(8, "little"))
        fh.write(body)


def cached_pickle(path: Path | None, build: Callable[[], T], check: Callable[[T], bool] | None = None,
                  keep: Callable[[T], bool] | None = None) -> T:
    """A pickled value; `check` rejects a file that unpickles to something of the wrong shape, `keep` a built value
    not worth keeping."""

    def load(p: Path) -> T:
        value = cast(T, read_pickle(p))
        if check is not None and not check(value):
            raise ValueError("unexpected content")
        return value

    return cached(path, load, build, save_pickle, keep)
