"""Bounded path and query parameters: an out-of-range value is a 422 naming it, not a 500.

Ids fit the tables' 64-bit integer columns (`IdPath`), customer ids their column and hold no
control characters (`ExternalIdPath`); page numbers stay small enough that
their offset does too (`PageParam`); dates that select data by day lie in 1970..2100
(`AsOfParam`), where the date arithmetic of every query stays valid.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator

MAX_ID = 2**63 - 1
MAX_PAGE = 1_000_000
EARLIEST_DAY = date(1970, 1, 1)
LATEST_DAY = date(2100, 12, 31)


def _sane_day(value: date | None) -> date | None:
    if value is not None and not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValueError(f"must be between {EARLIEST_DAY} and {LATEST_DAY}")
    return value


# For any day a query takes: keeps its date arithmetic valid (`Annotated[date | None, Query(...),
# BOUNDED_DAY]`).
BOUNDED_DAY = AfterValidator(_sane_day)

# A customer's id from their store: what `customers.external_id` holds, no control characters.
ExternalIdPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        pattern=r"^[^\x00-\x1f\x7f]+$",
        description="The customer's id in the store's data.",
    ),
]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The id.")]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this id.")]
PageParam = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")]
AsOfParam = Annotated[
    date | None,
    Query(description="The day to evaluate on (default: today), 1970-01-01..2100-12-31."),
    BOUNDED_DAY,
]
