"""The `X-Assistant-Signature` scheme, shared by the sender, the doctor and receivers' tests.

`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with ASSISTANT_WEBHOOK_SECRET>`.
The timestamp is signed with the body, so a receiver that refuses old timestamps also refuses
a replayed request; `v1` names the scheme so a second one can be added beside it later.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Assistant-Signature"
TIMESTAMP_HEADER = "X-Assistant-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# How far a receiver should let the timestamp be from its own clock (docs/delivery.md).
DEFAULT_TOLERANCE = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `"<timestamp>.<body>"`."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Assistant-Signature` value for `body` sent at `timestamp`."""
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify(
    secret: str, header: str, body: bytes, *, now: float, tolerance: int = DEFAULT_TOLERANCE
) -> bool:
    """Whether `header` signs `body` with `secret` and its timestamp is within `tolerance`
    seconds of `now` (what a receiver does; the reference for docs/delivery.md)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return hmac.compare_digest(expected, parts.get("v1", ""))
