"""Where daoban writes at run time: $DAOBAN_DATA_DIR, else ./var."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    return Path(os.environ.get("DAOBAN_DATA_DIR") or "var")


def package_data() -> Path:
    """The bot's own data files (flows, prompts, term tables)."""
    return Path(__file__).resolve().parent / "data"
