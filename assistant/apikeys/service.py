"""API keys: made with `secrets`, stored only as a hash, found by their public prefix.

A key reads `ak_<8 hex>_<64 hex>`. Its first 11 characters (`ak_` and 8 hex digits) are the
public *prefix*: listed, used to find the row and to revoke the key. The 64 hex digits after
it are 32 random bytes from `secrets`. Only the SHA-256 of the whole key is stored.

Why a plain SHA-256 and not a password hash (bcrypt, scrypt, argon2): those are slow and
salted so that guessing a low-entropy password from its hash is expensive. A key of 256
random bits cannot be guessed at any hash speed, so a fast hash loses nothing, and it keeps
the check on every request cheap. The stored and computed hashes are compared with
`hmac.compare_digest`.

Keys made from `ASSISTANT_API_KEYS` are not stored here: they are for bootstrapping (make
the first stored admin key) and are checked in `assistant.api.deps`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.apikeys import repository
from assistant.models import ApiKey
from assistant.review import audit

SCOPES = ("ingest", "review", "admin")
KEY_START = "ak_"
PREFIX_HEX = 8
PREFIX_LENGTH = len(KEY_START) + PREFIX_HEX
SECRET_BYTES = 32
# last_used_at is written at most this often per key, not on every request.
TOUCH_EVERY = timedelta(minutes=1)
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}")
# The name `ASSISTANT_API_KEYS` keys act under (audit actor `api:bootstrap`).
RESERVED_NAMES = frozenset({"bootstrap"})
ENTITY = "api_key"
_KEY_PATTERN = re.compile(rf"ak_[0-9a-f]{{{PREFIX_HEX}}}_[0-9a-f]{{{SECRET_BYTES * 2}}}")


class KeyRefused(Exception):
    """A key request that cannot be met; the message says what to do instead."""


class InvalidKeyRequest(KeyRefused):
    """A bad name or scope."""


class DuplicateName(KeyRefused):
    """A key in use already has this name."""


class KeyNotFound(KeyRefused):
    """No key has this name, prefix or id."""


@dataclass(frozen=True)
class StoredCaller:
    """Who a stored key belongs to: enough for the API to authorise the request."""

    key_id: int
    name: str
    scope: str


@dataclass(frozen=True)
class NewKey:
    """A key just created: `key` is the only time the key itself exists outside its holder."""

    row: ApiKey
    key: str


@dataclass(frozen=True)
class Revoked:
    """The key revoked; `changed` False when it already was."""

    row: ApiKey
    changed: bool


def hash_key(key: str) -> str:
    """The hex SHA-256 of `key` (see the module docstring for why SHA-256 suffices)."""
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_key(presented: str) -> bool:
    """Whether `presented` has the shape of a stored key (`ak_<8 hex>_<64 hex>`)."""
    return _KEY_PATTERN.fullmatch(presented) is not None


def _make_key() -> tuple[str, str]:
    """(prefix, key) freshly drawn from `secrets`."""
    prefix = KEY_START + secrets.token_hex(PREFIX_HEX // 2)
    return prefix, f"{prefix}_{secrets.token_hex(SECRET_BYTES)}"


def _check(name: str, scope: str) -> str:
    name = name.strip()
    if scope not in SCOPES:
        raise InvalidKeyRequest(f"unknown scope {scope!r}: use one of {', '.join(SCOPES)}")
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidKeyRequest(
            f"invalid key name {name!r}: 1-64 letters, digits and _ . : @ -, "
            "starting with a letter or digit"
        )
    if name in RESERVED_NAMES:
        raise InvalidKeyRequest(f"the name {name!r} is reserved for ASSISTANT_API_KEYS keys")
    return name


def create(session: Session, name: str, scope: str, *, actor: str, now: datetime) -> NewKey:
    """A new key named `name` with `scope`; the returned key is never stored or shown again."""
    name = _check(name, scope)
    duplicate = DuplicateName(
        f"a key named {name!r} is in use: pick another name, or revoke it first "
        f"(`assistant apikeys revoke {name}`)"
    )
    if repository.active_by_name(session, name) is not None:
        raise duplicate
    prefix, key = _make_key()
    while repository.by_prefix(session, prefix) is not None:  # 1 in 4 billion per key
        prefix, key = _make_key()
    row = ApiKey(name=name, scope=scope, prefix=prefix, hash=hash_key(key), created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # created meanwhile by another request
        raise duplicate from None
    audit.record(
        session,
        actor=actor,
        action="apikey.created",
        entity_type=ENTITY,
        entity_id=row.id,
        to_state="active",
        data={"name": name, "scope": scope, "prefix": prefix},
        at=now,
    )
    return NewKey(row=row, key=key)


def listing(session: Session, *, limit: int, before: int | None = None) -> list[ApiKey]:
    """Keys, newest first, in use and revoked."""
    return repository.page(session, limit=limit, before=before)


def describe(row: ApiKey) -> dict[str, Any]:
    """What may be shown of a key: never the key or its hash."""
    return {
        "id": row.id,
        "name": row.name,
        "scope": row.scope,
        "prefix": row.prefix,
        "created_at": row.created_at,
        "last_used_at": row.last_used_at,
        "revoked_at": row.revoked_at,
    }


def _revoke(session: Session, row: ApiKey, *, actor: str, now: datetime) -> Revoked:
    if row.revoked_at is not None:
        return Revoked(row=row, changed=False)
    row.revoked_at = now
    audit.record(
        session,
        actor=actor,
        action="apikey.revoked",
        entity_type=ENTITY,
        entity_id=row.id,
        from_state="active",
        to_state="revoked",
        data={"name": row.name, "prefix": row.prefix},
        at=now,
    )
    return Revoked(row=row, changed=True)


def _find(session: Session, name_or_prefix: str) -> ApiKey | None:
    """The key in use by that name, else the key with that prefix (with or without `ak_`),
    else the newest revoked key of that name."""
    text = name_or_prefix.strip()
    found = repository.active_by_name(session, text)
    prefix = text.lower() if text.lower().startswith(KEY_START) else KEY_START + text.lower()
    if found is None and len(prefix) == PREFIX_LENGTH:
        found = repository.by_prefix(session, prefix)
    if found is None:
        found = next(iter(repository.revoked_by_name(session, text)), None)
    return found


def revoke(session: Session, name_or_prefix: str, *, actor: str, now: datetime) -> Revoked:
    """Revoke the key named `name_or_prefix` or with that prefix; idempotent."""
    row = _find(session, name_or_prefix)
    if row is None:
        raise KeyNotFound(
            f"no API key named or prefixed {name_or_prefix.strip()!r} "
            "(`assistant apikeys list` shows them)"
        )
    return _revoke(session, row, actor=actor, now=now)


def revoke_by_id(session: Session, key_id: int, *, actor: str, now: datetime) -> Revoked:
    """Revoke the key with id `key_id`; idempotent."""
    row = repository.by_id(session, key_id)
    if row is None:
        raise KeyNotFound(f"no API key {key_id}")
    return _revoke(session, row, actor=actor, now=now)


def authenticate(session: Session, presented: str, *, now: datetime) -> StoredCaller | None:
    """The stored key `presented` is, if it is one and not revoked; notes when it was used."""
    if not looks_like_key(presented):
        return None
    row = repository.by_prefix(session, presented[:PREFIX_LENGTH])
    if row is None or not hmac.compare_digest(row.hash, hash_key(presented)):
        return None
    if row.revoked_at is not None or row.scope not in SCOPES:
        return None
    if row.last_used_at is None or row.last_used_at <= now - TOUCH_EVERY:
        repository.touch(session, row.id, now, TOUCH_EVERY)
    return StoredCaller(key_id=row.id, name=row.name, scope=row.scope)
