"""`assistant demo-outcomes` on a demo store whose campaigns were drafted offline, approved
and sent through the local outbox: `report holdout` recovers the simulated uplift."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from assistant.config import get_settings
from assistant.db import get_engine, unit_of_work
from assistant.delivery.policy import DeliveryPolicy
from assistant.delivery.sender import Sender, Transports
from assistant.delivery.tasks import schedule_pending
from assistant.demo.outcomes import best_hour
from assistant.demo.store import load_demo_store
from assistant.drafting import campaigns
from assistant.drafting.brand import load_brand
from assistant.models import CampaignMember, Customer, Draft, DraftState, Message, Order
from assistant.models.base import utcnow
from assistant.review import service as review
from assistant.review.actors import Actor
from assistant.wiring import build_drafter, build_email_sender, build_sms_sender
from tests.clitools import invoke

AS_OF = date(2026, 11, 20)
# Two recognition campaigns over disjoint segments (lapsed best customers and recent buyers),
# by email, half held out: pooled, about 130 customers on each side with 1,000 customers.
CAMPAIGNS = (("recognition", "lapsed_high_value"), ("recognition", "recent_buyers_30d"))
UPLIFT, BASE_RATE = 0.2, 0.05
REVIEWER = Actor("cli:test", "Test Reviewer")


def _campaigns_sent(engine: Engine) -> None:
    """The campaigns at a 50 % holdout, drafted offline, every draft approved and sent through
    the outbox (the sender's clock past every scheduled time)."""
    settings = get_settings()
    brand = load_brand()
    for playbook, segment in CAMPAIGNS:
        request = campaigns.CampaignRequest(
            playbook=playbook, segment=segment, channel="email", holdout=50, created_by="test"
        )
        with unit_of_work(engine) as session:
            campaign_id = campaigns.create_campaign(session, request, brand=brand).id
        asyncio.run(
            campaigns.run_campaign(
                engine,
                campaign_id,
                build_drafter(settings, brand),
                brand=brand,
                settings=settings,
                rate_limit=False,
            )
        )
    with unit_of_work(engine) as session:
        waiting = session.execute(
            select(Draft.id).where(Draft.state == DraftState.PENDING_REVIEW).order_by(Draft.id)
        ).scalars()
        ids = list(waiting)
    for draft_id in ids:
        with unit_of_work(engine) as session:
            review.decide(session, draft_id, action="approve", actor=REVIEWER)
    policy = DeliveryPolicy.from_settings(settings)
    while schedule_pending(engine, policy):
        pass
    transports = Transports(sms=build_sms_sender(settings), email=build_email_sender(settings))
    # The sender's clock moved to each next scheduled time in turn (quiet hours, and holidays:
    # on some days of the year, such as 8 December, a day or two out in some countries).
    clock = [utcnow()]
    sender = Sender(engine, transports, policy, clock=lambda: clock[0])
    for _ in range(500):
        while sender.run():
            pass
        with unit_of_work(engine) as session:
            due = session.execute(
                select(func.min(Message.scheduled_for)).where(Message.status == "scheduled")
            ).scalar_one()
        if due is None:
            break
        clock[0] = max(clock[0], due) + timedelta(seconds=1)


def _sim_rows(engine: Engine) -> tuple[int, int]:
    with unit_of_work(engine) as session:
        orders = session.execute(
            select(func.count()).where(Order.external_id.like("sim-%"))
        ).scalar_one()
        replies = session.execute(
            select(func.count()).where(Message.idempotency_key.like("sim-reply:%"))
        ).scalar_one()
    return int(orders), int(replies)


def test_the_holdout_report_recovers_the_simulated_uplift(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'sim.db'}"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    engine = load_demo_store(url, tmp_path, customers=1000, seed=7, as_of=AS_OF)
    _campaigns_sent(engine)
    with unit_of_work(engine) as session:
        treated = session.execute(
            select(func.count()).where(CampaignMember.status != "skipped")
        ).scalar_one()
        sent = session.execute(
            select(func.count()).where(Message.status.in_(("sent", "delivered")))
        ).scalar_one()
    # Drafts the guardrails held (needs attention) were not approved, so not every treated
    # customer got a message: the intention-to-treat lift is the uplift times the share sent.
    assert 100 < sent <= treated
    expected = UPLIFT * sent / treated * 100

    args = ("--uplift", str(UPLIFT), "--base-rate", str(BASE_RATE), "--seed", "3")
    result = invoke("demo-outcomes", *args)
    assert result.exit_code == 0, result.output
    assert "uplift 20.0%" in result.output
    assert f"{expected / 100:.1%}" in result.output  # the truth printed per playbook
    made = _sim_rows(engine)
    assert made[0] > 0 and made[1] > 0
    again = invoke("demo-outcomes", *args)
    assert again.exit_code == 0, again.output
    assert "simulated 0 new order(s) and 0 new reply(ies)" in again.output
    assert _sim_rows(engine) == made

    report = invoke("report", "holdout", "--format", "json")
    assert report.exit_code == 0, report.output
    groups = {g["key"]: g for g in json.loads(report.output)["groups"]}
    (group,) = groups.values()
    assert group["key"] == "recognition" and group["campaigns"] == 2
    assert group["holdout"]["customers"] > 100 and group["enough_data"], group
    assert group["treated"]["customers"] == treated
    lift = group["lift_points"]
    assert lift["low"] <= expected <= lift["high"], (expected, lift)
    assert lift["low"] > 0, lift  # the effect is found, not merely not refuted
    assert group["probability_positive"] > 0.99

    # Every simulated reply came at the customer's true best hour, in their own zone.
    brand_zone = get_settings().app.brand_timezone
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(Message.customer_id, Message.created_at, Customer.timezone)
            .join(Customer, Customer.id == Message.customer_id)
            .where(Message.idempotency_key.like("sim-reply:%"))
        ).all()
    for customer_id, created_at, zone in rows:
        moment = created_at.replace(tzinfo=UTC) if created_at.tzinfo is None else created_at
        local = moment.astimezone(ZoneInfo(zone or brand_zone))
        assert local.hour == best_hour(customer_id)
    assert len({best_hour(c) for c, _, _ in rows}) > 5
