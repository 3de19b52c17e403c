"""The context builder: minimal, correct fact receipts, built set-based per batch."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, literal, select, update
from sqlalchemy.orm import Session

from assistant.db import unit_of_work
from assistant.drafting.context import build_facts, build_facts_batch, missing_facts
from assistant.drafting.prompts import load_prompt, render_prompt
from assistant.drafting.tokens import count_tokens
from assistant.models import Customer, CustomerMetrics, Message, Product
from assistant.playbooks import get_playbook
from assistant.segments import service as segments
from tests.drafting.campaigns.helpers import AS_OF, brand, demo_store, fixture_store
from tests.segments.stores import FIXTURE, load_store

# Never in a receipt or a prompt: last name, email, phone, custom attributes, return notes.
FORBIDDEN = ("Test", "example.com", "@", "+1", "gold", "silver", "platinum", "too short", "tore")


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> Engine:
    return fixture_store(engine, tmp_path / "csv")


def receipts(
    session: Session, playbook: str, segment: str, channel: str = "email"
) -> dict[str, dict[str, Any]]:
    """external id -> facts, for every member of `segment`."""
    evaluation = segments.evaluate(session, segment)
    found = list(segments.iter_members(session, evaluation))
    facts = build_facts_batch(
        session,
        playbook=get_playbook(playbook),
        members=[(m.customer_pk, m.qualifier) for m in found],
        channel=channel,
        as_of=AS_OF,
        brand=brand(),
    )
    return {m.customer_id: facts[m.customer_pk] for m in found}


def leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item)
    else:
        yield value


def test_check_in_cites_the_qualifying_purchase_in_the_local_day(store: Engine) -> None:
    with unit_of_work(store) as session:
        facts = receipts(session, "check_in", "recent_buyers_14d", "sms")
    ben = facts["C02"]
    assert ben["customer"] == {"first_name": "Ben", "first_sms": True}
    # Ordered 23:59 on 13 November in Los Angeles: that is his day, 7 days before as-of.
    assert ben["purchase"] == {
        "product": "Stoneware Mug",
        "category": "home",
        "ordered_on": "2026-11-13",
        "days_ago": 7,
        "order_number": "O02-1",
    }
    assert ben["brand"] == {"name": "Ember & Oak", "sender": "Sam"}
    assert (ben["schema"], ben["playbook"], ben["channel"], ben["offer"]) == (
        1,
        "check_in",
        "sms",
        None,
    )
    assert missing_facts("check_in", ben) == []


def test_upsell_names_the_product_its_history_and_the_upgrade_with_its_price(
    store: Engine,
) -> None:
    with unit_of_work(store) as session:
        facts = receipts(session, "upsell", "product_fans")
    gia = facts["C07"]
    assert gia["product"] == {
        "name": "House Blend 250g",
        "short_name": "House Blend",
        "category": "coffee",
        "times_bought": 3,
        "first_bought_on": "2026-09-01",
        "last_bought_on": "2026-11-01",
    }
    assert gia["upgrade"] == {
        "name": "Reserve Single-Origin 1kg",
        "short_name": "Reserve Single-Origin",
        "category": "coffee",
        "price": "42.50",
        "currency": "USD",
    }
    # No spend, tenure or tier for an upsell: it does not need them.
    assert gia["customer"] == {"first_name": "Gia"}


def test_a_short_name_from_the_catalogue_wins_and_the_upgrade_says_what_improved(
    store: Engine,
) -> None:
    with unit_of_work(store) as session:
        session.execute(
            update(Product)
            .where(Product.external_id == "P2")
            .values(short_name="Reserve", improvement_note="Roasted to order; single farm")
        )
        gia = receipts(session, "upsell", "product_fans")["C07"]
    assert gia["upgrade"]["short_name"] == "Reserve"
    assert gia["upgrade"]["improvement"] == "Roasted to order; single farm"
    # The favourite's own note is not a reason to upgrade, so only the upgrade carries one.
    assert "improvement" not in gia["product"]


def test_re_engagement_has_the_return_and_the_improvement_but_not_the_customer_note(
    store: Engine,
) -> None:
    with unit_of_work(store) as session:
        facts = receipts(session, "re_engagement", "returned_relaunched")
    assert set(facts) == {"C10"}
    jon = facts["C10"]
    assert jon["return"] == {"product": "Linen Apron", "returned_on": "2026-09-10", "reason": "fit"}
    assert jon["relaunch"] == {
        "product": "Linen Apron",
        "relaunched_on": "2026-10-01",
        "improvement": "Longer straps and a true-to-size fit",
    }


def test_recognition_has_the_milestone_reached_its_day_tenure_and_a_spend_band(
    store: Engine,
) -> None:
    with unit_of_work(store) as session:
        facts = receipts(session, "recognition", "milestone")
        spends = dict(
            session.execute(
                select(Customer.external_id, CustomerMetrics.lifetime_spend)
                .join(CustomerMetrics, CustomerMetrics.customer_id == Customer.id)
                .where(CustomerMetrics.orders_count > 0)
            ).all()
        )
    nia, pia, quin = facts["C14"], facts["C16"], facts["C17"]
    assert nia["milestone"] == {
        "kind": "lifetime_spend",
        "threshold": "5000.00",
        "currency": "USD",
        "reached_on": "2026-11-10",
        "description": "5,000 USD of purchases",
    }
    assert pia["milestone"]["kind"] == "orders"
    assert (pia["milestone"]["threshold"], pia["milestone"]["reached_on"]) == (10, "2026-11-12")
    assert quin["milestone"] == {
        "kind": "tenure_years",
        "threshold": 2,
        "reached_on": "2026-11-10",
        "description": "2 years as a customer",
    }
    assert quin["customer"]["customer_since"] == "2024-11-10"
    assert quin["customer"]["tenure_years"] == 2
    # A band means "among the first floor(N * p / 100) spenders", never a raw amount.
    for external, receipt in facts.items():
        tier = receipt["customer"].get("spend_tier")
        if tier is None:
            continue
        percent = int(tier.removeprefix("top ").removesuffix("%"))
        ahead = sum(1 for value in spends.values() if value > spends[external])
        assert ahead + 1 <= len(spends) * percent / 100
        assert str(spends[external]) not in json.dumps(receipt)


def test_receipts_and_prompts_hold_nothing_personal_beyond_the_first_name(store: Engine) -> None:
    with unit_of_work(store) as session:
        session.execute(
            update(Customer).values(phone=literal("+1555").concat(Customer.external_id))
        )
    cases = [
        ("check_in", "recent_buyers_30d", "sms"),
        ("upsell", "product_fans", "email"),
        ("re_engagement", "returned_relaunched", "email"),
        ("recognition", "milestone", "email"),
        ("recognition", "vip", "sms"),
    ]
    seen = 0
    with unit_of_work(store) as session:
        for playbook, segment, channel in cases:
            template = load_prompt(playbook)
            for receipt in receipts(session, playbook, segment, channel).values():
                text = json.dumps(receipt)
                assert not [word for word in FORBIDDEN if word in text], text
                for value in leaves(receipt):
                    assert value is None or isinstance(value, str | int | bool), value
                if missing_facts(playbook, receipt):
                    continue
                prompt = render_prompt(template, facts=receipt, brand=brand(), channel=channel)
                rendered = prompt.system + prompt.user
                assert "Test" not in rendered and "example.com" not in rendered
                seen += 1
    assert seen >= 10


def test_first_sms_is_false_once_an_sms_was_sent(store: Engine) -> None:
    with unit_of_work(store) as session:
        ben = session.execute(select(Customer.id).where(Customer.external_id == "C02")).scalar_one()
        session.add(
            Message(
                customer_id=ben,
                direction="outbound",
                channel="sms",
                status="delivered",
                body="Hi Ben",
                sent_at=datetime(2026, 10, 1, tzinfo=UTC),
            )
        )
    with unit_of_work(store) as session:
        sms = receipts(session, "check_in", "recent_buyers_14d", "sms")
        email = receipts(session, "check_in", "recent_buyers_14d", "email")
        one = build_facts(
            session,
            playbook=get_playbook("check_in"),
            customer_id=ben,
            channel="sms",
            as_of=AS_OF,
            brand=brand(),
        )
    assert sms["C02"]["customer"]["first_sms"] is False
    assert sms["C01"]["customer"]["first_sms"] is True
    assert "first_sms" not in email["C02"]["customer"]
    # One customer without a qualifier: check-in falls back to their latest purchase.
    assert one is not None and one["purchase"]["order_number"] == "O02-1"


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize(
    "playbook,segment", [("recognition", "milestone"), ("check_in", "recent_buyers_30d")]
)
def test_a_batch_costs_the_same_few_queries_whatever_its_size(
    store: Engine, playbook: str, segment: str
) -> None:
    with unit_of_work(store) as session:
        evaluation = segments.evaluate(session, segment)
        found = [(m.customer_pk, m.qualifier) for m in segments.iter_members(session, evaluation)]
        counts = []
        for batch in (found[:1], found):
            with statements(store) as seen:
                build_facts_batch(
                    session,
                    playbook=get_playbook(playbook),
                    members=batch,
                    channel="sms",
                    as_of=AS_OF,
                    brand=brand(),
                )
            counts.append(len(seen))
    # One query per kind of fact, not per customer (milestones add one per milestone kind).
    assert len(found) > 2
    assert max(counts) <= 10


def test_a_prompt_stays_within_800_tokens_for_the_longest_history(
    engine: Engine, tmp_path: Path
) -> None:
    store = demo_store(engine, tmp_path / "demo", customers=1500)
    template_for = {
        name: load_prompt(name) for name in ("recognition", "check_in", "upsell", "re_engagement")
    }
    segment_for = {
        "recognition": "milestone",
        "check_in": "recent_buyers_14d",
        "upsell": "product_fans",
        "re_engagement": "returned_relaunched",
    }
    sizes: dict[str, int] = {}
    with unit_of_work(store) as session:
        longest = (
            session.execute(
                select(CustomerMetrics.customer_id).order_by(
                    CustomerMetrics.orders_count.desc(), CustomerMetrics.customer_id
                )
            )
            .scalars()
            .first()
        )
        assert longest is not None
        for playbook, segment in segment_for.items():
            evaluation = segments.evaluate(session, segment)
            found = list(segments.iter_members(session, evaluation))
            # The member with the most orders, and the store's longest history outright.
            found.sort(key=lambda m: -(m.metrics["orders_count"] or 0))
            chosen = [(found[0].customer_pk, found[0].qualifier)] if found else []
            if longest not in {pk for pk, _ in chosen}:
                chosen.append((longest, {}))
            facts = build_facts_batch(
                session,
                playbook=get_playbook(playbook),
                members=chosen,
                channel="email" if playbook != "check_in" else "sms",
                as_of=AS_OF,
                brand=brand(),
            )
            for receipt in facts.values():
                if missing_facts(playbook, receipt):
                    continue
                prompt = render_prompt(
                    template_for[playbook],
                    facts=receipt,
                    brand=brand(),
                    channel=receipt["channel"],
                    feedback=["invented_code: a discount-code-like token that is not in the facts"]
                    * 3,
                )
                sizes[playbook] = max(
                    sizes.get(playbook, 0), count_tokens(prompt.system) + count_tokens(prompt.user)
                )
    assert set(sizes) == set(segment_for)
    assert max(sizes.values()) <= 800, sizes


def test_dates_given_as_dates_stay_those_days_from_the_csv_to_the_receipt(
    engine: Engine, tmp_path: Path
) -> None:
    # The brand (New York) is behind UTC: a date read as UTC midnight would show a day early.
    products = [
        row.replace("2026-10-01T12:00:00Z", "2026-09-10") if row.startswith("P3,") else row
        for row in FIXTURE["products"]
    ]
    returns = [
        "O10-1,P3,2026-09-05,fit,too short" if row.startswith("O10-1,") else row
        for row in FIXTURE["returns"]
    ]
    load_store(engine, tmp_path / "csv", {**FIXTURE, "products": products, "returns": returns})
    with unit_of_work(engine) as session:
        facts = receipts(session, "re_engagement", "returned_relaunched")
    jon = facts["C10"]
    assert jon["return"]["returned_on"] == "2026-09-05"
    assert jon["relaunch"]["relaunched_on"] == "2026-09-10"
