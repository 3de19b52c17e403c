"""`/api/v1/apikeys`: list, create and revoke API keys (admin scope).

The key itself is in the answer to the create, once; listings show its prefix. Errors are
problem documents: 404 an unknown id, 409 a name already in use, 422 a bad name or scope.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from assistant.api.deps import AdminKey, Caller, SessionDep
from assistant.api.pagination import CursorParam, LimitParam, decode_cursor, next_cursor
from assistant.api.params import IdPath
from assistant.apikeys import service
from assistant.apikeys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead, ApiKeysPage
from assistant.models.base import utcnow

router = APIRouter(prefix="/api/v1/apikeys", tags=["apikeys"])


def _actor(caller: Caller) -> str:
    return f"api:{caller.name}"


@router.get("", response_model=ApiKeysPage)
def list_keys(
    _key: AdminKey, session: SessionDep, cursor: CursorParam = None, limit: LimitParam = 50
) -> ApiKeysPage:
    """Keys, newest first, in use and revoked: name, scope, prefix, when created and used."""
    rows = service.listing(session, limit=limit, before=decode_cursor(cursor))
    return ApiKeysPage(
        api_keys=[ApiKeyRead.model_validate(service.describe(row)) for row in rows],
        next_cursor=next_cursor(rows, limit, lambda row: row.id),
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
def create_key(body: ApiKeyCreate, key: AdminKey, session: SessionDep) -> ApiKeyCreated:
    """Create a key; the answer holds the key itself, the only time it is shown."""
    try:
        made = service.create(session, body.name, body.scope, actor=_actor(key), now=utcnow())
    except service.DuplicateName as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except service.InvalidKeyRequest as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return ApiKeyCreated(**service.describe(made.row), key=made.key)


@router.delete("/{key_id}", response_model=ApiKeyRead)
def revoke_key(key_id: IdPath, key: AdminKey, session: SessionDep) -> ApiKeyRead:
    """Revoke a key: every request with it is refused (401) from now on; idempotent."""
    try:
        revoked = service.revoke_by_id(session, key_id, actor=_actor(key), now=utcnow())
    except service.KeyNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return ApiKeyRead.model_validate(service.describe(revoked.row))
