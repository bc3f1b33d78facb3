"""Random bearer tokens, stored only as keyed hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_PREFIX = "assay_"


def new_token() -> str:
    """A fresh API or session token (shown to its owner once, never stored)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str, key: bytes) -> str:
    """HMAC-SHA256 of a token under the server's secret key, as hex."""
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


def display_prefix(token: str) -> str:
    """The first characters of a token, safe to show in lists."""
    return token[: len(TOKEN_PREFIX) + 6]
