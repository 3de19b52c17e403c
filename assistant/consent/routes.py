"""`/api/v1/customers/{external_id}/consent`: a customer's consent, read and set by staff.

Behind the API key; errors are problem+json (404 unknown customer, 409 a grant that would
override the customer's own withdrawal without `force`, 422 a bad body).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from assistant.api.deps import ReviewKey, SessionDep, key_actor
from assistant.api.params import ExternalIdPath
from assistant.config import get_settings
from assistant.consent import service
from assistant.consent.schemas import ConsentRead, ConsentUpdate
from assistant.conversations import tasks  # noqa: F401  (registers the card updates)
from assistant.conversations.inbound import UPDATE_DRAFTS
from assistant.jobs.runners import build_runner, enqueue_after_commit
from assistant.models.base import utcnow

router = APIRouter(prefix="/api/v1/customers", tags=["consent"])


@router.get("/{external_id}/consent", response_model=ConsentRead)
def read_consent(external_id: ExternalIdPath, _key: ReviewKey, session: SessionDep) -> ConsentRead:
    """The customer's consent per channel (address masked) and its history."""
    try:
        return service.consent_of(session, external_id)
    except service.CustomerNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None


@router.post("/{external_id}/consent", response_model=ConsentRead)
def set_consent(
    external_id: ExternalIdPath, update: ConsentUpdate, key: ReviewKey, session: SessionDep
) -> ConsentRead:
    """Grant or revoke consent on one channel; revoking cancels what is queued there."""
    try:
        change = service.set_consent(session, external_id, update, key_actor(key), now=utcnow())
    except service.CustomerNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except service.ConsentRefused as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    if change.cancelled_drafts:
        runner = build_runner(get_settings())
        enqueue_after_commit(session, runner, UPDATE_DRAFTS, draft_ids=change.cancelled_drafts)
    return service.consent_of(session, external_id)
