"""Structured JSON logs, one object per line, with ID numbers, phones and plates masked."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from bot.records.privacy import mask_pii

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "taskName"}


def _mask_fields(value: Any, mask: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: _mask_fields(v, mask) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_fields(v, mask) for v in value]
    return value


class JsonFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__()
        self.mask = mask_pii

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(record.created)) + f".{int(record.msecs):03d}",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": self.mask(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = _mask_fields(value, self.mask)
        if record.exc_info:
            entry["exc"] = self.mask(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class MaskingTextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.mask = mask_pii

    def format(self, record: logging.LogRecord) -> str:
        return self.mask(super().format(record))


def setup_logging(level: str = "INFO", json_lines: bool = True) -> None:
    """Route daoban's, uvicorn's and FastAPI's loggers through one masking handler on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else MaskingTextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "fastapi"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
