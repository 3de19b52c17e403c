"""A check-in's follow-up (the care tip) is drafted 14 days after the check-in was sent,
unless the customer replied, ordered or opted out since; a reply stops the sequence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from assistant.db import unit_of_work
from assistant.models import Campaign, Customer, Draft, Message, Order
from assistant.triggers import service
from tests.triggers.helpers import NOW, config, context, drafting, ids, later, queued, run, step

SENT = NOW + timedelta(hours=1)


def _send_check_ins(engine: Engine) -> None:
    """Check-ins drafted for C15 and C24, then sent an hour later."""
    run(engine, only="purchase", runner=drafting())
    with unit_of_work(engine) as session:
        for draft in session.execute(select(Draft)).scalars():
            draft.state = "sent"
            session.add(
                Message(
                    customer_id=draft.customer_id,
                    draft_id=draft.id,
                    direction="outbound",
                    channel="sms",
                    kind="marketing",
                    status="sent",
                    body=draft.body,
                    sent_at=SENT,
                )
            )


def _reply(engine: Engine, external_id: str) -> None:
    with unit_of_work(engine) as session:
        session.add(
            Message(
                customer_id=ids(engine)[external_id],
                direction="inbound",
                channel="sms",
                kind="conversation",
                status="received",
                body="Thanks, all good",
                created_at=SENT + timedelta(days=2),
            )
        )


def test_the_follow_up_waits_its_days_then_is_drafted_as_a_care_tip(store: Engine) -> None:
    _send_check_ins(store)
    early = run(store, only="purchase", as_of=later(13))
    assert step(early, "purchase", 2).matched == 0
    due = run(store, only="purchase", as_of=later(14), runner=drafting())
    assert step(due, "purchase", 2).queued == 2
    assert queued(store, "purchase", 2) == {"C15", "C24"}
    with unit_of_work(store) as session:
        campaign = session.execute(select(Campaign).where(Campaign.name.like("Care%"))).scalar_one()
        assert campaign.name == "Care tips · 2026-12-04"
        follow_ups = (
            session.execute(select(Draft).where(Draft.campaign_id == campaign.id)).scalars().all()
        )
        assert len(follow_ups) == 2
        for draft in follow_ups:
            assert draft.state == "pending_review"
            assert draft.prompt_version == "care_tip-1"
            assert draft.facts["trigger"]["follow_up"] is True
            assert draft.facts["trigger"]["step"] == 2
            assert "tip" in draft.body.lower()
    again = run(store, only="purchase", as_of=later(15))
    assert step(again, "purchase", 2).queued == 0


def test_a_reply_stops_the_sequence_and_explain_says_so(store: Engine) -> None:
    _send_check_ins(store)
    _reply(store, "C15")
    due = run(store, only="purchase", as_of=later(14))
    assert queued(store, "purchase", 2) == {"C24"}
    assert step(due, "purchase", 2).matched == 1
    with unit_of_work(store) as session:
        found = service.explain(session, config(), ids(store)["C15"], context(later(14)))
    purchase = next(e for e in found if e.trigger == "purchase")
    assert purchase.sequence[0]["stopped"] == "customer replied"
    assert purchase.sequence[0]["sent_on"] == SENT.date()


def test_an_order_or_an_opt_out_stops_the_follow_up(store: Engine) -> None:
    _send_check_ins(store)
    with unit_of_work(store) as session:
        session.add(
            Order(
                external_id="O15-9",
                customer_id=ids(store)["C15"],
                ordered_at=datetime(2026, 11, 25, 15, 0, tzinfo=UTC),
                total=14,
            )
        )
        customer = session.get(Customer, ids(store)["C24"])
        assert customer is not None
        customer.sms_consent, customer.sms_consent_source = False, "sms_keyword"
    due = run(store, only="purchase", as_of=later(14))
    # C15 ordered since the check-in: not due at all; C24 opted out: due, but skipped.
    assert step(due, "purchase", 2).matched == 1
    assert step(due, "purchase", 2).skipped == {"opted_out": 1}
    assert queued(store, "purchase", 2) == set()
