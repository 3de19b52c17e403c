"""One draft in full (for `drafts show`) and every draft as export rows (`drafts export`).

Personal data is kept to what a reviewer needs: the customer's external id and first name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from assistant.models import AuditEntry, Customer, Draft, Message

EXPORT_COLUMNS = (
    "id",
    "campaign_id",
    "customer_id",
    "playbook",
    "channel",
    "state",
    "subject",
    "body",
    "findings",
    "decided_by",
    "decided_at",
    "message_state",
    "sent_at",
)
# What an audit row may carry that a person wants to read: the text before and after an
# edit, the reviewer's note or reason, a regeneration's instruction.
HISTORY_KEYS = ("before", "after", "note", "reason", "instruction", "edit_distance", "error_code")
STREAM_ROWS = 500


class UnknownDraft(LookupError):
    """No draft with that id."""


def finding_codes(findings: dict[str, Any] | None) -> list[str]:
    """The guardrail finding codes stored with a draft."""
    items = (findings or {}).get("items")
    return (
        [str(i.get("code")) for i in items if isinstance(i, dict)]
        if isinstance(items, list)
        else []
    )


def _message(session: Session, draft_id: int) -> Message | None:
    return session.execute(
        select(Message)
        .where(Message.draft_id == draft_id, Message.direction == "outbound")
        .order_by(Message.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def draft_detail(session: Session, draft_id: int) -> dict[str, Any]:
    """The whole draft: customer, text, fact receipt, findings, decisions and its message."""
    found = session.execute(
        select(Draft, Customer.external_id, Customer.first_name)
        .join(Customer, Customer.id == Draft.customer_id)
        .where(Draft.id == draft_id)
    ).one_or_none()
    if found is None:
        raise UnknownDraft(f"no draft {draft_id} (see `assistant drafts list`)")
    draft, external_id, first_name = found
    history = session.execute(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "draft", AuditEntry.entity_id == draft_id)
        .order_by(AuditEntry.occurred_at, AuditEntry.id)
    ).scalars()
    message = _message(session, draft_id)
    return {
        "id": draft.id,
        "campaign_id": draft.campaign_id,
        "customer": {"id": external_id, "first_name": first_name},
        "playbook": draft.playbook,
        "channel": draft.channel,
        "state": draft.state,
        "version": draft.version,
        "regenerating_at": draft.regenerating_at,
        "subject": draft.subject,
        "body": draft.body,
        "facts": draft.facts or {},
        "findings": (draft.findings or {}).get("items", []),
        "created_at": draft.created_at,
        "decided_by": draft.decided_by,
        "decided_at": draft.decided_at,
        "decision_note": draft.decision_note,
        "history": [
            {
                "at": entry.occurred_at,
                "actor": entry.actor,
                "action": entry.action,
                "from_state": entry.from_state,
                "to_state": entry.to_state,
                **{k: (entry.data or {})[k] for k in HISTORY_KEYS if k in (entry.data or {})},
            }
            for entry in history
        ],
        "message": None
        if message is None
        else {
            "id": message.id,
            "state": message.status,
            "scheduled_for": message.scheduled_for,
            "sent_at": message.sent_at,
            "delivered_at": message.delivered_at,
            "reason": message.error_code,
            "detail": message.error_message,
        },
    }


def export_rows(
    session: Session, *, campaign_id: int | None = None, state: str | None = None
) -> Iterator[dict[str, Any]]:
    """One row per draft (EXPORT_COLUMNS) in id order, streamed from the database."""
    query = (
        select(
            Draft.id,
            Draft.campaign_id,
            Customer.external_id,
            Draft.playbook,
            Draft.channel,
            Draft.state,
            Draft.subject,
            Draft.body,
            Draft.findings,
            Draft.decided_by,
            Draft.decided_at,
            Message.status,
            Message.sent_at,
        )
        .join(Customer, Customer.id == Draft.customer_id)
        .outerjoin(Message, and_(Message.draft_id == Draft.id, Message.direction == "outbound"))
        .order_by(Draft.id)
    )
    if campaign_id is not None:
        query = query.where(Draft.campaign_id == campaign_id)
    if state is not None:
        query = query.where(Draft.state == state)
    # yield_per streams (a server-side cursor on PostgreSQL): millions never sit in memory.
    for row in session.execute(query.execution_options(yield_per=STREAM_ROWS)):
        values = dict(zip(EXPORT_COLUMNS, row, strict=True))
        values["findings"] = finding_codes(values["findings"])
        yield values
