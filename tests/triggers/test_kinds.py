"""Each trigger kind fires for the right customers of the fixture store, and not others."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, select

from assistant.db import unit_of_work
from assistant.models import Campaign, CampaignMember, TriggerOccasion
from tests.triggers.helpers import config, queued, run, step


def test_purchase_checks_in_five_days_after_a_paid_order(store: Engine) -> None:
    report = run(store, only="purchase")
    found = step(report, "purchase")
    # C02 (bought 6 days ago, local day) has no SMS consent; C15 and C24 bought 5 days ago.
    # C01 bought today, C03's orders were cancelled or refunded, C05 bought 20 days ago.
    assert (found.matched, found.queued, found.skipped) == (3, 2, {"no_consent": 1})
    assert queued(store, "purchase") == {"C15", "C24"}
    with unit_of_work(store) as session:
        campaign = session.execute(select(Campaign)).scalar_one()
        assert (campaign.name, campaign.trigger, campaign.playbook, campaign.channel) == (
            "Check-ins · 2026-11-20",
            "purchase",
            "check_in",
            "sms",
        )
        occasions = set(session.execute(select(TriggerOccasion.occasion)).scalars())
    assert occasions == {"order:O15-2", "order:O24-11"}


def test_milestones_fire_for_those_who_crossed_one_in_the_last_30_days(store: Engine) -> None:
    run(store, only="milestone_crossed")
    # C14, C22, C23 crossed $5,000; C16 placed a 10th order; C17 and C26 turned two years.
    # C15 crossed long ago, C21 and C25 31 days ago, C24 (the VIP) never crossed in the window.
    assert queued(store, "milestone_crossed") == {"C14", "C16", "C17", "C22", "C23", "C26"}


def test_relaunch_reaches_those_who_returned_for_fit_quality_or_sizing_before_it(
    store: Engine,
) -> None:
    run(store, only="product_relaunched")
    # C10 returned the apron for fit before its relaunch. C11 returned it after the relaunch,
    # C12 changed their mind, C13's tote is relaunched only after the as-of day.
    assert queued(store, "product_relaunched") == {"C10"}
    with unit_of_work(store) as session:
        qualifier = session.execute(select(CampaignMember.qualifier)).scalar_one()
    assert qualifier["returned"]["product_id"] == "P3"
    assert qualifier["returned"]["reason_code"] == "fit"


def test_relaunch_reaches_the_tote_returner_once_the_tote_is_relaunched(store: Engine) -> None:
    run(store, only="product_relaunched", as_of=date(2026, 12, 16))
    # The apron's relaunch (76 days ago) is still within 120 days: C10 too, once.
    assert queued(store, "product_relaunched") == {"C10", "C13"}


def test_repeat_product_fires_on_the_third_order_of_a_product_with_an_upgrade(
    store: Engine,
) -> None:
    run(store, only="repeat_product", as_of=date(2026, 11, 3))
    # C07 bought P1 on 3 orders in 90 days, the third 2 days ago. C09's first is too old, C08's
    # mug has no upgrade, C06's three orders are still to come on 2026-11-18.
    assert queued(store, "repeat_product") == {"C07"}
    run(store, only="repeat_product", as_of=date(2026, 11, 20))
    assert queued(store, "repeat_product") == {"C06", "C07"}


def test_lapsed_high_value_needs_a_top_value_customer_n_days_without_an_order(
    store: Engine,
) -> None:
    lapsing = {"days": 170, "catch_up_days": 7}
    # Only C24 is in the top 10% by predicted value, and C24 bought last week.
    run(store, triggers=config({"lapsed_high_value": lapsing}), only="lapsed_high_value")
    assert queued(store, "lapsed_high_value") == set()
    # Among every valued customer, C19 last ordered 172 days ago; C14, C15, C24 recently.
    wider = config({"lapsed_high_value": {**lapsing, "clv_top_percent": 100}})
    run(store, triggers=wider, only="lapsed_high_value")
    assert queued(store, "lapsed_high_value") == {"C19"}


def test_a_disabled_trigger_does_not_run(store: Engine) -> None:
    off = config({"purchase": {"enabled": False}})
    report = run(store, triggers=off)
    assert "purchase" not in {s.trigger for s in report.steps}
    assert queued(store, "purchase") == set()
