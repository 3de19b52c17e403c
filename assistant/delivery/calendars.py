"""Public holidays per country (and US state), from the `holidays` library.

Names come in the country's own language ("Noël" in France, "Christmas Day" in the US), as
the country's calendar publishes them. An unknown country or subdivision has no holidays.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays


@lru_cache(maxsize=1024)
def _calendar(country: str, subdivision: str | None, year: int) -> holidays.HolidayBase | None:
    """The holidays around `year`; built whole and never expanded, so threads may share it
    (the next year too: a holiday observed on 31 December belongs to it)."""
    try:
        default = holidays.country_holidays(country)
        return holidays.country_holidays(
            country,
            subdiv=subdivision,
            years=(year, year + 1),
            expand=False,
            language=default.default_language,
        )
    except NotImplementedError:  # no such country or subdivision in the library
        return None


def holiday_name(day: date, country: str, subdivision: str | None = None) -> str | None:
    """The name of `day`'s public holiday in `country` (and `subdivision`), if it is one."""
    calendar = _calendar(country.upper(), subdivision.upper() if subdivision else None, day.year)
    if calendar is None:
        return None
    name = calendar.get(day)
    return str(name) if name else None
