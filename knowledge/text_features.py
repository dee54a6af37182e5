"""Tokenisers for the lexical and pinyin rankers: jieba words, character bigrams, pinyin syllable bigrams."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jieba

from knowledge.cache import content_key, file_stamp
from knowledge.pinyin_cache import data_files, install_pinyin
from knowledge.strtable import OverlayTable, build_table, open_table

jieba.setLogLevel(60)

_JIEBA = jieba.Tokenizer()
"""daoban's own segmenter, so the dictionary it maps and the words it learns touch no other user of jieba."""
_DICTIONARY_FORMAT = "1"
_DOMAIN_FREQ = 20000


def _load_stopwords() -> frozenset[str]:
    text = (resources.files("knowledge") / "data" / "stopwords.txt").read_text(encoding="utf-8")
    return frozenset(w for line in text.splitlines() if (w := line.strip()) and not w.startswith("#"))


STOPWORDS = _load_stopwords()


def _dictionary_file() -> Path:
    return Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME)


def map_dictionary(cache_dir: Path | None) -> bool:
    """Segment with jieba's full dictionary read from a memory-mapped table in `cache_dir` (built there on first
    use) instead of jieba's in-memory dict: the same words and frequencies, so the same words out, without 60 MB
    of private memory and 0.7 s at every start. Acts only before the first segmentation; False when jieba keeps
    (or will load) its own dict."""
    if cache_dir is None or _JIEBA.initialized:
        return False
    source = _dictionary_file()
    path = cache_dir / f"jieba-{content_key(_DICTIONARY_FORMAT, jieba.__version__, file_stamp([source]))}.table"
    with _JIEBA.lock:
        if _JIEBA.initialized:
            return False
        table = open_table(path)
        if table is None:
            with source.open("rb") as fh:
                freq, total = _JIEBA.gen_pfdict(fh)
            table = build_table(path, freq, meta=total)
            if table is None:
                _JIEBA.FREQ, _JIEBA.total, _JIEBA.initialized = freq, total, True
                return False
        _JIEBA.FREQ = OverlayTable(table)
        _JIEBA.total = table.meta
        _JIEBA.initialized = True
    return True


def prepare(cache_dir: Path | None) -> None:
    """Load jieba's dictionary and pypinyin now, from `cache_dir` where it holds them (or can be given them), so
    that the first question pays for neither."""
    map_dictionary(cache_dir)
    install_pinyin(cache_dir)
    _syllables("预热")


def add_vocabulary(words: Iterable[str]) -> None:
    """Teach jieba the domain's multi-character terms so they are not split (e.g. 临时身份证, 交管12123)."""
    added = [w for w in words if 2 <= len(w) <= 12]
    if isinstance(_JIEBA.FREQ, OverlayTable):
        with _JIEBA.lock:
            _JIEBA.FREQ.add_words(added, _DOMAIN_FREQ)
            _JIEBA.total += _DOMAIN_FREQ * len(added)
    else:
        for word in added:
            _JIEBA.add_word(word, freq=_DOMAIN_FREQ)
    _words.cache_clear()


def segmenter_stamp() -> str:
    """What the words of a text depend on besides the text: jieba's version and dictionary, pypinyin's data."""
    pinyin = [p for p in data_files() if p.exists()]
    return f"jieba {jieba.__version__} {file_stamp([_dictionary_file()])}; pypinyin {file_stamp(pinyin)}"


def char_bigrams(text: str) -> list[str]:
    if len(text) < 2:
        return [text] if text else []
    return [text[i : i + 2] for i in range(len(text) - 1)]


@lru_cache(maxsize=2048)
def _words(text: str) -> tuple[str, ...]:
    return tuple(w for w in _JIEBA.lcut_for_search(text) if w.strip() and w not in STOPWORDS)


def words(text: str) -> list[str]:
    return list(_words(text))


def lexical_tokens(text: str) -> list[str]:
    """Words plus character bigrams: words carry meaning, bigrams survive segmentation and typing errors."""
    return words(text) + ["§" + b for b in char_bigrams(text)]


@lru_cache(maxsize=8192)
def _syllables(text: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(text, style=Style.NORMAL, errors="ignore"))


def pinyin_tokens(text: str) -> list[str]:
    """Toneless syllable bigrams, so homophones from speech recognition (身分证, 签住, 驾找) still meet their item."""
    syl = [s for s in _syllables(text) if s.isalpha()]
    return [syl[i] + "_" + syl[i + 1] for i in range(len(syl) - 1)] + syl
