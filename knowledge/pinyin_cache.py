"""pypinyin's dictionaries from the cache, with equal readings stored once.

pypinyin decodes its 47,000-phrase JSON at import into some 600,000 separate lists and strings (35 MB, 0.12 s),
and its 42,000-character JSON into a dict it then re-keys one entry at a time. The same dictionaries, pickled
(every repeated reading such as ["chóng"] or ["qìng"] shared), load in milliseconds into a fraction of the memory.
Installed as `pypinyin.phrases_dict` and `pypinyin.pinyin_dict` before pypinyin is first imported, they give
pypinyin — for every user in the process — exactly the phrases and readings it ships with, so polyphones (重庆,
银行) read as before. pypinyin copies a reading before handing it out, so sharing is safe.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from knowledge.cache import cached_pickle, content_key, file_stamp

FORMAT = "1"


def _package() -> Path | None:
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def shared_readings(phrases: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
    """The same mapping, with equal syllable lists (and equal reading lists) one object each."""
    syllables: dict[tuple[str, ...], list[str]] = {}
    readings: dict[tuple[tuple[str, ...], ...], list[list[str]]] = {}
    out: dict[str, list[list[str]]] = {}
    for phrase, reading in phrases.items():
        key = tuple(tuple(s) for s in reading)
        shared = readings.get(key)
        if shared is None:
            shared = [syllables.setdefault(k, list(k)) for k in key]
            readings[key] = shared
        out[phrase] = shared
    return out


def _phrases(source: Path) -> dict[str, list[list[str]]]:
    with source.open(encoding="utf-8") as fh:
        return shared_readings(json.load(fh))


def _characters(source: Path) -> dict[int, str]:
    with source.open(encoding="utf-8") as fh:
        return {int(k): v for k, v in json.load(fh).items()}


DICTIONARIES: dict[str, tuple[str, Callable[[Path], dict[Any, Any]]]] = {
    "phrases_dict": ("phrases_dict.json", _phrases),
    "pinyin_dict": ("pinyin_dict.json", _characters),
}
"""pypinyin module (and the dict it holds, of the same name) → its JSON file and how pypinyin reads it."""


def data_files() -> list[Path]:
    """pypinyin's dictionary files (none when pypinyin is not installed)."""
    package = _package()
    return [package / source for source, _ in DICTIONARIES.values()] if package is not None else []


def install_pinyin(cache_dir: Path | None) -> bool:
    """Make the next import of pypinyin take its dictionaries from `cache_dir`; False when pypinyin is already
    imported (then it keeps its own), when phrases are switched off (PYPINYIN_NO_PHRASES) or there is no cache."""
    if cache_dir is None or "pypinyin" in sys.modules or os.environ.get("PYPINYIN_NO_PHRASES"):
        return False
    package = _package()
    if package is None or not all((package / source).exists() for source, _ in DICTIONARIES.values()):
        return False
    modules = {}
    for name, (source, read) in DICTIONARIES.items():
        path = package / source
        key = content_key(FORMAT, name, file_stamp([path]))
        data = cached_pickle(cache_dir / f"pinyin-{name}-{key}.pkl", lambda p=path, r=read: r(p),  # type: ignore[misc]
                             check=lambda v: isinstance(v, dict) and len(v) > 0)
        module = types.ModuleType(f"pypinyin.{name}", f"pypinyin's {source}, read by daoban from its cache")
        setattr(module, name, data)
        module.__file__ = str(path)
        modules[module.__name__] = module
    sys.modules.update(modules)
    return True
