"""Shopify webhooks: stored once per event id at receipt, processed by the task
`shopify.process_webhook` after the commit; the payload is cleared once processed.

Topics: orders/create, orders/updated, orders/cancelled (the order, its customer, lines and
refunds), refunds/create (returns), customers/create, customers/update, products/update,
and the privacy topics: customers/redact erases the customer (forget_customer),
customers/data_request is recorded in the audit log for staff to answer with
`assistant customers export`, shop/redact deletes the shop's connection, sync state and
any payload still held. Any other topic is answered 200 and stored as ignored, unread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.customers import repository as customers_repo
from assistant.customers.service import CustomerNotFound, forget_customer
from assistant.jobs.runners import TaskRunner, enqueue_after_commit
from assistant.models import ShopifyWebhook
from assistant.review import audit
from assistant.shopify import repository as repo
from assistant.shopify.mapping import (
    customer_record,
    numeric_id,
    order_records,
    product_record,
    refund_returns,
)
from assistant.shopify.records import RecordWriter, Written, with_evidence
from assistant.shopify.service import PRIVACY_TOPICS, WEBHOOK_TOPICS
from assistant.shopify.sync import write_orders

log = logging.getLogger(__name__)

PROCESS_TASK = "shopify.process_webhook"
HANDLED_TOPICS = frozenset(WEBHOOK_TOPICS + PRIVACY_TOPICS)
ACTOR = "shopify"
DATA_REQUEST_ACTION = "privacy.data_requested"


@dataclass(frozen=True)
class Delivery:
    """One verified webhook request."""

    event_id: str
    topic: str
    shop_domain: str | None
    triggered_at: datetime | None
    payload: dict[str, Any]


def receive(session: Session, delivery: Delivery, runner: TaskRunner) -> str:
    """Store the delivery once and queue its processing after the commit: `stored`,
    `ignored` (a topic we do not handle) or `duplicate` (its event id was stored before)."""
    known = delivery.topic in HANDLED_TOPICS
    row = repo.add_webhook_once(
        session,
        ShopifyWebhook(
            event_id=delivery.event_id,
            topic=delivery.topic[:64],
            shop_domain=(delivery.shop_domain or None) and delivery.shop_domain[:255],
            payload=delivery.payload if known else None,
            status="received" if known else "ignored",
            triggered_at=delivery.triggered_at,
        ),
    )
    if row is None:
        return "duplicate"
    if not known:
        return "ignored"
    enqueue_after_commit(session, runner, PROCESS_TASK, webhook_id=row.id)
    return "stored"


@dataclass
class Processed:
    """What processing one webhook did."""

    status: str
    customer_ids: list[int] = field(default_factory=list)
    # Drafts whose review cards should be refreshed (a forgotten customer's).
    draft_ids: list[int] = field(default_factory=list)


def process(session: Session, webhook_id: int, *, write: RecordWriter, now: datetime) -> Processed:
    """Apply one stored webhook (idempotent: a processed one is left alone)."""
    row = session.get(ShopifyWebhook, webhook_id, with_for_update=True)
    if row is None or row.status not in ("received", "failed"):
        return Processed(status=row.status if row else "missing")
    payload = row.payload or {}
    result = Processed(status="processed")
    written = _apply(session, row, payload, write, now, result)
    result.customer_ids = written.customer_ids
    row.attempts += 1
    row.payload = None
    row.status = "processed"
    row.processed_at = now
    row.error = (
        (f"{written.rejected} record(s) refused: " + "; ".join(written.reasons))[:200]
        if written.rejected
        else None
    )
    session.flush()
    log.info(
        "shopify.webhook_processed id=%s topic=%s inserted=%d updated=%d rejected=%d",
        row.id,
        row.topic,
        written.inserted,
        written.updated,
        written.rejected,
    )
    return result


# A webhook whose processing raised (or whose task was lost) is tried again by the worker's
# tick, 2**attempts minutes after it arrived, at most this many times in all (about 4 h).
MAX_ATTEMPTS = 8


def due_for_retry(session: Session, now: datetime, *, limit: int = 100) -> list[int]:
    """Stored webhooks not processed yet whose next attempt is due, oldest first."""
    rows = session.execute(
        select(ShopifyWebhook.id, ShopifyWebhook.attempts, ShopifyWebhook.received_at)
        .where(
            ShopifyWebhook.status.in_(("received", "failed")),
            ShopifyWebhook.attempts < MAX_ATTEMPTS,
            ShopifyWebhook.received_at <= now - timedelta(minutes=1),
        )
        .order_by(ShopifyWebhook.id)
        .limit(limit * 5)
    )
    due = [row_id for row_id, attempts, received in rows if received <= now - _wait(attempts)]
    return due[:limit]


def _wait(attempts: int) -> timedelta:
    return timedelta(minutes=2**attempts)


def mark_failed(session: Session, webhook_id: int, reason: str) -> None:
    """Record that processing raised (the payload stays for a retry)."""
    row = session.get(ShopifyWebhook, webhook_id)
    if row is not None and row.status != "processed":
        row.status = "failed"
        row.attempts += 1
        row.error = reason[:200]


def _apply(
    session: Session,
    row: ShopifyWebhook,
    payload: dict[str, Any],
    write: RecordWriter,
    now: datetime,
    result: Processed,
) -> Written:
    topic = row.topic
    write = with_evidence(write, {"shopify_webhook_id": row.event_id, "topic": topic})
    if topic.startswith("orders/"):
        return write_orders(session, write, [order_records(payload)])
    if topic == "refunds/create":
        return write(session, "returns", refund_returns(payload))
    if topic.startswith("customers/") and topic in WEBHOOK_TOPICS:
        record = customer_record(payload)
        return write(session, "customers", [record] if record else [])
    if topic == "products/update":
        product = product_record(payload)
        return write(session, "products", [product] if product else [])
    if topic == "customers/redact":
        _redact(session, payload, now, result)
    elif topic == "customers/data_request":
        _data_request(session, payload, now)
    elif topic == "shop/redact":
        domain = str(payload.get("shop_domain") or row.shop_domain or "")
        repo.forget_shop(session, domain)
        log.info("shopify.shop_redacted")
    return Written()


def _customer_id(payload: dict[str, Any]) -> str | None:
    customer = payload.get("customer")
    return numeric_id(customer.get("id")) if isinstance(customer, dict) else None


def _redact(session: Session, payload: dict[str, Any], now: datetime, result: Processed) -> None:
    external_id = _customer_id(payload)
    if external_id is None:
        return
    try:
        forgotten = forget_customer(
            session, external_id, actor=f"{ACTOR}:customers/redact", now=now
        )
    except CustomerNotFound:
        log.info("shopify.redact_unknown_customer")
        return
    result.draft_ids = list(dict.fromkeys(forgotten.carded_drafts + forgotten.cancelled_drafts))


def _data_request(session: Session, payload: dict[str, Any], now: datetime) -> None:
    external_id = _customer_id(payload)
    customer = customers_repo.customer(session, external_id) if external_id else None
    if customer is None:
        log.info("shopify.data_request_unknown_customer")
        return
    request = payload.get("data_request")
    audit.record(
        session,
        actor=ACTOR,
        action=DATA_REQUEST_ACTION,
        entity_type="customer",
        entity_id=customer.id,
        data={"data_request_id": (request or {}).get("id") if isinstance(request, dict) else None},
        at=now,
    )
    log.info("shopify.data_requested customer=%s", customer.id)
