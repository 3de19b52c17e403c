"""Quiet hours in the customer's own time zone, DST-correct.

Quiet hours run from `start` to `end` in local wall-clock time and may wrap midnight (the
default 20:00 → 09:00 leaves 09:00-20:00 for sending). `start == end` means none. Local time
is read from the instant itself, so a DST jump cannot smuggle a send into the quiet hours:
when the allowed window opens inside a skipped hour, the first allowed instant is the jump.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@lru_cache(maxsize=1024)
def resolve_zone(name: str | None, fallback: str) -> ZoneInfo:
    """The customer's zone; an unknown or empty one falls back to the brand's (then UTC)."""
    for candidate in (name, fallback):
        if candidate:
            try:
                return ZoneInfo(candidate.strip())
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


@dataclass(frozen=True)
class QuietHours:
    """No sends from `start` until `end`, local time."""

    start: time = time(20, 0)
    end: time = time(9, 0)

    def is_quiet(self, moment: datetime, zone: ZoneInfo) -> bool:
        """Whether the aware `moment` falls in the quiet hours in `zone`."""
        return self.is_quiet_at(moment.astimezone(zone).time().replace(tzinfo=None))

    def is_quiet_at(self, local: time) -> bool:
        """Whether the local wall-clock time `local` falls in the quiet hours."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """The first instant at or after `moment` outside the quiet hours (UTC, whole seconds
        when it moved)."""
        if not self.is_quiet(moment, zone):
            return moment
        local_day = moment.astimezone(zone).date()
        # Quiet hours last under a day, so the end on this local day or one of the next
        # two follows; zones that skipped a whole day (Samoa, 2011) need the third.
        for offset in range(4):
            day = local_day + timedelta(days=offset)
            found = self._first_allowed_from_end(datetime.combine(day, self.end), zone)
            if found is not None and found >= moment:
                return found
        raise ValueError(f"no time outside quiet hours near {moment.isoformat()} in {zone.key}")

    def _first_allowed_from_end(self, wall: datetime, zone: ZoneInfo) -> datetime | None:
        """The first instant on the local wall-clock time `wall` (the end of quiet hours)."""
        first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
        second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
        if second < first:
            # `wall` was skipped by a jump forward: the window opened at the jump, which lies
            # between the two readings; find its second.
            low, high = int(second.timestamp()), int(first.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                if self.is_quiet(datetime.fromtimestamp(middle, UTC), zone):
                    low = middle
                else:
                    high = middle
            first = datetime.fromtimestamp(high, UTC)
        # fold=0 of a repeated time is its first occurrence: already the earliest.
        return None if self.is_quiet(first, zone) else first
