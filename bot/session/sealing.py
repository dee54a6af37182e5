"""Sealed slot values: ID numbers and phones sit in session state encrypted, never as plain digits on disk."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

PREFIX = "sealed:"
_NONCE = 12
_TAG = 10


class Sealer:
    """A stream cipher from SHAKE-256 keyed by a secret, with an HMAC tag; the stdlib only, no extra dependency."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("session key must be at least 16 bytes")
        self._key = hashlib.sha256(key).digest()

    @classmethod
    def random(cls) -> Sealer:
        return cls(secrets.token_bytes(32))

    @classmethod
    def from_file(cls, path: Path) -> Sealer:
        """Read the key, creating it (mode 0600) on first use so that a restarted process can open old sessions."""
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
        return cls(path.read_bytes())

    def _stream(self, nonce: bytes, n: int) -> bytes:
        return hashlib.shake_256(self._key + nonce).digest(n)

    def seal(self, value: str) -> str:
        data = value.encode()
        nonce = secrets.token_bytes(_NONCE)
        body = bytes(a ^ b for a, b in zip(data, self._stream(nonce, len(data)), strict=True))
        tag = hmac.new(self._key, nonce + body, hashlib.sha256).digest()[:_TAG]
        return PREFIX + base64.urlsafe_b64encode(nonce + body + tag).decode()

    def open(self, sealed: str) -> str | None:
        """The value, or None when it was sealed under another key or tampered with."""
        if not sealed.startswith(PREFIX):
            return sealed
        try:
            raw = base64.urlsafe_b64decode(sealed[len(PREFIX):])
        except ValueError:
            return None
        nonce, body, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
        if not hmac.compare_digest(tag, hmac.new(self._key, nonce + body, hashlib.sha256).digest()[:_TAG]):
            return None
        return bytes(a ^ b for a, b in zip(body, self._stream(nonce, len(body)), strict=True)).decode()


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)
