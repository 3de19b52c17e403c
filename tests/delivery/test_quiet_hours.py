"""Quiet hours in the customer's zone: never a send inside them, in any zone, across DST."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.delivery.quiet_hours import QuietHours, resolve_zone

ZONES = sorted(zoneinfo.available_timezones())
DEFAULT = QuietHours()  # quiet 20:00 → 09:00


def test_inside_the_window_is_now() -> None:
    moment = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 11:00 in New York
    assert DEFAULT.next_allowed(moment, ZoneInfo("America/New_York")) == moment


def test_evening_defers_to_nine_next_morning_local() -> None:
    zone = ZoneInfo("America/Los_Angeles")
    moment = datetime(2026, 3, 11, 4, 30, tzinfo=UTC)  # 21:30 on the 10th in Los Angeles
    allowed = DEFAULT.next_allowed(moment, zone)
    assert allowed.astimezone(zone) == datetime(2026, 3, 11, 9, 0, tzinfo=zone)


def test_early_morning_defers_to_nine_the_same_day() -> None:
    zone = ZoneInfo("Europe/Berlin")
    moment = datetime(2026, 7, 1, 4, 0, tzinfo=UTC)  # 06:00 in Berlin (CEST)
    assert DEFAULT.next_allowed(moment, zone) == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)


def test_spring_forward_night_still_resumes_at_nine_local() -> None:
    zone = ZoneInfo("America/New_York")
    # 23:00 EST on Saturday 7 March 2026; clocks jump 02:00 → 03:00 that night.
    moment = datetime(2026, 3, 8, 4, 0, tzinfo=UTC)
    allowed = DEFAULT.next_allowed(moment, zone)
    assert allowed == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)  # 09:00 EDT (UTC-4)


def test_fall_back_night_resumes_at_nine_local() -> None:
    zone = ZoneInfo("America/New_York")
    moment = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)  # 23:00 EDT on 31 October
    assert DEFAULT.next_allowed(moment, zone) == datetime(2026, 11, 1, 14, 0, tzinfo=UTC)


def test_window_opening_in_a_skipped_hour_opens_at_the_jump() -> None:
    zone = ZoneInfo("America/New_York")
    hours = QuietHours(start=time(20, 0), end=time(2, 30))  # 02:30 does not exist on 8 March
    moment = datetime(2026, 3, 8, 6, 0, tzinfo=UTC)  # 01:00 EST
    allowed = hours.next_allowed(moment, zone)
    assert allowed == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # the jump: 03:00 EDT
    assert not hours.is_quiet(allowed, zone)
    assert hours.is_quiet(allowed - timedelta(seconds=1), zone)


def test_quiet_hours_inside_the_day_and_none() -> None:
    zone = ZoneInfo("UTC")
    lunch = QuietHours(start=time(12, 0), end=time(13, 0))
    moment = datetime(2026, 1, 5, 12, 30, tzinfo=UTC)
    assert lunch.next_allowed(moment, zone) == datetime(2026, 1, 5, 13, 0, tzinfo=UTC)
    never = QuietHours(start=time(9, 0), end=time(9, 0))
    assert never.next_allowed(moment, zone) == moment


@pytest.mark.parametrize("name", [None, "", "Mars/Olympus_Mons", "not a zone", "../etc"])
def test_unknown_zone_falls_back_to_the_brand_zone(name: str | None) -> None:
    assert resolve_zone(name, "Europe/Paris") == ZoneInfo("Europe/Paris")


moments = st.datetimes(
    min_value=datetime(1995, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC)
)
windows = st.tuples(st.times(), st.times()).filter(
    lambda pair: pair[0].replace(microsecond=0) != pair[1].replace(microsecond=0)
)


def _offset(zone: ZoneInfo, moment: datetime) -> timedelta | None:
    return moment.astimezone(zone).utcoffset()


def _transitions(zone: ZoneInfo, year: int) -> list[datetime]:
    """The instants `zone` changed its UTC offset during `year` (to the second)."""
    found = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    while day.year == year:
        after = day + timedelta(days=1)
        if _offset(zone, day) != _offset(zone, after):
            low, high = int(day.timestamp()), int(after.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                if _offset(zone, datetime.fromtimestamp(middle, UTC)) == _offset(zone, day):
                    low = middle
                else:
                    high = middle
            found.append(datetime.fromtimestamp(high, UTC))
        day = after
    return found


@st.composite
def near_a_transition(draw: st.DrawFn) -> tuple[ZoneInfo, datetime]:
    """A zone that changes its offset, and a moment within 36 hours of one of its changes."""
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    year = draw(st.integers(min_value=1996, max_value=2037))
    changes = _transitions(zone, year)
    if not changes:
        changes = [datetime(year, 6, 1, tzinfo=UTC)]
    change = draw(st.sampled_from(changes))
    seconds = draw(st.integers(min_value=-36 * 3600, max_value=36 * 3600))
    return zone, change + timedelta(seconds=seconds)


@settings(max_examples=300, deadline=None)
@given(case=near_a_transition())
def test_no_send_falls_in_quiet_hours_around_dst_changes(case: tuple[ZoneInfo, datetime]) -> None:
    zone, moment = case
    allowed = DEFAULT.next_allowed(moment, zone)
    assert allowed >= moment
    assert not DEFAULT.is_quiet(allowed, zone)
    if allowed > moment:
        assert DEFAULT.is_quiet(allowed - timedelta(seconds=1), zone)
