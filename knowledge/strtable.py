"""A read-only str → int hash table in one memory-mapped file.

Large Python dicts of short strings (jieba's 500,000-entry dictionary, the encoder's 250,000 sentencepiece
prefixes) cost 60–100 bytes an entry of private memory and a second or so to build at every start. Here the
same mapping lives in a file that is mapped, not read: a start costs a checksum, the pages a process touches
are shared with every other process that maps the file, and a lookup is a CRC-32 and a byte comparison.

Layout (native byte order, checked on open): a 64-byte header, then `slots` (uint32, 0 = empty, else entry + 1,
open addressing with linear probing on crc32(key) & mask), `offsets` (uint32, n + 1, where each key's UTF-8
bytes start in the file), `values` (int64), and the keys' bytes one after another.
"""

from __future__ import annotations

import logging
import mmap
import struct
import zlib
from array import array
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import overload

from knowledge.cache import write_atomic

log = logging.getLogger(__name__)

MAGIC = b"DBSTRTB1"
_HEADER = struct.Struct("<8sIIQQQIq")
_HEADER_SIZE = 64
_ORDER_MARK = 0x01020304
_MAX_FILE = 2**32 - 1
_ABSENT = object()


class CorruptTable(ValueError):
    """The file is not a complete table written by this module."""


def random_access(mm: mmap.mmap) -> None:
    """Tell the kernel a mapping is read at random, so a lookup does not read ahead the pages after it."""
    if hasattr(mm, "madvise") and hasattr(mmap, "MADV_RANDOM"):
        mm.madvise(mmap.MADV_RANDOM)


def _encode(key: str) -> bytes:
    return key.encode("utf-8", "surrogatepass")


def _pad8(n: int) -> int:
    return (n + 7) & ~7


def write_table(path: Path, items: Iterable[tuple[str, int]], meta: int = 0) -> None:
    """Write `items` (keys unique, in the order `StringTable.key_at` will return them) to `path`; `meta` is one
    number the writer keeps beside them (jieba's frequency total)."""
    keys: list[bytes] = []
    values = array("q")
    for key, value in items:
        keys.append(_encode(key))
        values.append(value)
    n = len(keys)
    n_slots = 1 << max(4, (2 * n - 1).bit_length())
    mask = n_slots - 1
    slots = array("I", bytes(4 * n_slots))
    for e, b in enumerate(keys):
        i = zlib.crc32(b) & mask
        while slots[i]:
            i = (i + 1) & mask
        slots[i] = e + 1
    blob_start = _HEADER_SIZE + 4 * n_slots + _pad8(4 * (n + 1)) + 8 * n
    offsets = array("I")
    pos = blob_start
    for b in keys:
        offsets.append(pos)
        pos += len(b)
    offsets.append(pos)
    if pos > _MAX_FILE:
        raise ValueError("string table over 4 GiB")
    body = bytearray(slots.tobytes())
    body += offsets.tobytes().ljust(_pad8(4 * (n + 1)), b"\0")
    body += values.tobytes()
    for b in keys:
        body += b
    header = _HEADER.pack(MAGIC, 1, _ORDER_MARK, n, n_slots, len(body), zlib.crc32(body), meta)
    with path.open("wb") as fh:
        fh.write(header.ljust(_HEADER_SIZE, b"\0"))
        fh.write(body)


class _Lookup:
    """`in` and `[]` for a string → int table that has `get` (jieba's FREQ is used as such a mapping)."""

    def get(self, key: str, default: int | None = None) -> int | None:
        raise NotImplementedError

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __getitem__(self, key: str) -> int:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value


class StringTable(_Lookup):
    """Mapping-like view of a table file: `get`, `in`, `[]`, `len`, and `key_at(i)` in the written order."""

    __slots__ = ("_mask", "_mm", "_n", "_offsets", "_slots", "_values", "meta")

    def __init__(self, path: Path) -> None:
        with path.open("rb") as fh:
            head = fh.read(_HEADER_SIZE)
            if len(head) < _HEADER_SIZE:
                raise CorruptTable(f"{path}: truncated header")
            magic, version, order, n, n_slots, body_len, crc, meta = _HEADER.unpack_from(head)
            if magic != MAGIC or version != 1 or order != _ORDER_MARK:
                raise CorruptTable(f"{path}: not a string table of this version and byte order")
            if n_slots & (n_slots - 1) or n_slots < 2 * n:
                raise CorruptTable(f"{path}: bad slot count")
            running = 0
            read = 0
            while chunk := fh.read(1 << 20):
                running = zlib.crc32(chunk, running)
                read += len(chunk)
            if read != body_len or running != crc:
                raise CorruptTable(f"{path}: checksum or length mismatch")
            self._mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        random_access(self._mm)
        view = memoryview(self._mm)
        pos = _HEADER_SIZE
        self._slots = view[pos : pos + 4 * n_slots].cast("I")
        pos += 4 * n_slots
        self._offsets = view[pos : pos + 4 * (n + 1)].cast("I")
        pos += _pad8(4 * (n + 1))
        self._values = view[pos : pos + 8 * n].cast("q")
        self._n = n
        self._mask = n_slots - 1
        self.meta: int = meta

    def get(self, key: str, default: int | None = None) -> int | None:
        b = _encode(key)
        slots, offsets, mm, mask = self._slots, self._offsets, self._mm, self._mask
        i = zlib.crc32(b) & mask
        while e := slots[i]:
            e -= 1
            if mm[offsets[e] : offsets[e + 1]] == b:
                return int(self._values[e])
            i = (i + 1) & mask
        return default

    def __len__(self) -> int:
        return self._n

    def key_at(self, i: int) -> str:
        if not 0 <= i < self._n:
            raise IndexError(i)
        return bytes(self._mm[self._offsets[i] : self._offsets[i + 1]]).decode("utf-8", "surrogatepass")


class KeyList(Sequence[str]):
    """The first `n` keys of a table as a read-only list (the pieces of a tokenizer, by id)."""

    def __init__(self, table: StringTable, n: int) -> None:
        self._table = table
        self._n = n

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self._table.key_at(j) for j in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return self._table.key_at(i)


class OverlayTable(_Lookup):
    """A table plus a small in-memory dict for words added at run time (jieba's `add_word`)."""

    __slots__ = ("_extra", "_last", "_table")

    def __init__(self, table: StringTable) -> None:
        self._table = table
        self._extra: dict[str, int] = {}
        self._last: tuple[str, int | None] = ("", None)
        """jieba asks `w in FREQ` and then `FREQ[w]`: the second lookup reuses the first."""

    def get(self, key: str, default: int | None = None) -> int | None:
        last = self._last
        if last[0] == key and last[1] is not None:
            return last[1]
        value = self._extra.get(key, _ABSENT)
        found = self._table.get(key) if value is _ABSENT else value
        self._last = (key, found)  # type: ignore[assignment]
        return default if found is None else found  # type: ignore[return-value]

    def __setitem__(self, key: str, value: int) -> None:
        self._extra[key] = value
        self._last = ("", None)

    def add_words(self, words: Iterable[str], value: int) -> None:
        """What jieba's `add_word(w, value)` does to the mapping for each word, at once: every word gets `value`,
        every prefix of a word that is not yet a key gets 0."""
        unique = set(words)
        extra, table = self._extra, self._table
        for prefix in {w[:k] for w in unique for k in range(1, len(w))} - unique:
            if prefix not in extra and table.get(prefix) is None:
                extra[prefix] = 0
        for word in unique:
            extra[word] = value
        self._last = ("", None)

    def __len__(self) -> int:
        return len(self._table) + sum(1 for k in self._extra if self._table.get(k) is None)


def open_table(path: Path) -> StringTable | None:
    """The table at `path`, or None when it is missing or unreadable (to be built again)."""
    if not path.exists():
        return None
    try:
        return StringTable(path)
    except (CorruptTable, OSError, ValueError) as exc:
        log.warning("cache file %s unreadable (%s); rebuilding", path, exc)
        return None


def build_table(path: Path, mapping: Mapping[str, int], meta: int = 0,
                order: Iterable[str] | None = None) -> StringTable | None:
    """Write `mapping` to `path` (keys in `order` first, then the rest), open it and check that every key reads
    back its value; None when the cache cannot be written or does not read back."""
    first = list(order) if order is not None else []
    head = set(first)
    items = [(k, mapping[k]) for k in first] + [(k, v) for k, v in mapping.items() if k not in head]
    if not write_atomic(path, lambda tmp: write_table(tmp, items, meta)):
        return None
    table = open_table(path)
    if table is None or len(table) != len(items) or any(table.get(k) != v for k, v in items):
        log.warning("cache file %s does not read back; not used", path)
        return None
    return table
