"""The variant report on hand-built stores (SQLite and PostgreSQL): counts, intervals, the
minimum sample, and which variant leads."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.reports.stats import wilson
from assistant.reports.variants import PlaybookVariants, variant_report
from tests.reports.outcomes_store import DAY, T0, campaign, customer, draft, message, order, reply

DECLARED = {"recognition": ["thanks", "early_access"]}


def _minimum(monkeypatch: pytest.MonkeyPatch, value: int) -> None:
    monkeypatch.setenv("ASSISTANT_VARIANT_MIN_SENT", str(value))
    get_settings.cache_clear()


def _send(
    session: Session,
    cid: int,
    variant: str | None,
    *,
    replied: bool = False,
    spent: str | None = None,
    playbook: str = "recognition",
    at_day: int = 0,
) -> None:
    """One customer's draft of `variant`, its delivered email, maybe a reply and an order."""
    who = customer(session)
    at = T0 + at_day * DAY
    made = draft(session, who, cid, playbook=playbook, channel="email", variant=variant)
    message(session, who, made, at, channel="email")
    if replied:
        reply(session, who, at + DAY)
    if spent is not None:
        order(session, who, at + 2 * DAY, spent)


def _report(engine: Engine, **kwargs: object) -> dict[str, PlaybookVariants]:
    with unit_of_work(engine) as session:
        found = variant_report(session, get_settings(), declared=DECLARED, **kwargs)  # type: ignore[arg-type]
    return {item.playbook: item for item in found}


def _small_store(engine: Engine) -> None:
    """thanks: 4 sent, 1 reply, one 40.00 order; early_access: 4 sent, 2 replies, orders of
    30.00 and 50.00. Plus noise the report must leave out."""
    with unit_of_work(engine) as session:
        cid = campaign(session, "recognition")
        _send(session, cid, "thanks", replied=True, spent="40.00")
        for _ in range(3):
            _send(session, cid, "thanks")
        _send(session, cid, "early_access", replied=True, spent="30.00")
        _send(session, cid, "early_access", replied=True, spent="50.00")
        _send(session, cid, "early_access")
        _send(session, cid, "early_access")
        _send(session, cid, None, replied=True, spent="99.00")  # no variant: not in the test
        _send(session, cid, "thanks", at_day=20)  # outside --until below
        other = campaign(session, "upsell")
        _send(session, other, "short", playbook="upsell", spent="10.00")


def test_counts_rates_and_intervals_per_variant(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _minimum(monkeypatch, 4)
    _small_store(engine)
    found = _report(engine, until=date(2026, 11, 10))
    assert sorted(found) == ["recognition", "upsell"]
    test = found["recognition"]
    rows = {row.variant: row for row in test.variants}
    thanks, early = rows["thanks"], rows["early_access"]
    assert (thanks.sent, thanks.delivered, thanks.replied, thanks.converted) == (4, 4, 1, 1)
    assert (early.sent, early.replied, early.converted, early.revenue) == (4, 2, 2, 80.0)
    assert thanks.reply_rate == wilson(1, 4)
    assert early.conversion_rate == wilson(2, 4)
    # Revenue per message: thanks 40, 0, 0, 0 -> mean 10, sample sd 20, standard error 10.
    assert thanks.revenue_per_message is not None
    assert thanks.revenue_per_message.estimate == pytest.approx(10.0)
    assert thanks.revenue_per_message.high == pytest.approx(10.0 + 1.959964 * 10.0, rel=1e-5)
    # early_access 30, 50, 0, 0 -> mean 20, sample variance 600, standard error sqrt(150).
    assert early.revenue_per_message is not None
    assert early.revenue_per_message.estimate == pytest.approx(20.0)
    assert early.revenue_per_message.low == pytest.approx(20.0 - 1.959964 * 150**0.5, rel=1e-5)
    assert test.enough_data and all(row.enough_data for row in test.variants)
    leads = {lead.metric: lead for lead in test.leads}
    assert {lead.leader for lead in leads.values()} == {"early_access"}
    assert all(lead.overlap for lead in leads.values())
    assert "early_access leads on reply rate (50.0% vs 25.0%) but the 95% intervals overlap" in (
        test.verdict
    )
    # One variant with messages is not a comparison, however many it has.
    assert not found["upsell"].enough_data and found["upsell"].leads == []


def test_not_enough_data_until_every_variant_has_the_minimum(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _minimum(monkeypatch, 5)
    _small_store(engine)
    test = _report(engine, until=date(2026, 11, 10))["recognition"]
    assert not test.enough_data and test.leads == []
    assert test.verdict == (
        "not enough data yet: each variant needs 5 sent messages (early_access 4, thanks 4 so far)"
    )
    # Counting the later thanks message too: thanks reaches 5, early_access does not.
    test = _report(engine)["recognition"]
    assert [(r.variant, r.sent, r.enough_data) for r in test.variants] == [
        ("early_access", 4, False),
        ("thanks", 5, True),
    ]
    assert test.verdict.startswith("not enough data yet") and "(early_access 4 so far)" in (
        test.verdict
    )


def test_a_declared_variant_with_no_messages_is_listed_and_the_default_minimum_is_100(
    engine: Engine,
) -> None:
    assert get_settings().metrics.variant_min_sent == 100
    with unit_of_work(engine) as session:
        cid = campaign(session, "recognition")
        _send(session, cid, "thanks")
    test = _report(engine, playbook="recognition")["recognition"]
    empty = next(r for r in test.variants if r.variant == "early_access")
    assert (empty.sent, empty.reply_rate, empty.revenue_per_message) == (0, None, None)
    assert test.min_sent == 100 and not test.enough_data


def test_a_clear_winner_has_intervals_apart(engine: Engine) -> None:
    """100 messages each (the default minimum): 40 conversions against 5."""
    with unit_of_work(engine) as session:
        cid = campaign(session, "recognition")
        for index in range(100):
            _send(session, cid, "early_access", spent="20.00" if index < 40 else None)
            _send(session, cid, "thanks", spent="20.00" if index < 5 else None)
    test = _report(engine)["recognition"]
    assert test.enough_data
    conversion = next(lead for lead in test.leads if lead.metric == "conversion_rate")
    assert (conversion.leader, conversion.runner_up, conversion.overlap) == (
        "early_access",
        "thanks",
        False,
    )
    assert (
        "early_access leads on conversion rate (40.0% vs 5.0%); the 95% intervals do not overlap"
        in test.verdict
    )


def test_outcomes_and_review_group_by_variant(engine: Engine) -> None:
    from assistant.reports.outcomes import outcomes
    from assistant.reports.service import review_analytics

    _small_store(engine)
    with unit_of_work(engine) as session:
        funnel = {r.key: r for r in outcomes(session, get_settings(), by="variant")}
        reviewed = {r.key: r for r in review_analytics(session, by="variant")}
    assert sorted(funnel) == ["(none)", "early_access", "short", "thanks"]
    assert (funnel["thanks"].sent, funnel["thanks"].revenue) == (5, 40.0)
    assert (funnel["early_access"].converted, funnel["early_access"].revenue) == (2, 80.0)
    assert (funnel["(none)"].sent, funnel["(none)"].revenue) == (1, 99.0)
    assert {key: row.drafted for key, row in reviewed.items()} == {
        "(none)": 1,
        "early_access": 4,
        "short": 1,
        "thanks": 5,
    }
