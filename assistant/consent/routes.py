"""`/api/v1/customers/{external_id}/consent`: a customer's consent, read and set by staff;
`/api/v1/consent/export`: the audit pack of one phone number or email address (admin).

Behind the API key; errors are problem+json (404 unknown customer, 409 a grant that would
override the customer's own withdrawal without `force`, 422 a bad body or destination).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status

from assistant.api.deps import AdminKey, ReviewKey, SessionDep, key_actor
from assistant.api.params import ExternalIdPath
from assistant.config import get_settings
from assistant.consent import audit_pack, service
from assistant.consent.schemas import ConsentRead, ConsentUpdate
from assistant.conversations import tasks  # noqa: F401  (registers the card updates)
from assistant.conversations.inbound import UPDATE_DRAFTS
from assistant.jobs.runners import build_runner, enqueue_after_commit
from assistant.models.base import utcnow

router = APIRouter(prefix="/api/v1/customers", tags=["consent"])
pack_router = APIRouter(prefix="/api/v1/consent", tags=["consent"])


def _ai_required() -> bool:
    return get_settings().delivery.require_ai_consent


@router.get("/{external_id}/consent", response_model=ConsentRead)
def read_consent(external_id: ExternalIdPath, _key: ReviewKey, session: SessionDep) -> ConsentRead:
    """The customer's consent per channel (address masked) and its history."""
    try:
        return service.consent_of(session, external_id, ai_required=_ai_required())
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
    return service.consent_of(session, external_id, ai_required=_ai_required())


@pack_router.get("/export")
def export_pack(
    _key: AdminKey,
    session: SessionDep,
    phone: Annotated[str | None, Query(max_length=40, description="E.164 or national")] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
) -> dict[str, Any]:
    """The audit pack of one destination (exactly one of `phone`, `email`): consent changes,
    messages sent with their approver, opt-outs with their confirmation, suppressions."""
    settings = get_settings()
    try:
        target = audit_pack.destination(
            phone=phone, email=email, region=settings.app.default_phone_region
        )
    except audit_pack.BadDestination as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc)) from None
    return audit_pack.audit_pack(
        session, target, now=utcnow(), ai_required=settings.delivery.require_ai_consent
    )
