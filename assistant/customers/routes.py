"""`/api/v1/customers/{external_id}`: a customer's profile, data export and erasure.

The profile (first name, metrics, counts, masked addresses) needs a review key; the export
and forgetting hold or erase personal data, so they need an admin key. Unknown customer:
404 problem. Consent lives beside these, at `.../{external_id}/consent` (assistant.consent).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status

from assistant.api.deps import AdminKey, ReviewKey, SessionDep
from assistant.api.params import ExternalIdPath
from assistant.config import get_settings
from assistant.conversations import tasks  # noqa: F401  (registers the card updates)
from assistant.conversations.inbound import UPDATE_DRAFTS
from assistant.customers import service
from assistant.customers.export import export_customer
from assistant.customers.schemas import CustomerRead, ForgetRead
from assistant.jobs.runners import build_runner, enqueue_after_commit
from assistant.models.base import utcnow

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])


def _not_found(exc: service.CustomerNotFound) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))


@router.get("/{external_id}", response_model=CustomerRead)
def read_customer(
    external_id: ExternalIdPath, _key: ReviewKey, session: SessionDep
) -> CustomerRead:
    """The customer's short profile: first name, metrics, counts, consent (addresses masked)."""
    try:
        return service.summary(session, external_id)
    except service.CustomerNotFound as exc:
        raise _not_found(exc) from None


@router.get("/{external_id}/export")
def export(external_id: ExternalIdPath, _key: AdminKey, session: SessionDep) -> dict[str, Any]:
    """Everything held on the customer, as one JSON document (see docs/privacy.md)."""
    try:
        return export_customer(session, external_id, now=utcnow())
    except service.CustomerNotFound as exc:
        raise _not_found(exc) from None


@router.post("/{external_id}/forget", response_model=ForgetRead)
def forget(external_id: ExternalIdPath, key: AdminKey, session: SessionDep) -> ForgetRead:
    """Erase the customer's personal data (idempotent: `forgotten` false the second time)."""
    try:
        result = service.forget_customer(
            session, external_id, actor=f"api:{key.name}", now=utcnow()
        )
    except service.CustomerNotFound as exc:
        raise _not_found(exc) from None
    cards = list(dict.fromkeys(result.carded_drafts + result.cancelled_drafts))
    if cards:
        enqueue_after_commit(session, build_runner(get_settings()), UPDATE_DRAFTS, draft_ids=cards)
    return result.read()
