"""UTC-offset periods of IANA zones, so SQL can turn UTC timestamps into local days.

SQLite has no time-zone database, so the refresh hands both databases the same small table:
for each zone in use, the periods [valid_from, valid_until) in UTC with one UTC offset.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def _offset(zone: ZoneInfo, moment: datetime) -> int:
    offset = moment.astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def offset_periods(
    zone_name: str, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, int]]:
    """Periods covering [start, end) in UTC during which `zone_name` keeps one offset."""
    zone = ZoneInfo(zone_name)
    periods: list[tuple[datetime, datetime, int]] = []
    period_start = start.astimezone(UTC)
    current = _offset(zone, period_start)
    day = period_start
    end = end.astimezone(UTC)
    while day < end:
        following = min(day + timedelta(days=1), end)
        offset = _offset(zone, following)
        if offset != current:
            # A change happened within this day: find its first second by bisection.
            low, high = int(day.timestamp()), int(following.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                if _offset(zone, datetime.fromtimestamp(middle, UTC)) == current:
                    low = middle
                else:
                    high = middle
            change = datetime.fromtimestamp(high, UTC)
            periods.append((period_start, change, current))
            period_start, current = change, offset
        day = following
    periods.append((period_start, end, current))
    return periods
