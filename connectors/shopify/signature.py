"""Shopify webhook signatures: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw
body, keyed with the app's API secret key (client secret)."""

from __future__ import annotations

import base64
import hashlib
import hmac


def sign(secret: str, body: bytes) -> str:
    """The header value Shopify sends for `body` (tests and local tooling)."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether `signature` signs `body`; constant-time, never raises, empty never passes."""
    if not secret or not signature or not signature.isascii():
        return False
    return hmac.compare_digest(sign(secret, body), signature.strip())
