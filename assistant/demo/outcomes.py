"""`assistant demo-outcomes`: what the demo store's customers did after the campaigns.

A simulation with a known truth, so the reports can be checked against it:

- **Orders.** Every compared campaign member (treated: not skipped; holdout: skipped
  `holdout`, as `report holdout` counts them) converts with probability `base_rate`, plus
  `uplift` when a marketing message of that campaign actually went out to them (sent or
  delivered): the message is the treatment. A converting member gets one order
  (`orders.external_id` `sim-<campaign>-<customer>`, one order line of a catalogue product)
  placed uniformly within the attribution window after the campaign was created. So the
  intention-to-treat lift the report should find is `uplift x (share of treated who were
  sent a message)`; printed per playbook.
- **Replies.** Each sent marketing message is answered with probability `reply_rate` by an
  inbound message (`idempotency_key` `sim-reply:<message id>`, direction inbound, status
  received, the outbound's channel), one to three days later at the customer's *true best
  hour* in their own zone (`customers.timezone`, else the brand zone):
  `8 + sha256("best-hour|<customer id>") mod 13`, an hour from 08 to 20.

Draws are seeded by (seed, campaign or message, customer) through sha256, so they do not
depend on order or on earlier runs; a second run finds its rows and adds nothing.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from assistant.db import upsert_insert
from assistant.drafting.holdout import HOLDOUT
from assistant.models import Campaign, CampaignMember, Customer, Draft, Message, Order, OrderItem
from assistant.models.catalog import Product
from assistant.reports.attribution import TOUCH_STATUSES, naive

PREFIX = "sim-"
UPLIFT = 0.08
BASE_RATE = 0.05
REPLY_RATE = 0.2
FIRST_HOUR, HOURS = 8, 13


@dataclass
class Truth:
    """What the simulation did and the truth to compare the reports with."""

    uplift: float
    base_rate: float
    reply_rate: float
    seed: int
    orders: int = 0
    replies: int = 0
    # playbook -> [treated members, of whom sent a message]
    treated: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def expected_lift(self, playbook: str) -> float | None:
        """The intention-to-treat lift `report holdout` should find for the playbook."""
        members, sent = self.treated.get(playbook, [0, 0])
        return self.uplift * sent / members if members else None


def best_hour(customer_id: int) -> int:
    """The customer's true best local hour (8-20): when their simulated replies come."""
    digest = hashlib.sha256(f"best-hour|{customer_id}".encode()).digest()
    return FIRST_HOUR + int.from_bytes(digest[:8], "big") % HOURS


def _rng(seed: int, *parts: object) -> random.Random:
    text = "|".join(str(p) for p in (seed, *parts))
    return random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))


def _zone(name: str | None, brand_zone: str) -> ZoneInfo:
    for candidate in (name, brand_zone):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def _sent_to(session: Session) -> set[tuple[int, int]]:
    """(campaign id, customer id) pairs a marketing message of the campaign went out to."""
    rows = session.execute(
        select(Draft.campaign_id, Message.customer_id)
        .join(Draft, Draft.id == Message.draft_id)
        .where(
            Message.direction == "outbound",
            Message.kind == "marketing",
            Message.status.in_(TOUCH_STATUSES),
            Draft.campaign_id.is_not(None),
        )
    ).all()
    return {(c, p) for c, p in rows if c is not None}


def _orders(session: Session, truth: Truth, days: int) -> None:
    sent = _sent_to(session)
    products = [
        (pid, Decimal(price))
        for pid, price in session.execute(
            select(Product.id, Product.price).where(Product.price.is_not(None)).order_by(Product.id)
        )
        if price is not None
    ]
    members = session.execute(
        select(Campaign.id, Campaign.playbook, Campaign.created_at, CampaignMember.customer_id)
        .add_columns(CampaignMember.status)
        .join(CampaignMember, CampaignMember.campaign_id == Campaign.id)
        .where(or_(CampaignMember.status != "skipped", CampaignMember.skip_reason == HOLDOUT))
        .order_by(Campaign.id, CampaignMember.id)
    ).all()
    window = timedelta(days=days).total_seconds()
    for campaign_id, playbook, created_at, customer_id, status in members:
        treated = status != "skipped"
        messaged = treated and (campaign_id, customer_id) in sent
        if treated:
            truth.treated[playbook][0] += 1
            truth.treated[playbook][1] += messaged
        rng = _rng(truth.seed, "order", campaign_id, customer_id)
        chance = truth.base_rate + (truth.uplift if messaged else 0.0)
        if rng.random() >= chance:
            continue
        at = naive(created_at).replace(tzinfo=UTC) + timedelta(seconds=rng.uniform(60, window))
        product, price = rng.choice(products) if products else (None, Decimal("40.00"))
        quantity = rng.choice((1, 1, 1, 2))
        external = f"{PREFIX}{campaign_id}-{customer_id}"
        inserted = session.execute(
            upsert_insert(session, Order)
            .values(
                external_id=external,
                customer_id=customer_id,
                ordered_at=at,
                total=price * quantity,
                status="completed",
            )
            .on_conflict_do_nothing(index_elements=["external_id"])
            .returning(Order.id)
        ).scalar_one_or_none()
        if inserted is None:
            continue
        truth.orders += 1
        if product is not None:
            session.add(
                OrderItem(
                    order_id=inserted,
                    product_id=product,
                    customer_id=customer_id,
                    ordered_at=at,
                    quantity=quantity,
                    unit_price=price,
                )
            )


def _replies(session: Session, truth: Truth, brand_zone: str) -> None:
    rows = session.execute(
        select(Message.id, Message.customer_id, Message.channel, Message.sent_at)
        .add_columns(Message.delivered_at, Customer.timezone)
        .join(Customer, Customer.id == Message.customer_id)
        .where(
            Message.direction == "outbound",
            Message.kind == "marketing",
            Message.status.in_(TOUCH_STATUSES),
        )
        .order_by(Message.id)
    ).all()
    for message_id, customer_id, channel, sent_at, delivered_at, zone_name in rows:
        touched = sent_at or delivered_at
        rng = _rng(truth.seed, "reply", message_id)
        if touched is None or rng.random() >= truth.reply_rate:
            continue
        zone = _zone(zone_name, brand_zone)
        local = naive(touched).replace(tzinfo=UTC).astimezone(zone)
        day = local.date() + timedelta(days=rng.randint(1, 3))
        minute = rng.randint(0, 59)
        at = datetime(day.year, day.month, day.day, best_hour(customer_id), minute, tzinfo=zone)
        inserted = session.execute(
            upsert_insert(session, Message)
            .values(
                idempotency_key=f"{PREFIX}reply:{message_id}",
                customer_id=customer_id,
                direction="inbound",
                channel=channel,
                kind="conversation",
                status="received",
                body="Thank you!",
                created_at=at.astimezone(UTC),
                updated_at=at.astimezone(UTC),
            )
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(Message.id)
        ).scalar_one_or_none()
        truth.replies += inserted is not None


def simulate(
    session: Session,
    *,
    days: int,
    brand_zone: str,
    uplift: float = UPLIFT,
    base_rate: float = BASE_RATE,
    reply_rate: float = REPLY_RATE,
    seed: int = 1,
) -> Truth:
    """Add the simulated orders and replies (flushes; the caller commits); the truth."""
    for name, value in (("uplift", uplift), ("base rate", base_rate), ("reply rate", reply_rate)):
        if not 0 <= value <= 1:
            raise ValueError(f"{name} must be between 0 and 1 (got {value:g})")
    if base_rate + uplift > 1:
        raise ValueError("base rate + uplift must be at most 1")
    truth = Truth(uplift, base_rate, reply_rate, seed)
    _orders(session, truth, days)
    _replies(session, truth, brand_zone)
    session.flush()
    return truth
