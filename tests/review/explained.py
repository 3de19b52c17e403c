"""One draft per playbook (and a trigger's), written by the offline drafter and checked by the
real guardrails, with customers whose metrics, address, zone and consent a card explains."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count
from typing import Any

from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.drafting.guardrails import blocking
from assistant.models import Campaign, Customer, Draft
from tests.metrics_rows import add_metrics
from tests.review.helpers import offline_draft

# 20:00 in Los Angeles on 7 December 2026: quiet hours (20:00-09:00) have just begun.
NOW = datetime(2026, 12, 8, 4, 0, tzinfo=UTC)
ZONE = "America/Los_Angeles"
CONSENTED_AT = datetime(2026, 1, 2, 15, 0, tzinfo=UTC)
_serial = count(1)


def _facts(playbook: str, first_name: str, **sections: Any) -> dict[str, Any]:
    return {
        "schema": 1,
        "playbook": playbook,
        "channel": "sms",
        "brand": {"name": "Ember & Oak", "sender": "Sam"},
        "customer": {"first_name": first_name, "first_sms": False},
        "offer": None,
        **sections,
    }


def playbook_facts(playbook: str, first_name: str) -> dict[str, Any]:
    """Facts shaped like the context builder's, with the qualifying row of each playbook."""
    if playbook == "recognition":
        milestone = {
            "kind": "lifetime_spend",
            "threshold": "5000.00",
            "currency": "USD",
            "reached_on": "2026-11-30",
            "description": "5,000 USD of purchases",
        }
        return _facts(playbook, first_name, milestone=milestone)
    if playbook == "check_in":
        purchase = {"product": "Cast Iron Skillet 10in", "ordered_on": "2026-12-03",
                    "days_ago": 4, "order_number": "100234"}  # fmt: skip
        return _facts(playbook, first_name, purchase=purchase)
    if playbook == "upsell":
        product = {"name": "Trail Runner", "times_bought": 3, "first_bought_on": "2026-09-02",
                   "last_bought_on": "2026-11-20"}  # fmt: skip
        upgrade = {"name": "Trail Runner Pro", "price": "140.00", "currency": "USD"}
        return _facts(playbook, first_name, product=product, upgrade=upgrade)
    returned = {"product": "Rain Jacket", "returned_on": "2026-06-01", "reason": "fit"}
    relaunch = {"product": "Rain Jacket", "relaunched_on": "2026-11-15",
                "improvement": "improved seams"}  # fmt: skip
    return _facts(playbook, first_name, **{"return": returned, "relaunch": relaunch})


SEGMENTS = {
    "recognition": "milestone",
    "check_in": "recent_buyers_14d",
    "upsell": "product_fans",
    "re_engagement": "returned_relaunched",
}


@dataclass
class Explained:
    """Draft ids by playbook (`trigger` for the trigger's, `opted_out` for a held one)."""

    drafts: dict[str, int] = field(default_factory=dict)


def _customer(session: Any, first_name: str, *, consent: bool) -> Customer:
    serial = next(_serial)
    customer = Customer(
        external_id=f"X{serial:05d}", first_name=first_name, last_name="Private",
        email=f"{first_name.lower()}{serial}@example.com", phone=f"+1555123{serial:04d}",
        timezone=ZONE, sms_consent=consent, sms_consent_at=CONSENTED_AT,
        sms_consent_source="web_signup" if consent else "sms_keyword",
    )  # fmt: skip
    session.add(customer)
    session.flush()
    add_metrics(
            session, customer.id, as_of=date(2026, 12, 7), orders_count=12,
            lifetime_spend=Decimal("5120.50"), aov=Decimal("426.71"),
            first_order_at=datetime(2024, 3, 1, tzinfo=UTC),
            last_order_at=datetime(2026, 11, 30, 3, 0, tzinfo=UTC),  # 29 Nov in Los Angeles
            recency_days=7, tenure_days=1000, r_score=5, f_score=5, m_score=5,
            rfm_label="champions", btyd_frequency=11, btyd_recency=990.0, btyd_T=1000.0,
            btyd_monetary=Decimal("420.00"), clv_12m=Decimal("1880.00"),
    )  # fmt: skip
    return customer


def add_explained_draft(
    session: Any,
    playbook: str,
    first_name: str,
    *,
    trigger: str | None = None,
    consent: bool = True,
    facts: dict[str, Any] | None = None,
) -> int:
    """A campaign of `playbook` (its segment, or `trigger`) with one drafted member."""
    customer = _customer(session, first_name, consent=consent)
    campaign = Campaign(
        name=f"{playbook} {next(_serial)}", playbook=playbook, channel="sms", status="completed",
        segment=None if trigger else SEGMENTS[playbook], trigger=trigger,
        options={"segment_params": {}} if trigger is None else {},
    )  # fmt: skip
    session.add(campaign)
    session.flush()
    facts = facts or playbook_facts(playbook, first_name)
    if trigger:
        facts["trigger"] = {"name": trigger, "step": 1, "follow_up": False}
    body, _subject, outcome = offline_draft(facts)
    items = [f.as_dict() for f in outcome.findings]
    draft = Draft(
        idempotency_key=f"explained:{next(_serial)}", campaign_id=campaign.id,
        customer_id=customer.id, playbook=playbook, channel="sms",
        state="needs_attention" if blocking(outcome.findings) else "pending_review",
        body=body, facts=facts, findings={"blocked": blocking(outcome.findings), "items": items},
        prompt_version="test-1", model="offline", attempts=1,
    )  # fmt: skip
    session.add(draft)
    session.flush()
    return draft.id


def seed_explained(engine: Engine) -> Explained:
    """A draft of each playbook, one of the milestone trigger, one whose customer opted out."""
    store = Explained()
    with unit_of_work(engine) as session:
        names = {"recognition": "Maya", "check_in": "Leo", "upsell": "Zoe", "re_engagement": "Kim"}
        for playbook, name in names.items():
            store.drafts[playbook] = add_explained_draft(session, playbook, name)
        store.drafts["trigger"] = add_explained_draft(
            session, "recognition", "Ada", trigger="milestone_crossed"
        )
        store.drafts["opted_out"] = add_explained_draft(session, "upsell", "Ola", consent=False)
    return store
