"""Shared FastAPI dependencies: the unit of work per request and API-key authentication."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from assistant.config import get_settings
from assistant.db import get_engine, unit_of_work

_bearer = HTTPBearer(auto_error=False)


def get_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: commits once when the route returns."""
    with unit_of_work(request.app.state.engine or get_engine()) as session:
        yield session


def require_api_key(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The caller's key, if it is one of ASSISTANT_API_KEYS (compared in constant time)."""
    configured = get_settings().app.api_keys
    keys = [k.strip() for k in configured.get_secret_value().split(",")] if configured else []
    keys = [k for k in keys if k]
    if not keys:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "the API is disabled: set ASSISTANT_API_KEYS",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing bearer API key",
            headers={"WWW-Authenticate": "Bearer"},
        )
    presented = credentials.credentials.encode()
    if not any(hmac.compare_digest(presented, key.encode()) for key in keys):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "unknown API key",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return credentials.credentials


SessionDep = Annotated[Session, Depends(get_session)]
ApiKeyDep = Annotated[str, Depends(require_api_key)]
