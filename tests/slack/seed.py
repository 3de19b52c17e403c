"""Review data for Slack tests: customers, a campaign and drafts checked by the real guardrails."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assistant.db import unit_of_work
from assistant.drafting.guardrails import blocking, check_draft
from assistant.models import Campaign, Conversation, Customer, Draft, Message
from assistant.models.base import utcnow
from assistant.review import service as review_service
from tests.metrics_rows import add_metrics

FIRST_NAMES = ("Maya", "Jonas", "Priya", "Tomas", "Lea", "Omar")


def upsell_facts(first_name: str, *, first_sms: bool = False) -> dict[str, Any]:
    """A fact receipt shaped like the context builder's (upsell, SMS)."""
    return {
        "schema": 1,
        "playbook": "upsell",
        "channel": "sms",
        "brand": {"name": "Ember & Oak", "sender": "Sam"},
        "customer": {"first_name": first_name, "customer_since": "2023-04-02",
                     "first_sms": first_sms},
        "product": {"name": "Ground Coffee 1kg", "times_bought": 3,
                    "first_bought_on": "2026-09-01", "last_bought_on": "2026-11-02"},
        "upgrade": {"name": "Whole Bean Reserve 1kg", "price": "34.00", "currency": "USD"},
        "offer": None,
    }  # fmt: skip


def upsell_body(first_name: str) -> str:
    return (
        f"Hi {first_name}, Sam at Ember & Oak here. Since you keep coming back to our Ground "
        "Coffee 1kg, you might enjoy the Whole Bean Reserve 1kg next time. Just reply if you "
        "have questions. Warmly, Sam"
    )


@dataclass
class Store:
    """Ids of what `seed` wrote."""

    campaign_id: int
    drafts: list[int] = field(default_factory=list)
    customers: list[int] = field(default_factory=list)
    vip_draft: int | None = None
    talking_draft: int | None = None
    warned_draft: int | None = None


def _draft(
    session: Any, *, key: str, customer: Customer, campaign_id: int | None, body: str,
    facts: dict[str, Any], policy: Any,
) -> Draft:  # fmt: skip
    findings = check_draft(channel="sms", body=body, subject=None, facts=facts, policy=policy)
    draft = Draft(
        idempotency_key=key,
        campaign_id=campaign_id,
        customer_id=customer.id,
        playbook="upsell",
        channel="sms",
        state="needs_attention" if blocking(findings) else "pending_review",
        body=body,
        facts=facts,
        findings={"blocked": blocking(findings), "items": [f.as_dict() for f in findings]},
        prompt_version="upsell-1",
        model="offline",
        attempts=1,
    )
    session.add(draft)
    session.flush()
    return draft


def seed(engine: Engine, *, plain: int = 3, risky: bool = False) -> Store:
    """A campaign with `plain` clean pending drafts; with `risky`, also a VIP's, one with an
    open conversation and one with a guardrail warning (none of them low-risk)."""
    with unit_of_work(engine) as session:
        policy = review_service.guardrail_policy(session)
        campaign = Campaign(name="Upsell November", playbook="upsell", segment="product_fans",
                            channel="sms", status="completed", created_by="test")  # fmt: skip
        session.add(campaign)
        session.flush()
        store = Store(campaign_id=campaign.id)
        names = list(FIRST_NAMES[:plain])
        if risky:
            names += ["Vera", "Theo", "Wanda"]
        for index, name in enumerate(names):
            customer = Customer(
                external_id=f"{campaign.id}-{index}", first_name=name, last_name="Example"
            )
            session.add(customer)
            session.flush()
            store.customers.append(customer.id)
            facts = upsell_facts(name)
            body = upsell_body(name)
            if name == "Wanda":
                body = body + " " + body  # 3 segments: a warning, not a block
            draft = _draft(session, key=f"campaign:{campaign.id}:customer:{customer.id}",
                           customer=customer, campaign_id=campaign.id, body=body, facts=facts,
                           policy=policy)  # fmt: skip
            assert draft.state == "pending_review", draft.findings
            store.drafts.append(draft.id)
            if name == "Vera":
                store.vip_draft = draft.id
                _metrics(session, customer.id, Decimal("2500.00"))
            elif name == "Theo":
                store.talking_draft = draft.id
                session.add(Conversation(customer_id=customer.id, channel="sms", status="open"))
            elif name == "Wanda":
                assert draft.findings["items"], "expected a warning"
                store.warned_draft = draft.id
            else:
                assert draft.findings["items"] == [], draft.findings
    return store


def _metrics(session: Session, customer_id: int, clv: Decimal) -> None:
    now = utcnow()
    add_metrics(
        session, customer_id, as_of=date.today(), orders_count=12,
        lifetime_spend=Decimal("4200.00"), aov=Decimal("350.00"),
        first_order_at=now - timedelta(days=900), last_order_at=now - timedelta(days=10),
        recency_days=10, tenure_days=900, r_score=5, f_score=5, m_score=5, rfm_label="champions",
        btyd_frequency=11, btyd_recency=890.0, btyd_T=900.0, btyd_monetary=Decimal("350.00"),
        clv_12m=clv,
    )  # fmt: skip


def inbound_message(engine: Engine, store: Store, text: str) -> tuple[int, int]:
    """An open SMS conversation of the first customer holding one inbound `text`; its id and
    the message's."""
    with unit_of_work(engine) as session:
        conversation = Conversation(customer_id=store.customers[0], channel="sms", status="open")
        session.add(conversation)
        session.flush()
        message = Message(customer_id=store.customers[0], conversation_id=conversation.id,
                          direction="inbound", channel="sms", kind="conversation",
                          status="received", body=text)  # fmt: skip
        session.add(message)
        session.flush()
        return conversation.id, message.id
