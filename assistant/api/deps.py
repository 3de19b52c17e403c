"""Shared FastAPI dependencies: the unit of work per request and API-key authentication.

Every `/api/v1` route names the scope it needs: `ReviewKey` (read and review: segments,
campaigns, drafts, messages, conversations), `IngestKey` (store data in) or `AdminKey`
(customers' personal data, consent, keys). An admin key may do everything. Missing,
unknown or revoked key → 401; a key without the scope → 403.

Keys are stored ones (`assistant apikeys create`, `assistant.apikeys`), found by their
prefix and checked against their hash. `ASSISTANT_API_KEYS` keys are for bootstrapping
only: they act as admin (to create the first stored keys), cannot be scoped, listed or
revoked except by changing the setting.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from assistant.apikeys import service as apikeys
from assistant.config import get_settings
from assistant.db import get_engine, unit_of_work
from assistant.models.base import utcnow
from assistant.review.actors import Actor

_bearer = HTTPBearer(auto_error=False)
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


class Scope(StrEnum):
    """What an API key may do."""

    INGEST = "ingest"
    REVIEW = "review"
    ADMIN = "admin"


@dataclass(frozen=True)
class Caller:
    """Who called: the key's name and scope (`key_id` None for a bootstrap key)."""

    name: str
    scope: Scope
    key_id: int | None = None

    def may(self, scope: Scope) -> bool:
        """Whether this caller holds `scope` (admin holds every scope)."""
        return self.scope is Scope.ADMIN or self.scope is scope


def key_actor(caller: Caller) -> Actor:
    """The audit actor for an API key: `api:<its name>`, never the key itself."""
    return Actor(f"api:{caller.name}")


_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: commits once when the route returns; a request that may
    change something takes SQLite's write lock first (`unit_of_work(writes=True)`)."""
    engine = request.app.state.engine or get_engine()
    with unit_of_work(engine, writes=request.method not in _READS) as session:
        yield session


def _bootstrap_caller(presented: str) -> Caller | None:
    """An ASSISTANT_API_KEYS key (compared in constant time) acts as an admin key."""
    configured = get_settings().app.api_keys
    keys = [k.strip() for k in configured.get_secret_value().split(",")] if configured else []
    encoded = presented.encode()
    # Compare with every key, so the time taken does not tell which one nearly matched.
    matches = [hmac.compare_digest(encoded, key.encode()) for key in keys if key]
    return Caller(name="bootstrap", scope=Scope.ADMIN) if any(matches) else None


def _stored_caller(request: Request, presented: str) -> Caller | None:
    """A stored key in use, looked up in its own short unit of work (which also notes,
    at most once a minute, that the key was used)."""
    if not apikeys.looks_like_key(presented):
        return None
    with unit_of_work(request.app.state.engine or get_engine()) as session:
        found = apikeys.authenticate(session, presented, now=utcnow())
    return None if found is None else Caller(found.name, Scope(found.scope), found.key_id)


def authenticate(request: Request, presented: str) -> Caller | None:
    """The caller whose key `presented` is (a bootstrap or a stored key), or None."""
    return _bootstrap_caller(presented) or _stored_caller(request, presented)


def require_scope(scope: Scope) -> Callable[..., Caller]:
    """A dependency that admits callers holding `scope`."""

    def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Caller:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "Missing API key: send `Authorization: Bearer <key>` "
                "(create one with `assistant apikeys create`).",
                headers=_CHALLENGE,
            )
        caller = authenticate(request, credentials.credentials)
        if caller is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "Unknown or revoked API key.",
                headers=_CHALLENGE,
            )
        if not caller.may(scope):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"This key has the {caller.scope.value!r} scope; this route needs "
                f"{scope.value!r} (or 'admin').",
            )
        return caller

    dependency.__name__ = f"require_{scope.value}_key"
    return dependency


# Committed when the route function returns and BEFORE the response is sent (by default
# FastAPI runs a `yield` dependency's exit after sending): a 2xx means the change is stored,
# and a failed commit is the caller's 5xx, never a success whose data was lost.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReviewKey = Annotated[Caller, Depends(require_scope(Scope.REVIEW))]
IngestKey = Annotated[Caller, Depends(require_scope(Scope.INGEST))]
AdminKey = Annotated[Caller, Depends(require_scope(Scope.ADMIN))]
