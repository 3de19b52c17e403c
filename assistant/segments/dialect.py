"""The few SQL expressions segments write differently on SQLite and PostgreSQL.

Windows count in the customer's local days (as the metrics refresh does), so a window's
bounds are the UTC instants of local midnights, computed per customer from their zone.
PostgreSQL has the zone database (`timezone(zone, timestamp)`); SQLite gets two small
deterministic Python functions registered on the connection (`register_sqlite_functions`).
The bounds are computed from the outer customer row, so the inner range scans still use
the (customer_id, ordered_at)-style indexes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Date, DateTime, Integer, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement

SQLITE_MIDNIGHT = "segments_zone_midnight"
SQLITE_LOCAL_DAY = "segments_local_day"


@lru_cache(maxsize=8192)
def zone_midnight(day: str, zone: str) -> str:
    """The UTC instant (naive ISO text, as SQLite stores it) local `day` begins in `zone`."""
    local = datetime.combine(date.fromisoformat(day), time(), ZoneInfo(zone))
    return local.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


@lru_cache(maxsize=65536)
def local_day(instant: str | None, zone: str) -> str | None:
    """The local date (ISO text) in `zone` of a UTC instant stored as naive text."""
    if instant is None:
        return None
    moment = datetime.fromisoformat(instant).replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone)).date().isoformat()


def register_sqlite_functions(connection: Connection) -> None:
    """Give a SQLite connection the two zone functions segment queries call."""
    if connection.dialect.name != "sqlite":
        return
    raw: Any = connection.connection.driver_connection
    raw.create_function(SQLITE_MIDNIGHT, 2, zone_midnight, deterministic=True)
    raw.create_function(SQLITE_LOCAL_DAY, 2, local_day, deterministic=True)


class Dialect:
    """Builds dialect-specific expressions for one database."""

    def __init__(self, name: str) -> None:
        if name not in ("sqlite", "postgresql"):
            raise ValueError(f"segments run on SQLite or PostgreSQL, not {name}")
        self.name = name

    def midnight(self, day: date, zone: ColumnElement[Any]) -> ColumnElement[Any]:
        """The UTC instant at which `day` begins in `zone` (a per-customer expression)."""
        if self.name == "postgresql":
            return func.timezone(zone, cast(literal(day.isoformat()), DateTime()))
        return getattr(func, SQLITE_MIDNIGHT)(day.isoformat(), zone)  # type: ignore[no-any-return]

    def local_day(
        self, instant: ColumnElement[Any], zone: ColumnElement[Any]
    ) -> ColumnElement[Any]:
        """The local date of a UTC timestamp column in `zone`."""
        if self.name == "postgresql":
            return cast(func.timezone(zone, instant), Date())
        return getattr(func, SQLITE_LOCAL_DAY)(instant, zone)  # type: ignore[no-any-return]

    def days_since(self, later: date, earlier: ColumnElement[Any]) -> ColumnElement[Any]:
        """Whole days from a date column to the date `later` (NULL stays NULL)."""
        if self.name == "postgresql":
            return literal(later, Date()) - earlier
        difference = func.julianday(later.isoformat()) - func.julianday(earlier)
        return cast(difference, Integer())

    def money(self, value: ColumnElement[Any]) -> ColumnElement[Any]:
        """Money rounded to the cent: SQLite sums in floating point, PostgreSQL exactly."""
        if self.name == "postgresql":
            return value
        return func.round(value, 2)
