"""The audit pack of one destination: everything that shows a message there was lawful.

For a phone number or an email address (`assistant consent export`, `GET
/api/v1/consent/export`): every consent change recorded for it, whatever customer record it
was on; every message that went out to it, with who approved it and when (the draft's
approval in the audit log); every opt-out with the confirmation we sent; and its
suppressions. The address is in the pack unmasked (it is the file the operator asked for);
it is never logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.conversations.repository import twiml_key
from assistant.fingerprints import address_keys
from assistant.ingest.fields import FieldError
from assistant.ingest.fields import email as parse_email
from assistant.ingest.fields import phone as parse_phone
from assistant.models import AuditEntry, ConsentEvent, Customer, Draft, Message, Suppression
from assistant.models.campaign import DraftState

from . import ledger

# Outbound messages that reached the provider (or may have).
WENT_OUT = ("sending", "sent", "delivered", "undelivered")
APPROVED = DraftState.APPROVED.value
E164 = re.compile(r"\+[1-9][0-9]{6,14}")


class BadDestination(ValueError):
    """Not a phone number or email address the pack can be made for."""


@dataclass(frozen=True)
class Destination:
    """One address on one channel, as the ledger keeps it."""

    channel: str
    address: str


def destination(*, phone: str | None, email: str | None, region: str) -> Destination:
    """The destination named by exactly one of `phone` / `email`, normalised as stored."""
    if (phone is None) == (email is None):
        raise BadDestination("give exactly one of a phone number or an email address")
    if phone is not None:
        return Destination("sms", _phone(phone, region))
    try:
        assert email is not None
        address = parse_email(email)
    except FieldError as exc:
        raise BadDestination(str(exc)) from None
    if address is None:
        raise BadDestination("the email address is empty")
    return Destination("email", address.lower())


def _phone(value: str, region: str) -> str:
    """E.164; a number `phonenumbers` calls invalid (test ranges, new ranges) is taken as
    given when it is already E.164, as inbound senders are kept."""
    try:
        number = parse_phone(value, region)
    except FieldError as exc:
        if E164.fullmatch(value.strip()):
            return value.strip()
        raise BadDestination(str(exc)) from None
    if number is None:
        raise BadDestination("the phone number is empty")
    return number


def audit_pack(
    session: Session, target: Destination, *, now: datetime, ai_required: bool = False
) -> dict[str, Any]:
    """The audit pack of `target` as a JSON-ready document."""
    channel, address = target.channel, target.address
    events = ledger.for_destination(session, channel, address)
    externals = _external_ids(session, {e.customer_id for e in events})
    messages = _messages(session, channel, address)
    externals |= _external_ids(session, {m.customer_id for m in messages} - set(externals))
    last = ledger.latest(session, channel, address)
    return {
        "destination": {"channel": channel, "address": address},
        "generated_at": now.isoformat(),
        "ai_consent_required": ai_required,
        "current": {
            "consented": bool(last is not None and last.consented),
            "since": last.occurred_at.isoformat() if last is not None else None,
            "source": last.source if last is not None else None,
            "ai_consent": ledger.ai_consent(session, channel, address),
        },
        "consent_changes": [_change(e, externals) for e in events],
        "messages": [_message(session, m, externals) for m in messages],
        "opt_outs": [
            _opt_out(session, e, externals)
            for e in events
            if not e.consented and e.purpose == ledger.MESSAGES
        ],
        "suppressions": _suppressions(session, channel, address),
    }


def _external_ids(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Customer.id, Customer.external_id).where(Customer.id.in_(ids)))
    return {row.id: row.external_id for row in rows}


def _change(event: ConsentEvent, externals: dict[int, str]) -> dict[str, Any]:
    return {
        "at": event.occurred_at.isoformat(),
        "customer_id": externals.get(event.customer_id),
        "purpose": event.purpose,
        "granted": event.consented,
        "source": event.source,
        "wording": event.wording,
        "evidence": dict(event.evidence or {}),
        "actor": event.actor,
        "detail": event.detail,
    }


def _messages(session: Session, channel: str, address: str) -> list[Message]:
    return list(
        session.execute(
            select(Message)
            .where(
                Message.channel == channel,
                Message.direction == "outbound",
                Message.status.in_(WENT_OUT),
                func.lower(Message.to_address).in_(address_keys([address])),
            )
            .order_by(Message.sent_at, Message.id)
        ).scalars()
    )


def _approval(session: Session, draft_id: int) -> AuditEntry | None:
    """The audit row that approved the draft (the last one, if approved more than once)."""
    return session.execute(
        select(AuditEntry)
        .where(
            AuditEntry.entity_type == "draft",
            AuditEntry.entity_id == draft_id,
            AuditEntry.to_state == APPROVED,
        )
        .order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _message(session: Session, message: Message, externals: dict[int, str]) -> dict[str, Any]:
    approved: dict[str, Any] | None = None
    ai_drafted = False
    if message.draft_id is not None:
        draft = session.get(Draft, message.draft_id)
        entry = _approval(session, message.draft_id)
        if entry is not None:
            approved = {"by": entry.actor, "at": entry.occurred_at.isoformat()}
            approved["action"] = entry.action
        elif draft is not None and draft.decided_by:
            at = draft.decided_at.isoformat() if draft.decided_at else None
            approved = {"by": draft.decided_by, "at": at, "action": None}
        ai_drafted = draft is not None and (draft.model or "") != "staff"
    return {
        "message_id": message.id,
        "customer_id": externals.get(message.customer_id),
        "kind": message.kind,
        "status": message.status,
        "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        "provider_message_id": message.provider_message_id,
        "subject": message.subject,
        "body": message.body,
        "draft_id": message.draft_id,
        "ai_drafted": ai_drafted,
        "approved": approved,
    }


def _opt_out(session: Session, event: ConsentEvent, externals: dict[int, str]) -> dict[str, Any]:
    sid = (event.evidence or {}).get("inbound_message_sid")
    confirmation = None
    if isinstance(sid, str):
        sent = session.execute(
            select(Message).where(Message.idempotency_key == twiml_key(sid))
        ).scalar_one_or_none()
        if sent is not None:
            at = sent.sent_at.isoformat() if sent.sent_at else None
            confirmation = {"message_id": sent.id, "sent_at": at, "text": sent.body}
    note = None
    if confirmation is None and event.source == "sms_keyword":
        note = "the carrier keyword was confirmed by the SMS provider (Twilio), not by us"
    return {
        "at": event.occurred_at.isoformat(),
        "customer_id": externals.get(event.customer_id),
        "source": event.source,
        "wording": event.wording,
        "evidence": dict(event.evidence or {}),
        "confirmation": confirmation,
        "confirmation_note": note,
    }


def _suppressions(session: Session, channel: str, address: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Suppression)
        .where(
            Suppression.channel == channel,
            func.lower(Suppression.address).in_(address_keys([address])),
        )
        .order_by(Suppression.created_at, Suppression.id)
    ).scalars()
    return [{"reason": row.reason, "since": row.created_at.isoformat()} for row in rows]
