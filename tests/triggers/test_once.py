"""An occasion is queued once: running again queues nothing new, a milestone fires once,
and a day's campaign that already drafted takes later occasions and drafts them too."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from assistant.db import unit_of_work
from assistant.models import Campaign, CampaignMember, Draft, Order, OrderItem, Product
from tests.triggers.helpers import drafting, ids, later, queued, run, step


def _count(engine: Engine, model: type) -> int:
    with unit_of_work(engine) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_running_twice_queues_nothing_new(store: Engine) -> None:
    first = run(store)
    assert first.queued == 10
    members = _count(store, CampaignMember)
    second = run(store)
    assert second.queued == 0
    assert _count(store, CampaignMember) == members
    assert _count(store, Campaign) == 4  # one per trigger with occasions that day


def test_a_milestone_fires_once_even_while_it_stays_recent(store: Engine) -> None:
    run(store, only="milestone_crossed")
    again = run(store, only="milestone_crossed", as_of=later(1))
    assert step(again, "milestone_crossed").queued == 0
    assert queued(store, "milestone_crossed") == {"C14", "C16", "C17", "C22", "C23", "C26"}


def test_a_drafted_day_campaign_is_extended_and_drafted_again(store: Engine) -> None:
    run(store, only="purchase", runner=drafting())
    with unit_of_work(store) as session:
        campaign = session.execute(select(Campaign)).scalar_one()
        assert campaign.status == "completed"
        drafts = session.execute(select(Draft.customer_id, Draft.state)).all()
    assert {state for _, state in drafts} == {"pending_review"}
    assert len(drafts) == 2
    # An order imported later the same day, 5 days old: the ingest hook's evaluation.
    customer = ids(store)["C04"]
    with unit_of_work(store) as session:
        mug = session.execute(select(Product.id).where(Product.external_id == "P4")).scalar_one()
        at = datetime(2026, 11, 15, 15, 0, tzinfo=UTC)
        order = Order(external_id="O04-1", customer_id=customer, ordered_at=at, total=20)
        session.add(order)
        session.flush()
        session.add(
            OrderItem(order_id=order.id, product_id=mug, customer_id=customer, ordered_at=at)
        )
    report = run(store, only="purchase", customers=[customer], runner=drafting())
    assert step(report, "purchase").queued == 1
    with unit_of_work(store) as session:
        campaigns = session.execute(select(Campaign)).scalars().all()
        assert [c.status for c in campaigns] == ["completed"]
        assert step(report, "purchase").campaign_id == campaigns[0].id
        states = session.execute(select(Draft.customer_id, Draft.state)).all()
    assert len(states) == 3 and (customer, "pending_review") in states
