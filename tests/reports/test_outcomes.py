"""Outcomes and last-touch attribution, on hand-computed stores (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.reports.attribution import attribute
from assistant.reports.outcomes import OutcomeRow, outcomes
from assistant.reports.service import BadReportInput
from tests.reports.outcomes_store import (
    DAY,
    T0,
    campaign,
    customer,
    draft,
    message,
    opt_out,
    order,
    reply,
    sent,
)


def _report(engine: Engine, by: str = "campaign", **kwargs: object) -> dict[str, OutcomeRow]:
    with unit_of_work(engine) as session:
        rows = outcomes(session, get_settings(), by=by, **kwargs)  # type: ignore[arg-type]
    return {row.key: row for row in rows}


def _attributed(engine: Engine) -> dict[int, int]:
    """order id -> message id."""
    with unit_of_work(engine) as session:
        found = attribute(session, days=get_settings().metrics.attribution_days)
    return {a.order_id: a.message_id for a in found}


def test_an_order_three_days_after_a_message_is_attributed(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        who, cid = customer(session), campaign(session)
        sms = sent(session, who, cid, T0)
        bought = order(session, who, T0 + 3 * DAY, "40.00")
    assert _attributed(engine) == {bought: sms}
    row = _report(engine)[str(cid)]
    assert (row.drafted, row.approved, row.sent, row.delivered) == (1, 1, 1, 1)
    assert (row.converted, row.orders, row.revenue, row.revenue_per_message) == (1, 1, 40.0, 40.0)


def test_eight_days_is_outside_the_default_window_but_inside_ten(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with unit_of_work(engine) as session:
        who, cid = customer(session), campaign(session)
        sms = sent(session, who, cid, T0)
        bought = order(session, who, T0 + 8 * DAY, "25.00")
    assert _attributed(engine) == {}
    assert _report(engine)[str(cid)].converted == 0
    monkeypatch.setenv("ASSISTANT_ATTRIBUTION_DAYS", "10")
    get_settings.cache_clear()
    assert _attributed(engine) == {bought: sms}
    assert _report(engine)[str(cid)].revenue == 25.0


def test_two_messages_before_one_order_only_the_last_gets_it(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        who, first, second = customer(session), campaign(session), campaign(session)
        sent(session, who, first, T0)
        last = sent(session, who, second, T0 + DAY)
        bought = order(session, who, T0 + 2 * DAY, "60.00")
    assert _attributed(engine) == {bought: last}
    rows = _report(engine)
    assert (rows[str(first)].converted, rows[str(first)].revenue) == (0, 0.0)
    assert (rows[str(second)].converted, rows[str(second)].revenue) == (1, 60.0)
    assert sum(row.orders for row in rows.values()) == 1


def test_one_message_two_orders_sums_revenue_and_converts_once(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        who, cid = customer(session), campaign(session)
        sms = sent(session, who, cid, T0)
        one = order(session, who, T0 + DAY, "30.00")
        two = order(session, who, T0 + 2 * DAY, "20.50")
    assert _attributed(engine) == {one: sms, two: sms}
    row = _report(engine)[str(cid)]
    assert (row.converted, row.orders, row.revenue, row.revenue_per_message) == (1, 2, 50.5, 50.5)


def test_cancelled_refunded_and_earlier_orders_are_not_attributed(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        who, cid = customer(session), campaign(session)
        order(session, who, T0 - DAY, "10.00")
        sent(session, who, cid, T0)
        order(session, who, T0 + DAY, "11.00", status="cancelled")
        order(session, who, T0 + DAY, "12.00", status="refunded")
        other = customer(session)
        sent(session, other, cid, T0)
        order(session, customer(session), T0 + DAY, "13.00")  # someone never messaged
    assert _attributed(engine) == {}
    row = _report(engine)[str(cid)]
    assert (row.sent, row.converted, row.revenue, row.revenue_per_message) == (2, 0, 0.0, 0.0)


def test_a_reply_before_the_order_is_flagged_and_counted(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        cid = campaign(session)
        talker, quiet, late = customer(session), customer(session), customer(session)
        sent(session, talker, cid, T0)
        reply(session, talker, T0 + timedelta(hours=1))
        order(session, talker, T0 + 2 * DAY, "40.00")
        sent(session, quiet, cid, T0)
        order(session, quiet, T0 + 2 * DAY, "15.00")
        sent(session, late, cid, T0)
        reply(session, late, T0 + 9 * DAY)  # after the window: not a reply to this message
    with unit_of_work(engine) as session:
        found = attribute(session, days=7)
    assert sorted(a.replied for a in found) == [False, True]
    row = _report(engine)[str(cid)]
    assert (row.sent, row.replied, row.orders, row.orders_after_reply) == (3, 1, 2, 1)


def test_opt_outs_within_the_window_on_the_channel_are_counted(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        cid = campaign(session)
        stopped, later, elsewhere = customer(session), customer(session), customer(session)
        sent(session, stopped, cid, T0)
        opt_out(session, stopped, T0 + DAY)
        sent(session, later, cid, T0)
        opt_out(session, later, T0 + 8 * DAY)
        sent(session, elsewhere, cid, T0)
        opt_out(session, elsewhere, T0 + DAY, channel="email")
    assert _report(engine)[str(cid)].opted_out == 1


def test_cost_is_segments_emails_and_tokens(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_COST_PER_EMAIL", "0.001")
    get_settings.cache_clear()
    with unit_of_work(engine) as session:
        who, cid = customer(session), campaign(session)
        long = draft(session, who, cid, tokens=(1000, 500))
        message(session, who, long, T0, body="a" * 161)  # 2 GSM-7 segments
        message(session, who, draft(session, who, cid), T0 + DAY)  # 1 segment
        mail = draft(session, who, cid, channel="email")
        message(session, who, mail, T0 + DAY, channel="email", body="x" * 5000)
    row = _report(engine)[str(cid)]
    assert (row.sent, row.sms_segments, row.emails) == (3, 3, 1)
    # 3 x 0.0079 + 0.001; 1000 x 0.15 / 1e6 + 500 x 0.60 / 1e6 (the LLM price defaults)
    assert row.provider_cost == pytest.approx(0.0247)
    assert row.llm_cost == pytest.approx(0.00045)
    assert row.cost == pytest.approx(0.02515)


def test_grouping_by_playbook_and_trigger(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        manual = campaign(session, "check_in")
        auto = campaign(session, "winback", trigger="winback_60d")
        a, b = customer(session), customer(session)
        message(session, a, draft(session, a, manual), T0)
        order(session, a, T0 + DAY, "20.00")
        message(session, b, draft(session, b, auto, playbook="winback"), T0)
        draft(session, b, auto, playbook="winback", state="rejected")
    by_playbook = _report(engine, by="playbook")
    assert set(by_playbook) == {"check_in", "winback"}
    winback = by_playbook["winback"]
    assert (winback.drafted, winback.approved, winback.sent, winback.revenue) == (2, 1, 1, 0.0)
    assert by_playbook["check_in"].revenue == 20.0
    by_trigger = _report(engine, by="trigger")
    assert (by_trigger["(none)"].revenue, by_trigger["winback_60d"].drafted) == (20.0, 2)
    only = _report(engine, by="week", campaign_id=auto)
    assert set(only) == {"2026-W45"} and only["2026-W45"].drafted == 2


def test_the_period_is_when_the_message_went_out(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        who, cid = customer(session), campaign(session)
        sent(session, who, cid, T0)
        order(session, who, T0 + 3 * DAY, "40.00")  # after --until, still this message's
    row = _report(engine, since=date(2026, 11, 2), until=date(2026, 11, 2))[str(cid)]
    assert (row.sent, row.revenue) == (1, 40.0)
    assert _report(engine, since=date(2026, 11, 3)) == {}
    with pytest.raises(BadReportInput):
        _report(engine, since=date(2026, 11, 3), until=date(2026, 11, 2))
    with pytest.raises(BadReportInput):
        _report(engine, by="flavour")
