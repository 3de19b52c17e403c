"""The assistant running by itself against a Shopify store (issue "Always on", done when):
a backfill loads the shop; a signed `orders/create` delivered twice makes one order; the
trigger run queues a check-in for that customer after the configured days, once; a
relaunch queues re-engagement for the customer who returned the product; a reply stops
the check-in's follow-up. Dates are relative to today: sending and replies use the clock.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.jobs.registry import TICK_TASK, get_task
from assistant.models import Campaign, Customer, Draft, DraftState, Message, Order
from assistant.models.base import utcnow
from assistant.review import service as review
from assistant.review.actors import Actor
from tests.clitools import invoke
from tests.conversations.helpers import text_from
from tests.fakes.shopify_server import TOKEN, FakeShopifyServer
from tests.fakes.twilio_server import AUTH_TOKEN
from tests.shopify import payloads
from tests.shopify.conftest import counts
from tests.shopify.test_webhooks import deliver

BUYER = 707070707
PHONE = "+16135557070"
PRODUCT = 632910392
ANN = Actor("terminal:ann", "Ann")


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    # Inbound SMS are signed with this token; no TWILIO_ACCOUNT_SID, so sends go to the outbox.
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("ASSISTANT_QUIET_HOURS_START", "00:00")
    monkeypatch.setenv("ASSISTANT_QUIET_HOURS_END", "00:00")
    monkeypatch.setenv("ASSISTANT_SMS_LEGAL_WINDOWS", "false")
    monkeypatch.setenv("ASSISTANT_TRIGGERS_DAILY", "false")  # the runs here are explicit
    monkeypatch.setenv("ASSISTANT_OUTBOX_DIR", str(tmp_path))
    get_settings.cache_clear()


def _today() -> date:
    return datetime.now(ZoneInfo(get_settings().app.brand_timezone)).date()


def _local(day: date) -> str:
    return datetime.combine(day, time(12), ZoneInfo(get_settings().app.brand_timezone)).isoformat()


def _run(as_of: date) -> str:
    result = invoke("triggers", "run", "--as-of", as_of.isoformat())
    assert result.exit_code == 0, result.output
    return result.output


def _care_tips(as_of: date, *, dry_run: bool = False) -> int:
    """Follow-ups of the check-in (step 2 of `purchase`) the run queued, or would queue."""
    dry = ["--dry-run"] if dry_run else []
    result = invoke("triggers", "run", "--as-of", as_of.isoformat(), *dry, "--format", "json")
    assert result.exit_code == 0, result.output
    steps = json.loads(result.output)["triggers"]
    return sum(s["queued"] for s in steps if s["trigger"] == "purchase" and s["step"] == 2)


def _drafts(engine: Engine, trigger: str) -> list[Draft]:
    with unit_of_work(engine) as session:
        return list(
            session.execute(
                select(Draft)
                .join(Campaign, Campaign.id == Draft.campaign_id)
                .join(Customer, Customer.id == Draft.customer_id)
                .where(Campaign.trigger == trigger, Customer.external_id == str(BUYER))
                .order_by(Draft.id)
            ).scalars()
        )


def test_a_shopify_store_runs_by_itself_from_backfill_to_a_stopped_sequence(
    engine: Engine, web: TestClient, shopify: FakeShopifyServer
) -> None:
    today = _today()
    # A backfill loads the shop.
    assert invoke("shopify", "connect", "--shop", "fake-coffee", "--token", TOKEN).exit_code == 0
    assert invoke("shopify", "sync").exit_code == 0
    loaded = counts(engine)
    assert loaded["customers"] == 25 and loaded["orders"] == 12

    # A signed orders/create, delivered twice, makes one order (and its new customer); the
    # webhook has the triggers evaluated for the buyer at once: nothing is due yet.
    buyer = payloads.customer(BUYER, phone=PHONE, sms_state="subscribed")
    order = payloads.order(buyer=buyer)
    # Three days ago: the check-in's timing (3-7 days after the purchase) lets it go out
    # today, when this test sends it; the trigger (5 days) has not fired yet.
    order_day = today - timedelta(days=3)
    order["processed_at"] = order["created_at"] = _local(order_day)
    for _ in range(2):
        assert deliver(web, "orders/create", order, event_id="evt-order").status_code == 200
    assert counts(engine)["orders"] == loaded["orders"] + 1
    with unit_of_work(engine) as session:
        assert session.execute(select(Order).where(Order.external_id == str(order["id"]))).one()
    assert _drafts(engine, "purchase") == []

    # The run four days after the order queues nothing; five days after, one check-in, once.
    _run(order_day + timedelta(days=4))
    assert _drafts(engine, "purchase") == []
    _run(order_day + timedelta(days=5))
    [check_in] = _drafts(engine, "purchase")
    assert check_in.playbook == "check_in" and check_in.state == DraftState.PENDING_REVIEW
    _run(order_day + timedelta(days=5))
    assert len(_drafts(engine, "purchase")) == 1

    # The buyer sends the product back because it did not fit; the next day it is relaunched.
    refund = payloads.refund(int(order["id"]))
    refund["note"], refund["created_at"] = "Did not fit", _local(order_day)
    assert deliver(web, "refunds/create", refund, event_id="evt-refund").status_code == 200
    relaunch_day = today + timedelta(days=1)
    relaunched = payloads.product(
        PRODUCT, tags=f"relaunched:{relaunch_day.isoformat()}, improvement:A roomier cut"
    )
    assert deliver(web, "products/update", relaunched, event_id="evt-relaunch").status_code == 200
    assert _drafts(engine, "product_relaunched") == []
    _run(relaunch_day)
    [win_back] = _drafts(engine, "product_relaunched")
    assert win_back.playbook == "re_engagement"
    _run(relaunch_day)
    assert len(_drafts(engine, "product_relaunched")) == 1

    # The check-in is approved and sent; its care tip would follow 14 days later ...
    with unit_of_work(engine) as session:
        assert review.decide(session, check_in.id, action="approve", actor=ANN).applied
    get_task(TICK_TASK)()
    with unit_of_work(engine) as session:
        sent = session.execute(select(Message).where(Message.draft_id == check_in.id)).scalar_one()
        assert sent.status in ("sent", "delivered") and sent.sent_at is not None
        due = sent.sent_at.astimezone(ZoneInfo(get_settings().app.brand_timezone)).date()
    due += timedelta(days=14)
    assert _care_tips(due, dry_run=True) == 1

    # ... but the customer answers the check-in, which stops the sequence.
    text_from(web, PHONE, "All good, thanks!")
    assert utcnow() >= sent.sent_at
    assert _care_tips(due) == 0
    assert [d.id for d in _drafts(engine, "purchase")] == [check_in.id]
    explained = invoke("triggers", "explain", str(BUYER), "--as-of", due.isoformat())
    assert explained.exit_code == 0 and "repl" in explained.output.lower(), explained.output
