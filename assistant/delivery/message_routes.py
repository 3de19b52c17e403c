"""`/api/v1/messages`: what was sent, when and why not; one message's history; cancel one.

The same data as `assistant messages list` (assistant.delivery.messages), cursor-paged,
newest first. Addresses are masked (assistant.masking): an answer never carries a whole
phone number or email address. Cancelling works only before the message went to the
provider (409 after that); cancelling a cancelled message changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from assistant.api.deps import ReviewKey, SessionDep, key_actor
from assistant.api.pagination import (
    CursorPage,
    CursorParam,
    LimitParam,
    decode_cursor,
    next_cursor,
)
from assistant.api.params import IdPath, IdQuery
from assistant.delivery import messages
from assistant.masking import mask_address
from assistant.models import Campaign
from assistant.models.base import utcnow
from assistant.values import CleanText

router = APIRouter(prefix="/api/v1/messages", tags=["messages"])

_STATES = "|".join(messages.MESSAGE_STATES)


class MessageRead(BaseModel):
    """An outbound message as listed: its state and, when held, cancelled or failed, why."""

    id: int
    customer_id: str
    channel: str
    kind: str
    state: str
    scheduled_for: datetime | None
    sent_at: datetime | None
    reason: str | None
    detail: str | None
    draft_id: int | None
    campaign_id: int | None
    destination: str | None = Field(description="The address, masked.")
    send_time: str | None = Field(
        None,
        description="How its time was chosen: learned, segment, brand, none, holdout, fixed "
        "(null for replies, system messages, or with send-time learning off).",
    )


class MessagesPage(CursorPage):
    """One page of messages, newest first."""

    messages: list[MessageRead]


class HistoryRead(BaseModel):
    """One recorded transition: who, what, from and to which state, and why."""

    at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    reason: str | None


class MessageDetailRead(MessageRead):
    """One message: also the provider's id and last word, attempts, times, text, history."""

    direction: str
    conversation_id: int | None
    provider_message_id: str | None
    provider_status: str | None
    attempts: int
    first_attempt_at: datetime | None
    delivered_at: datetime | None
    sender: str | None = Field(description="The address it came from, masked.")
    subject: str | None
    body: str
    created_at: datetime
    updated_at: datetime
    history: list[HistoryRead]


class CancelBody(BaseModel):
    """Why the message is cancelled (kept as its detail)."""

    reason: CleanText | None = Field(None, max_length=500)


class CancelRead(BaseModel):
    """Whether the cancel changed anything, and the message after it."""

    changed: bool
    message: MessageDetailRead


def _listed(row: messages.MessageRow) -> MessageRead:
    return MessageRead(
        id=row.id,
        customer_id=row.customer_id,
        channel=row.channel,
        kind=row.kind,
        state=row.state,
        scheduled_for=row.scheduled_for,
        sent_at=row.sent_at,
        reason=row.reason,
        detail=row.detail,
        draft_id=row.draft_id,
        campaign_id=row.campaign_id,
        destination=mask_address(row.to_address),
        send_time=row.send_time,
    )


def _detail(session: Session, message_id: int) -> MessageDetailRead:
    try:
        found = messages.message_detail(session, message_id)
    except messages.MessageNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return MessageDetailRead(
        **_listed(found.row).model_dump(),
        direction=found.direction,
        conversation_id=found.conversation_id,
        provider_message_id=found.provider_message_id,
        provider_status=found.provider_status,
        attempts=found.attempts,
        first_attempt_at=found.first_attempt_at,
        delivered_at=found.delivered_at,
        sender=mask_address(found.from_address),
        subject=found.subject,
        body=found.body,
        created_at=found.created_at,
        updated_at=found.updated_at,
        history=[HistoryRead(**vars(entry)) for entry in found.history],
    )


@router.get("", response_model=MessagesPage)
def list_messages(
    _key: ReviewKey,
    session: SessionDep,
    campaign_id: IdQuery = None,
    state: Annotated[
        str | None, Query(alias="status", pattern=f"^({_STATES})$", description="Message state.")
    ] = None,
    channel: Annotated[str | None, Query(pattern="^(sms|email|webhook)$")] = None,
    customer_id: Annotated[
        str | None, Query(max_length=64, description="The customer's id from the import.")
    ] = None,
    cursor: CursorParam = None,
    limit: LimitParam = 50,
) -> MessagesPage:
    """Outbound messages, newest first, with why each waits, stopped or failed; 404 for an
    unknown campaign or customer."""
    before = decode_cursor(cursor)
    if campaign_id is not None and session.get(Campaign, campaign_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no campaign {campaign_id}")
    try:
        pk = messages.customer_pk(session, customer_id) if customer_id is not None else None
    except messages.UnknownCustomer as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    rows = messages.list_messages(
        session,
        customer_id=pk,
        state=state,
        campaign_id=campaign_id,
        channel=channel,
        before=before,
        limit=limit,
    )
    return MessagesPage(
        messages=[_listed(row) for row in rows],
        next_cursor=next_cursor(rows, limit, key=lambda row: row.id),
    )


@router.get("/{message_id}", response_model=MessageDetailRead)
def get_message(message_id: IdPath, _key: ReviewKey, session: SessionDep) -> MessageDetailRead:
    """One message: state, provider id and status, attempts, times and its history."""
    return _detail(session, message_id)


@router.post("/{message_id}/cancel", response_model=CancelRead)
def cancel_message(
    message_id: IdPath, key: ReviewKey, session: SessionDep, body: CancelBody | None = None
) -> CancelRead:
    """Cancel a message not yet handed to the provider (and its draft); 409 once it has."""
    try:
        changed = messages.cancel(
            session,
            message_id,
            actor=key_actor(key).id,
            now=utcnow(),
            note=body.reason if body else None,
        )
    except messages.MessageNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except messages.NotCancellable as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return CancelRead(changed=changed, message=_detail(session, message_id))
