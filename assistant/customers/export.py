"""Everything held on one customer, as one JSON document (a subject access request).

Every stored row that is about the person, with every column: profile and addresses,
orders with their lines, returns, events, metrics, campaign memberships, drafts (text,
state, fact receipt, findings), messages with their status history, conversations, texts
from their number stored before a customer had it, the consent ledger, suppressions of
their addresses, and the audit rows about them, their drafts and their messages.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from assistant.consent.service import CustomerNotFound
from assistant.customers import repository as repo
from assistant.models import CustomerMetrics, CustomerOrderStats

SCHEMA = 1


def export_customer(session: Session, external_id: str, *, now: datetime) -> dict[str, Any]:
    """The document; raises CustomerNotFound."""
    customer = repo.customer(session, external_id)
    if customer is None:
        raise CustomerNotFound(f"no customer {external_id!r}")
    cid = customer.id
    items: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for item in repo.order_items(session, cid):
        items[item.order_id].append(repo.row(item))
    drafts = repo.drafts(session, cid)
    messages = repo.messages(session, cid)
    audit = [
        repo.row(e)
        for e in repo.audit_entries(session, cid, [d.id for d in drafts], [m.id for m in messages])
    ]
    history: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for entry in audit:
        history[(entry["entity_type"], entry["entity_id"])].append(entry)
    metrics = session.get(CustomerMetrics, cid)
    stats = session.get(CustomerOrderStats, cid)
    return {
        "schema": SCHEMA,
        "exported_at": repo.plain(now),
        "customer": repo.row(customer),
        "addresses": {"email": customer.email, "phone": customer.phone},
        "orders": [
            {**repo.row(order), "items": items.get(order.id, [])}
            for order in repo.orders(session, cid)
        ],
        "returns": [repo.row(r) for r in repo.returns(session, cid)],
        "events": [repo.row(e) for e in repo.events(session, cid)],
        "metrics": repo.row(metrics) if metrics is not None else None,
        "order_stats": repo.row(stats) if stats is not None else None,
        "campaign_memberships": [repo.row(m) for m in repo.memberships(session, cid)],
        "drafts": [{**repo.row(d), "history": history.get(("draft", d.id), [])} for d in drafts],
        "messages": [
            {**repo.row(m), "history": _message_history(m.id, m.draft_id, history)}
            for m in messages
        ],
        "conversations": [
            {
                **repo.row(c),
                "message_ids": [m.id for m in messages if m.conversation_id == c.id],
            }
            for c in repo.conversations(session, cid)
        ],
        "unmatched_inbound": [repo.row(u) for u in repo.unmatched_inbound(session, customer.phone)],
        "consent_events": [repo.row(e) for e in repo.consent_events(session, cid)],
        "suppressions": [
            repo.row(s)
            for s in repo.suppressions(session, {"sms": customer.phone, "email": customer.email})
        ],
        "audit": audit,
    }


def _message_history(
    message_id: int,
    draft_id: int | None,
    history: dict[tuple[str, int], list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """The message's own audit rows and its draft's delivery transitions, oldest first."""
    own = history.get(("message", message_id), [])
    of_draft = history.get(("draft", draft_id), []) if draft_id is not None else []
    delivery = [entry for entry in of_draft if str(entry["action"]).startswith("delivery.")]
    return sorted(own + delivery, key=lambda entry: int(entry["id"]))
