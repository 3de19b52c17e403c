"""Property: the combined window's next allowed moment, in every IANA zone and across DST.

It is allowed by every rule, never before the asked moment, and no earlier allowed minute
is skipped (checked minute by minute from the asked moment)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, time, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.delivery.quiet_hours import QuietHours
from assistant.delivery.windows import SendingWindow, offset_changes, sending_window
from assistant.models import Customer
from tests.delivery.factories import policy

ZONES = sorted(zoneinfo.available_timezones())
# Customers each rule family applies to: state windows (FL, CT, TX, AL), federal only (CA),
# France, a country without legal rules (GB, holidays only), an email-only state attribute.
PEOPLE: list[dict[str, Any]] = [
    {"phone": "+13055550123"},
    {"phone": "+12035550123"},
    {"phone": "+15125550123"},
    {"phone": "+12055550123"},
    {"phone": "+14155550123", "attributes": {"state": "Louisiana"}},
    {"phone": "+14155550123"},
    {"phone": "+33612345678"},
    {"phone": "+447700900123"},
    {"email": "a@example.com", "attributes": {"country": "DE"}},
]
whole_minutes = st.builds(time, st.integers(0, 23), st.integers(0, 59))


def _window(
    zone: str, person: dict[str, Any], channel: str, quiet: QuietHours, skip: bool
) -> SendingWindow:
    customer = Customer(external_id="p", timezone=zone, **person)
    return sending_window(customer, channel, policy(quiet_hours=quiet, skip_holidays=skip))


def _assert_first_allowed(window: SendingWindow, at: datetime) -> None:
    found = window.next_allowed(at)
    limit = at + timedelta(days=5)
    if found is None:  # no window at all: none in the next days either
        found = limit
    else:
        assert found >= at
        assert window.allows(found)
        assert window.blocks(found) == []
    if found == at:
        return
    assert not window.allows(at)
    minute = at.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while minute < min(found, limit):
        assert not window.allows(minute), f"{minute} allowed before {found}"
        minute += timedelta(minutes=1)


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    at=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
    ),
    person=st.sampled_from(PEOPLE),
    channel=st.sampled_from(["sms", "email"]),
    quiet=st.builds(QuietHours, whole_minutes, whole_minutes),
    skip=st.booleans(),
)
def test_next_allowed_is_the_first_allowed_moment_anywhere(
    zone: str, at: datetime, person: dict[str, Any], channel: str, quiet: QuietHours, skip: bool
) -> None:
    _assert_first_allowed(_window(zone, person, channel, quiet, skip), at)


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    year=st.integers(2000, 2037),
    pick=st.integers(0, 50),
    shift=st.integers(-36 * 60, 36 * 60),
    person=st.sampled_from(PEOPLE),
    quiet=st.builds(QuietHours, whole_minutes, whole_minutes),
)
def test_next_allowed_across_dst_transitions(
    zone: str, year: int, pick: int, shift: int, person: dict[str, Any], quiet: QuietHours
) -> None:
    local = zoneinfo.ZoneInfo(zone)
    start = datetime(year, 1, 1, tzinfo=UTC)
    changes = list(offset_changes(local, start, start + timedelta(days=366)))
    around = changes[pick % len(changes)] if changes else start + timedelta(days=pick * 7)
    window = _window(zone, person, "sms", quiet, skip=True)
    _assert_first_allowed(window, around + timedelta(minutes=shift))


def test_a_fall_back_hour_reopens_a_window_that_had_closed() -> None:
    # Open 00:00-01:30 only. On 1 Nov 2026 New York goes 01:59:59 EDT → 01:00 EST: the window,
    # closed since 01:30 EDT, opens again at the change (01:00 EST), not at midnight.
    window = _window(
        "America/New_York",
        {"email": "a@example.com"},
        "email",
        QuietHours(time(1, 30), time(0, 0)),
        skip=False,
    )
    at = datetime(2026, 11, 1, 5, 45, tzinfo=UTC)  # 01:45 EDT
    assert window.next_allowed(at) == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)  # 01:00 EST
    _assert_first_allowed(window, at)


def test_a_window_opening_in_a_skipped_hour_opens_at_the_jump() -> None:
    # Opens 02:30, which 8 March 2026 skips in New York (02:00 EST → 03:00 EDT).
    window = _window(
        "America/New_York",
        {"email": "a@example.com"},
        "email",
        QuietHours(time(20, 0), time(2, 30)),
        skip=False,
    )
    at = datetime(2026, 3, 8, 6, 0, tzinfo=UTC)  # 01:00 EST
    assert window.next_allowed(at) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT
    _assert_first_allowed(window, at)
