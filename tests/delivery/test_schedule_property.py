"""Property, through the scheduler and the database: a scheduled send is never in quiet hours
in the customer's zone (any IANA zone, across DST), even when the cap pushes it around, and
is inside the whole sending window (assistant.delivery.windows)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.delivery.windows import sending_window, zone_of
from tests.delivery.factories import Clock, add_customer, add_draft, policy
from tests.delivery.helpers import message, schedule

ZONES = sorted(zoneinfo.available_timezones())


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    zone=st.one_of(st.sampled_from(ZONES), st.just("Not/AZone"), st.none()),
    moment=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
    ),
    gaps=st.lists(st.integers(min_value=0, max_value=24 * 10), max_size=3),
)
def test_scheduled_sends_never_fall_in_quiet_hours(
    engine: Engine, zone: str | None, moment: datetime, gaps: list[int]
) -> None:
    rules = policy()
    with unit_of_work(engine) as session:
        customer = add_customer(session, timezone=zone)
        drafts = [add_draft(session, customer) for _ in range(len(gaps) + 1)]
    local = zone_of(customer, rules)  # theirs, else their number's, else the brand's
    clock = Clock(moment)
    times = []
    for draft, gap in zip(drafts, [0, *gaps], strict=True):
        clock.advance(timedelta(hours=gap))
        message_id = schedule(engine, draft.id, clock, rules)
        assert message_id is not None
        when = message(engine, message_id).scheduled_for
        assert when is not None and when >= clock.now
        assert not rules.quiet_hours.is_quiet(when, local)
        assert sending_window(customer, "sms", rules).allows(when)  # and the federal window
        times.append(when)
    # and the cap holds among them: one marketing message per 7 days
    ordered = sorted(times)
    assert all(b - a >= timedelta(days=7) for a, b in pairwise(ordered))
