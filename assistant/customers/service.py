"""A customer's profile summary, and forgetting a customer (erasing their personal data).

`forget_customer` is the one way personal data is erased: `assistant customers forget`,
`POST /api/v1/customers/{id}/forget` and the Shopify `customers/redact` webhook
call it. It erases names, addresses, free-text notes and the text of every draft and
message (in and out), and keeps what reporting and the law need: orders, totals, dates and
products, counts, message states and times, and the consent ledger as proof. An opt-out
stays effective: the suppression list keeps a fingerprint of the address (see
assistant.fingerprints), so the number imported again under another id is still refused.
Services flush; the caller's unit of work commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.consent import repository as consent_repo
from assistant.consent.service import CustomerNotFound, consent_of
from assistant.customers import repository as repo
from assistant.customers.schemas import CustomerRead, ForgetRead, MetricsRead
from assistant.customers.scrub import ERASED, scrub, tokens
from assistant.delivery.rules import REVOKED_SOURCES
from assistant.delivery.state import UNSENT_DRAFT_STATES, cancel_message, move_draft
from assistant.fingerprints import PREFIX, fingerprint
from assistant.models import (
    Conversation,
    Customer,
    CustomerMetrics,
    Draft,
    DraftState,
    Message,
    Order,
    Suppression,
)
from assistant.review import audit

log = logging.getLogger(__name__)

FORGOTTEN_ACTION = "privacy.forgotten"
CANCEL_REASON = "forgotten"

__all__ = ["CustomerNotFound", "ForgetResult", "forget_customer", "summary"]


def _count(session: Session, column: Any, customer_id: int) -> int:
    return int(session.execute(select(func.count()).where(column == customer_id)).scalar_one())


def summary(session: Session, external_id: str) -> CustomerRead:
    """The customer's short profile: first name, metrics, counts, consent (addresses masked)."""
    customer = repo.customer(session, external_id)
    if customer is None:
        raise CustomerNotFound(f"no customer {external_id!r}")
    metrics = session.get(CustomerMetrics, customer.id)
    return CustomerRead(
        customer_id=customer.external_id,
        first_name=customer.first_name,
        customer_since=customer.customer_since,
        timezone=customer.timezone,
        forgotten_at=customer.forgotten_at,
        metrics=None
        if metrics is None
        else MetricsRead(
            as_of=metrics.as_of.isoformat(),
            orders_count=metrics.orders_count,
            lifetime_spend=metrics.lifetime_spend,
            last_order_at=metrics.last_order_at,
            rfm_label=metrics.rfm_label,
            clv_12m=metrics.clv_12m,
        ),
        orders=_count(session, Order.customer_id, customer.id),
        drafts=_count(session, Draft.customer_id, customer.id),
        messages=_count(session, Message.customer_id, customer.id),
        conversations=_count(session, Conversation.customer_id, customer.id),
        consent=consent_of(session, external_id).channels,
    )


@dataclass
class ForgetResult:
    """What one `forget_customer` did (`forgotten` False: nothing, it was done before)."""

    customer_id: str
    forgotten: bool
    forgotten_at: datetime | None
    cancelled_messages: list[int] = field(default_factory=list)
    cancelled_drafts: list[int] = field(default_factory=list)
    # Drafts with a review card: refresh them so the card shows the erased text too.
    carded_drafts: list[int] = field(default_factory=list)
    erased: dict[str, int] = field(default_factory=dict)

    def read(self) -> ForgetRead:
        """As the API and the CLI answer it."""
        return ForgetRead(
            customer_id=self.customer_id,
            forgotten=self.forgotten,
            forgotten_at=self.forgotten_at,
            cancelled_messages=len(self.cancelled_messages),
            cancelled_drafts=len(self.cancelled_drafts),
            erased=self.erased,
        )


def forget_customer(
    session: Session, external_id: str, *, actor: str, now: datetime
) -> ForgetResult:
    """Erase the personal data of customer `external_id`; keep aggregates and consent proof.

    The entry point for every erasure request: the CLI, the API and the Shopify
    `customers/redact` webhook (assistant.shopify.webhooks). Idempotent: a customer
    forgotten before is left as is (`forgotten` False). Raises CustomerNotFound.
    """
    consent_repo.write_lock(session)
    customer = repo.customer(session, external_id, lock=True)
    if customer is None:
        raise CustomerNotFound(f"no customer {external_id!r}")
    if customer.forgotten_at is not None:
        return ForgetResult(customer.external_id, False, customer.forgotten_at)
    result = ForgetResult(customer.external_id, True, now)
    _cancel_unsent(session, customer.id, result, actor=actor, now=now)
    session.flush()
    session.expire_all()  # the transitions above are UPDATE statements: read them back
    customer = session.get_one(Customer, customer.id)
    found = _personal_values(session, customer)
    _keep_opt_outs(session, customer, result)
    _erase_texts(session, customer, found, result)
    _erase_profile(customer, now)
    audit.record(
        session,
        actor=actor,
        action=FORGOTTEN_ACTION,
        entity_type="customer",
        entity_id=customer.id,
        data={
            "cancelled_messages": len(result.cancelled_messages),
            "cancelled_drafts": len(result.cancelled_drafts),
            **result.erased,
        },
        at=now,
    )
    session.flush()
    log.info(
        "customer.forgotten customer=%s cancelled_messages=%d cancelled_drafts=%d",
        customer.id,
        len(result.cancelled_messages),
        len(result.cancelled_drafts),
    )
    return result


def _cancel_unsent(
    session: Session, customer_id: int, result: ForgetResult, *, actor: str, now: datetime
) -> None:
    """Nothing queued for the customer goes out any more."""
    for message in repo.messages(session, customer_id):
        queued = message.direction == "outbound" and message.status == "scheduled"
        if queued and cancel_message(session, message, CANCEL_REASON, now=now, actor=actor):
            result.cancelled_messages.append(message.id)
    unsent = {str(s) for s in UNSENT_DRAFT_STATES}
    for draft in repo.drafts(session, customer_id):
        if draft.state in unsent and move_draft(
            session,
            draft.id,
            DraftState.CANCELLED,
            UNSENT_DRAFT_STATES,
            action=FORGOTTEN_ACTION,
            actor=actor,
            now=now,
        ):
            result.cancelled_drafts.append(draft.id)
    for message_id in result.cancelled_messages:
        draft_id = session.get_one(Message, message_id).draft_id
        if draft_id is not None and draft_id not in result.cancelled_drafts:
            result.cancelled_drafts.append(draft_id)


def _personal_values(session: Session, customer: Customer) -> list[str]:
    """The person's own values, to find them wherever they were copied."""
    values: list[str | None] = [customer.first_name, customer.last_name, customer.email]
    values += [customer.phone, f"{customer.first_name or ''} {customer.last_name or ''}"]
    for draft in repo.drafts(session, customer.id):
        values += [draft.body, draft.original_body, draft.subject, draft.decision_note]
    for message in repo.messages(session, customer.id):
        values += [message.body, message.subject]
    values += [text.body for text in repo.unmatched_inbound(session, customer.phone)]
    values += [item.note for item in repo.returns(session, customer.id)]
    return tokens(values)


def _keep_opt_outs(session: Session, customer: Customer, result: ForgetResult) -> None:
    """Suppressions of the customer's addresses keep only a fingerprint; a withdrawal by
    the customer themself becomes one, so their address stays refused after it is erased."""
    addresses = {"sms": customer.phone, "email": customer.email}
    rows = repo.suppressions(session, addresses)
    fingerprinted = 0
    for row in rows:
        if row.address.startswith(PREFIX):
            continue
        hashed = fingerprint(row.address)
        if any(r.channel == row.channel and r.address == hashed for r in rows):
            session.delete(row)
        else:
            row.address = hashed
        fingerprinted += 1
    session.flush()
    withdrawn = {
        "sms": (customer.sms_consent, customer.sms_consent_source),
        "email": (customer.email_consent, customer.email_consent_source),
    }
    for channel, (granted, source) in withdrawn.items():
        address = addresses[channel]
        if granted or source not in REVOKED_SOURCES or not (address and address.strip()):
            continue
        if not any(r.channel == channel for r in repo.suppressions(session, {channel: address})):
            session.add(Suppression(channel=channel, address=fingerprint(address), reason=source))
            fingerprinted += 1
    result.erased["suppressions_fingerprinted"] = fingerprinted
    ledger_rows = 0
    for event in repo.consent_events(session, customer.id):
        if event.destination and not event.destination.startswith(PREFIX):
            # The ledger stays proof for the address: confirmable, no longer readable.
            event.destination = fingerprint(event.destination)
            ledger_rows += 1
    result.erased["consent_destinations_fingerprinted"] = ledger_rows


def _erase_texts(
    session: Session, customer: Customer, found: list[str], result: ForgetResult
) -> None:
    """Every text by, to or about the customer: replaced, with JSON documents scrubbed."""
    drafts = repo.drafts(session, customer.id)
    for draft in drafts:
        draft.body = ERASED
        draft.subject = draft.original_body = draft.decision_note = None
        draft.facts = scrub(draft.facts, found)
        draft.findings = scrub(draft.findings, found)
        if draft.slack_ts:
            result.carded_drafts.append(draft.id)
    messages = repo.messages(session, customer.id)
    for message in messages:
        message.body, message.subject, message.error_message = ERASED, None, None
        if message.direction == "inbound":
            message.from_address = None
        else:
            message.to_address = None
    inbound = repo.unmatched_inbound(session, customer.phone)
    for text in inbound:
        text.from_address, text.body = fingerprint(text.from_address), ERASED
    notes = 0
    for returned in repo.returns(session, customer.id):
        notes += returned.note is not None
        returned.note = None
    for event in repo.events(session, customer.id):
        event.properties = {}
    for member in repo.memberships(session, customer.id):
        member.qualifier = scrub(member.qualifier, found)
    entries = repo.audit_entries(
        session, customer.id, [d.id for d in drafts], [m.id for m in messages]
    )
    for entry in entries:
        entry.data = scrub(entry.data, found)
    for conversation in repo.conversations(session, customer.id):
        conversation.status = "closed"
    result.erased.update(
        drafts=len(drafts),
        messages=len(messages),
        unmatched_inbound=len(inbound),
        return_notes=notes,
        audit_entries=len(entries),
    )


def _erase_profile(customer: Customer, now: datetime) -> None:
    """Names, addresses, zone and custom attributes go; the id, dates and consent stay."""
    customer.first_name = customer.last_name = customer.email = customer.phone = None
    customer.timezone = None
    customer.attributes = {}
    customer.forgotten_at = now
    customer.updated_at = now
