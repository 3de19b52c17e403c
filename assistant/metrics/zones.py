"""Per-day UTC offsets of IANA zones, so SQL can turn UTC timestamps into local days.

SQLite has no time-zone database, so the refresh hands every database the same small table:
one row per zone and UTC calendar day with the offset at the start of that day and, on the
few days a zone changes its offset (DST), the second it changes and the offset after. SQL
then joins on equality (zone, UTC day), which every engine does fast, instead of a range.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ZoneDay:
    """One UTC day of one zone."""

    zone: str
    utc_day: date
    offset_seconds: int
    change_at: datetime | None  # the first second with `offset_after`, if it changes that day
    offset_after: int


def _offset(zone: ZoneInfo, moment: datetime) -> int:
    offset = moment.astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def zone_days(zone_name: str, first: date, last: date) -> Iterator[ZoneDay]:
    """Every UTC day from `first` to `last` (inclusive) for `zone_name`."""
    zone = ZoneInfo(zone_name)
    day = first
    start = datetime.combine(day, time(), UTC)
    offset = _offset(zone, start)
    while day <= last:
        end = start + timedelta(days=1)
        after = _offset(zone, end)
        change_at = None
        if after != offset:
            # Bisect to the first second of the new offset.
            low, high = int(start.timestamp()), int(end.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                if _offset(zone, datetime.fromtimestamp(middle, UTC)) == offset:
                    low = middle
                else:
                    high = middle
            change_at = datetime.fromtimestamp(high, UTC)
        yield ZoneDay(zone_name, day, offset, change_at, after)
        day, start, offset = day + timedelta(days=1), end, after
