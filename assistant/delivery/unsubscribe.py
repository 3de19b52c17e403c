"""Signed, expiring unsubscribe tokens for email links and one-click (RFC 8058) POSTs.

A token names one customer and one channel and carries its expiry; it is signed with
HMAC-SHA256 under a key derived from `ASSISTANT_SECRET_KEY`, so it cannot be forged or altered
(changing the customer id breaks the signature) and needs no database row. Layout:
`v1.<customer_id>.<channel>.<expires unix seconds>.<base64url signature>`; only URL-safe
characters, so it sits in a path segment as is.

Tokens live 90 days by default: CAN-SPAM requires an unsubscribe link to work for at least 30
days after the mail was sent, and people do open old mail; an expired link's page still says
how to opt out another way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from assistant.config import Settings
from assistant.consent.ledger import Proof

TOKEN_TTL = timedelta(days=90)
_VERSION = "v1"
_CHANNELS = ("email", "sms")
_SHAPE = re.compile(
    r"v1\.(?P<customer>[0-9]{1,19})\.(?P<channel>[a-z]{1,16})\.(?P<exp>[0-9]{1,12})"
)

TokenProblem = Literal["malformed", "bad_signature", "expired"]


class UnsubscribeTokenError(ValueError):
    """A token that must be refused; `problem` says why, in words safe to show the customer."""

    def __init__(self, problem: TokenProblem, message: str) -> None:
        super().__init__(message)
        self.problem: TokenProblem = problem


class SecretKeyMissing(RuntimeError):
    """ASSISTANT_SECRET_KEY is not set, so no unsubscribe link can be made or checked."""


@dataclass(frozen=True)
class UnsubscribeClaim:
    """What a valid token says: this customer opts out of this channel."""

    customer_id: int
    channel: str
    expires_at: datetime


def secret_from(settings: Settings) -> bytes:
    """The signing secret from settings, or `SecretKeyMissing` naming the variable to set."""
    secret = settings.app.secret_key
    if secret is None:
        raise SecretKeyMissing(
            "ASSISTANT_SECRET_KEY is not set: it signs email unsubscribe links "
            "(set 32+ random characters, e.g. `openssl rand -hex 32`)"
        )
    return secret.get_secret_value().encode("utf-8")


def _key(secret: bytes) -> bytes:
    # A key of its own for this purpose, so the secret can sign other things safely later.
    return hmac.new(secret, b"assistant/unsubscribe/v1", hashlib.sha256).digest()


def _sign(secret: bytes, payload: str) -> str:
    digest = hmac.new(_key(secret), payload.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def make_token(
    customer_id: int,
    channel: str,
    *,
    secret: bytes,
    now: datetime | None = None,
    ttl: timedelta = TOKEN_TTL,
) -> str:
    """A token letting `customer_id` opt out of `channel` until `now + ttl`."""
    if channel not in _CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if customer_id < 0:
        raise ValueError("customer_id must not be negative")
    expires = int(((now or datetime.now(UTC)) + ttl).timestamp())
    payload = f"{_VERSION}.{customer_id}.{channel}.{expires}"
    return f"{payload}.{_sign(secret, payload)}"


def verify_token(token: str, *, secret: bytes, now: datetime | None = None) -> UnsubscribeClaim:
    """The claim of a genuine, unexpired token; else `UnsubscribeTokenError`.

    The signature is checked (in constant time) before the expiry, so an altered token is
    reported as tampered even when its expiry also passed.
    """
    payload, _, signature = token.rpartition(".")
    match = _SHAPE.fullmatch(payload)
    if match is None or not signature or len(token) > 200:
        raise UnsubscribeTokenError("malformed", "this unsubscribe link is incomplete or damaged")
    expected = _sign(secret, payload)
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii", "replace")):
        raise UnsubscribeTokenError("bad_signature", "this unsubscribe link is not valid")
    if match["channel"] not in _CHANNELS:
        raise UnsubscribeTokenError("malformed", "this unsubscribe link is incomplete or damaged")
    expires_at = datetime.fromtimestamp(int(match["exp"]), UTC)
    if (now or datetime.now(UTC)) >= expires_at:
        raise UnsubscribeTokenError("expired", "this unsubscribe link has expired")
    return UnsubscribeClaim(int(match["customer"]), match["channel"], expires_at)


def unsubscribe_proof(token: str, claim: UnsubscribeClaim, *, one_click: bool) -> Proof:
    """The ledger's proof of an unsubscribe: the token's id (a hash: the token itself would
    let anyone holding the pack replay it), how it was used and until when it was valid."""
    return Proof(
        wording="one-click unsubscribe" if one_click else "unsubscribe page button",
        evidence={
            "unsubscribe_token_id": hashlib.sha256(token.encode()).hexdigest()[:16],
            "method": "one-click" if one_click else "page",
            "token_expires_at": claim.expires_at.isoformat(),
        },
    )


def unsubscribe_url(public_url: str, token: str) -> str:
    """The page and one-click endpoint for `token` under the service's public base URL."""
    return f"{public_url.rstrip('/')}/unsubscribe/{token}"
