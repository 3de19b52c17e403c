"""Who may see the reports page: a review or admin API key, presented per request or once.

A key is presented either as `Authorization: Bearer <key>` (scripts) or once through the
login form, which sets a session cookie. The cookie holds no key: it is
`<base64url JSON>.<base64url HMAC-SHA256>` of the key's id (or, for an `ASSISTANT_API_KEYS`
key, an HMAC fingerprint of it), name, scope and expiry, signed with a key derived from
`ASSISTANT_SECRET_KEY` for this purpose only. Without that setting a random key is drawn per
process: sessions then end when the process restarts, and with `serve --workers N` a
session works only in the process that issued it (so set the secret there). Every request
checks the signature, the expiry and that the key is still in use (a revoked key, or a
bootstrap key removed from the setting, ends its sessions).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from assistant.api.deps import Caller, Scope
from assistant.apikeys import repository
from assistant.config import Settings

COOKIE = "assistant_reports"
COOKIE_PATH = "/reports"
SESSION_SECONDS = 12 * 3600
_PROCESS_SECRET = secrets.token_bytes(32)
_PURPOSE = b"assistant/reports-session/v1"


def session_key(settings: Settings) -> bytes:
    """The key that signs sessions: from ASSISTANT_SECRET_KEY, else this process's own."""
    secret = settings.app.secret_key
    base = secret.get_secret_value().encode() if secret is not None else _PROCESS_SECRET
    return hmac.new(base, _PURPOSE, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())


def fingerprint(key: bytes, presented: str) -> str:
    """What a session records of a bootstrap key: an HMAC, never the key."""
    return _b64(hmac.new(key, b"bootstrap\0" + presented.encode(), hashlib.sha256).digest())[:22]


@dataclass(frozen=True)
class PageSession:
    """A verified session: whose key, until when (epoch seconds)."""

    name: str
    scope: str
    key_id: int | None
    bootstrap: str | None
    expires: int


def issue(caller: Caller, presented: str, *, key: bytes, now: float) -> str:
    """A session cookie value for `caller`, who just presented `presented`."""
    document: dict[str, Any] = {
        "n": caller.name,
        "s": caller.scope.value,
        "k": caller.key_id,
        "b": fingerprint(key, presented) if caller.key_id is None else None,
        "e": int(now) + SESSION_SECONDS,
    }
    payload = _b64(json.dumps(document, separators=(",", ":")).encode())
    return f"{payload}.{_sign(key, payload)}"


def read(token: str, *, key: bytes, now: float) -> PageSession | None:
    """The session `token` carries if its signature is ours and it has not expired."""
    payload, dot, signature = token.partition(".")
    if not dot or not payload.isascii() or not signature.isascii():
        return None
    if not hmac.compare_digest(signature.encode(), _sign(key, payload).encode()):
        return None
    try:
        document = json.loads(_unb64(payload))
        found = PageSession(
            name=str(document["n"]),
            scope=str(document["s"]),
            key_id=None if document["k"] is None else int(document["k"]),
            bootstrap=None if document["b"] is None else str(document["b"]),
            expires=int(document["e"]),
        )
    except (ValueError, KeyError, TypeError):
        return None
    return found if found.expires > now else None


def still_valid(found: PageSession, session: Session, settings: Settings, key: bytes) -> bool:
    """Whether the key behind `found` is still in use with the same scope."""
    if found.key_id is not None:
        row = repository.by_id(session, found.key_id)
        return row is not None and row.revoked_at is None and row.scope == found.scope
    configured = settings.app.api_keys
    keys = [k.strip() for k in configured.get_secret_value().split(",")] if configured else []
    prints = [fingerprint(key, k) for k in keys if k]
    return any(hmac.compare_digest(p, found.bootstrap or "") for p in prints)


def admitted(caller: Caller | None) -> bool:
    """Whether a caller may read the reports page (review or admin scope)."""
    return caller is not None and caller.may(Scope.REVIEW)


def caller_of(found: PageSession) -> Caller:
    return Caller(found.name, Scope(found.scope), found.key_id)
