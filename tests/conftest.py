from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.engine import KnowledgeEngine

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeEngine:
    """The real packaged knowledge base with the default encoder, loaded once for the whole run."""
    return KnowledgeEngine.load(cache_dir=tmp_path_factory.mktemp("cache"))
