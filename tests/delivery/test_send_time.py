"""Send-time picking as pure functions: best hour, ties, recency, the chain, holdout, timing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from assistant.delivery.send_time import (
    Choice,
    SendTimePolicy,
    best_hour,
    choose,
    in_holdout,
    local_hours,
    next_at_hour,
)

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


def _hours(*pairs: tuple[int, int]) -> list[tuple[int, datetime]]:
    """(hour, days ago) pairs as hour-tagged moments."""
    return [(hour, NOW - timedelta(days=days)) for hour, days in pairs]


def test_the_most_frequent_hour_wins() -> None:
    assert best_hour(_hours((19, 1), (19, 2), (19, 3), (8, 1), (12, 1)), NOW) == 19


def test_a_tie_of_equal_weight_goes_to_the_earliest_hour() -> None:
    assert best_hour(_hours((21, 5), (10, 5), (21, 6), (10, 6)), NOW) == 10


def test_recency_breaks_a_tie_of_counts() -> None:
    # Two at 10:00 a year ago, two at 21:00 last week: the recent habit wins.
    assert best_hour(_hours((10, 360), (10, 361), (21, 7), (21, 8)), NOW) == 21


def test_no_moments_no_hour() -> None:
    assert best_hour([], NOW) is None


def test_hours_are_read_in_each_customers_zone_unknown_zone_is_the_brands() -> None:
    moment = datetime(2026, 2, 2, 0, 30, tzinfo=UTC)  # 19:30 in New York, 16:30 in LA
    moments = [("America/New_York", moment), ("America/Los_Angeles", moment), (None, moment)]
    assert [h for h, _ in local_hours(moments, "America/Los_Angeles")] == [19, 16, 16]
    assert [h for h, _ in local_hours([("Not/AZone", moment)], "America/New_York")] == [19]


def test_the_chain_customer_then_segment_then_brand_then_none() -> None:
    rules = SendTimePolicy(min_events=3, pool_min=20)
    own, few = _hours((19, 1), (19, 2), (19, 3)), _hours((19, 1), (19, 2))
    segment, brand = _hours(*[(14, d) for d in range(20)]), _hours(*[(16, d) for d in range(20)])
    assert choose(own, segment, brand, NOW, rules) == Choice("learned", 19)
    assert choose(few, segment, brand, NOW, rules) == Choice("segment", 14)
    assert choose(few, segment[:19], brand, NOW, rules) == Choice("brand", 16)
    assert choose(few, None, brand, NOW, rules) == Choice("brand", 16)
    assert choose(few, None, brand[:19], NOW, rules) == Choice("none", None)


def test_the_minimum_of_own_events_is_a_setting() -> None:
    few = _hours((19, 1), (19, 2))
    assert choose(few, None, [], NOW, SendTimePolicy(min_events=2)) == Choice("learned", 19)


def test_holdout_is_reproducible_and_about_its_share() -> None:
    ids = range(1, 10_001)
    first = [in_holdout(i, 20) for i in ids]
    assert first == [in_holdout(i, 20) for i in ids]
    assert 1_850 <= sum(first) <= 2_150
    assert not any(in_holdout(i, 0) for i in ids)
    assert all(in_holdout(i, 100) for i in ids)
    # A larger share keeps everyone a smaller one held out (same hash, higher threshold).
    assert all(in_holdout(i, 50) for i in ids if in_holdout(i, 20))


def test_next_at_hour_later_today_tomorrow_or_now() -> None:
    # 11:00 EDT now.
    assert next_at_hour(NOW, 19, NEW_YORK) == datetime(2026, 3, 10, 23, 0, tzinfo=UTC)
    assert next_at_hour(NOW, 9, NEW_YORK) == datetime(2026, 3, 11, 13, 0, tzinfo=UTC)
    assert next_at_hour(NOW, 11, NEW_YORK) == NOW  # already in the best hour
    assert next_at_hour(NOW, 19, NEW_YORK) - NOW < timedelta(hours=24)


def test_next_at_hour_across_the_spring_forward_night() -> None:
    evening = datetime(2026, 3, 8, 1, 0, tzinfo=UTC)  # 20:00 EST on Saturday 7 March
    # 02:00 on 8 March does not exist in New York: the jump (03:00 EDT) is the moment.
    assert next_at_hour(evening, 2, NEW_YORK) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    # 19:00 on Sunday is EDT (UTC-4).
    assert next_at_hour(evening, 19, NEW_YORK) == datetime(2026, 3, 8, 23, 0, tzinfo=UTC)
