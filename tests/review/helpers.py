"""A small store of customers and drafts for review tests, drafted by the real offline drafter."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.drafting.brand import load_brand
from assistant.drafting.campaigns import make_toolkit, resolve_playbook
from assistant.drafting.factory import DrafterFactory
from assistant.drafting.generate import generate
from assistant.models import (
    AuditEntry,
    Campaign,
    Conversation,
    Customer,
    Draft,
    Order,
    Product,
    Return,
)
from assistant.ports import Drafter, DrafterRefused, DraftOutput, DraftRequest
from assistant.wiring import build_drafter
from tests.metrics_rows import add_metrics

_serial = count(1)


def check_in_facts(first_name: str, channel: str = "sms") -> dict[str, Any]:
    """A check-in fact receipt, shaped like the context builder's."""
    return {
        "schema": 1,
        "playbook": "check_in",
        "channel": channel,
        "brand": {"name": "Ember & Oak", "sender": "Sam"},
        "customer": {"first_name": first_name, "first_sms": False},
        "purchase": {
            "product": "Cast Iron Skillet 10in",
            "ordered_on": "2026-11-18",
            "days_ago": 5,
            "order_number": "100234",
        },
        "offer": None,
    }


def offline_draft(facts: dict[str, Any], channel: str = "sms") -> tuple[str, str | None, Any]:
    """What the offline drafter and the guardrails make of `facts`: body, subject, outcome."""
    brand = load_brand()
    settings = get_settings()
    kit = make_toolkit(
        build_drafter(settings, brand),
        resolve_playbook(str(facts["playbook"])),
        channel,
        brand=brand,
        settings=settings,
        rate_limit=False,
    )
    outcome = asyncio.run(generate(kit, 0, facts, variant=1))
    return outcome.body, outcome.subject, outcome


@dataclass
class Store:
    """Ids of what was created."""

    campaign_id: int
    customers: dict[str, int] = field(default_factory=dict)
    drafts: dict[str, int] = field(default_factory=dict)


def add_customer(session: Session, first_name: str, *, clv: str | None = None) -> int:
    """A customer (with metrics when `clv` is given); its id."""
    serial = next(_serial)
    customer = Customer(external_id=f"C{serial:05d}", first_name=first_name)
    session.add(customer)
    session.flush()
    if clv is not None:
        add_metrics(
            session,
            customer.id,
            as_of=date(2026, 11, 20),
            orders_count=3,
            lifetime_spend=Decimal("300.00"),
            rfm_label="loyal",
            btyd_frequency=2,
            btyd_recency=100.0,
            btyd_T=300.0,
            btyd_monetary=Decimal("100.00"),
            clv_12m=Decimal(clv),
        )
    return customer.id


def add_campaign(session: Session, channel: str = "sms") -> int:
    campaign = Campaign(
        name=f"check-in {next(_serial)}",
        playbook="check_in",
        segment="recent_buyers_14d",
        channel=channel,
    )
    session.add(campaign)
    session.flush()
    return campaign.id


def add_draft(
    session: Session,
    customer_id: int,
    campaign_id: int | None,
    *,
    first_name: str,
    channel: str = "sms",
    state: str | None = None,
    body: str | None = None,
    findings: list[dict[str, Any]] | None = None,
) -> int:
    """A draft written by the offline drafter (or with `body`/`findings` as given)."""
    facts = check_in_facts(first_name, channel)
    written, subject, outcome = offline_draft(facts, channel)
    items = findings if findings is not None else [f.as_dict() for f in outcome.findings]
    blocked = any(item["severity"] == "block" for item in items)
    draft = Draft(
        idempotency_key=f"test:{next(_serial)}",
        campaign_id=campaign_id,
        customer_id=customer_id,
        playbook="check_in",
        channel=channel,
        state=state or ("needs_attention" if blocked else "pending_review"),
        subject=subject,
        body=body if body is not None else written,
        facts=facts,
        findings={"blocked": blocked, "items": items, "regenerated": False},
        prompt_version="1",
        model="offline",
        attempts=1,
    )
    session.add(draft)
    session.flush()
    return draft.id


def add_return(session: Session, customer_id: int, returned_at: datetime) -> None:
    """A returned skillet bought the week before."""
    product = session.execute(select(Product).where(Product.external_id == "SKILLET")).scalar()
    if product is None:
        product = Product(external_id="SKILLET", name="Cast Iron Skillet 10in")
        session.add(product)
        session.flush()
    order = Order(
        external_id=f"O{next(_serial)}",
        customer_id=customer_id,
        ordered_at=returned_at - timedelta(days=7),
        total=Decimal("45.00"),
    )
    session.add(order)
    session.flush()
    session.add(
        Return(
            order_id=order.id,
            product_id=product.id,
            customer_id=customer_id,
            returned_at=returned_at,
            reason_code="fit",
        )
    )


def add_conversation(session: Session, customer_id: int, status: str = "open") -> None:
    session.add(Conversation(customer_id=customer_id, channel="sms", status=status))


def pending_store(engine: Engine, names: tuple[str, ...] = ("Maya", "Leo")) -> Store:
    """One campaign with one pending draft per first name (keyed by the name)."""
    with unit_of_work(engine) as session:
        store = Store(add_campaign(session))
        for name in names:
            customer = add_customer(session, name)
            store.customers[name] = customer
            store.drafts[name] = add_draft(session, customer, store.campaign_id, first_name=name)
    return store


def draft_row(engine: Engine, draft_id: int) -> Draft:
    with unit_of_work(engine) as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None
        return draft


def audit_rows(engine: Engine, draft_id: int) -> list[AuditEntry]:
    with unit_of_work(engine) as session:
        return list(
            session.execute(
                select(AuditEntry)
                .where(AuditEntry.entity_type == "draft", AuditEntry.entity_id == draft_id)
                .order_by(AuditEntry.id)
            ).scalars()
        )


def audit_count(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        return int(session.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


class ScriptedDrafter:
    """A Drafter that writes the given bodies in turn (or refuses when out of them)."""

    name = "scripted"

    def __init__(self, *bodies: str) -> None:
        self.bodies = list(bodies)
        self.requests: list[DraftRequest] = []

    async def draft(self, request: DraftRequest) -> DraftOutput:
        self.requests.append(request)
        if not self.bodies:
            raise DrafterRefused("no more text")
        return DraftOutput(body=self.bodies.pop(0), model="scripted", tokens_in=7, tokens_out=3)

    async def aclose(self) -> None:
        return None


def handing(drafter: Drafter) -> DrafterFactory:
    """A drafter factory that hands out `drafter` itself, so a test can read its requests."""
    return lambda settings, brand: drafter


def _is_drafter(value: Drafter) -> Drafter:
    return value


_is_drafter(ScriptedDrafter())  # mypy: the test drafter fits the port
