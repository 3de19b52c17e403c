"""Segments: list them, count their members, read the members with what qualified them."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from assistant.config import get_settings
from assistant.models import MetricsPendingCustomer, MetricsState
from assistant.segments.definition import Segment
from assistant.segments.dialect import register_sqlite_functions
from assistant.segments.query import KEY_METRICS, Compiled, compile_segment, qualifier
from assistant.segments.registry import Catalog, load_catalog
from assistant.values import plain


@dataclass(frozen=True)
class SegmentInfo:
    """One line of `segments list`."""

    name: str
    description: str
    source: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Member:
    """A customer in a segment, with the row that qualified them and key metrics."""

    customer_id: str
    first_name: str | None
    qualifier: dict[str, Any]
    metrics: dict[str, Any]
    customer_pk: int


@dataclass(frozen=True)
class Evaluation:
    """A segment resolved and compiled for one call."""

    segment: Segment
    params: dict[str, Any]
    as_of: date
    compiled: Compiled


@dataclass(frozen=True)
class MembersPage:
    """One page of members and the total."""

    segment: str
    as_of: date
    params: dict[str, Any]
    total: int
    members: list[Member]


def describe(description: str, params: Mapping[str, Any]) -> str:
    """The description with its `{param}` placeholders filled in with the defaults."""
    return re.sub(
        r"\{(\w+)\}",
        lambda m: str(params[m.group(1)]) if m.group(1) in params else m.group(0),
        description,
    )


def list_segments(catalog: Catalog | None = None) -> list[SegmentInfo]:
    """Every usable segment, by name."""
    catalog = catalog or load_catalog()
    return [
        SegmentInfo(seg.name, describe(seg.description, seg.params), seg.source, dict(seg.params))
        for seg in catalog.segments.values()
    ]


def metrics_as_of(session: Session) -> date | None:
    """The day the metrics describe (their last refresh), if they were ever refreshed."""
    return session.execute(select(MetricsState.stats_as_of)).scalar_one_or_none()


def _metrics_state(session: Session, brand_zone: str) -> tuple[date | None, bool]:
    """The metrics' day, and whether the kept purchase aggregates describe every customer's
    orders as of it: refreshed in this brand zone, and no import has changed anyone since."""
    row = session.execute(select(MetricsState.stats_as_of, MetricsState.brand_zone)).first()
    if row is None:
        return None, False
    pending = session.execute(select(MetricsPendingCustomer.customer_id).limit(1)).first()
    return row[0], row[1] == brand_zone and pending is None


def evaluate(
    session: Session,
    name: str,
    params: Mapping[str, Any] | None = None,
    as_of: date | None = None,
    catalog: Catalog | None = None,
) -> Evaluation:
    """Resolve `name` with `params` and compile it; raises UnknownSegment or ParamError."""
    segment = (catalog or load_catalog()).get(name)
    resolved = segment.resolve(params)
    connection = session.connection()
    register_sqlite_functions(connection)
    if connection.dialect.name == "postgresql":
        # Segment queries are short; PostgreSQL's JIT compile (0.3-1.5 s) costs more than it saves.
        connection.execute(text("SET LOCAL jit = off"))
    zone = get_settings().app.brand_timezone
    refreshed, fresh = _metrics_state(session, zone)
    # Default: the metrics' day, so windows and metric conditions describe the same day.
    day = as_of or refreshed or datetime.now(UTC).date()
    compiled = compile_segment(
        resolved.where, connection.dialect.name, day, zone, refreshed, fresh=fresh
    )
    return Evaluation(segment, resolved.params, day, compiled)


def count(session: Session, evaluation: Evaluation) -> int:
    """How many customers are in the segment."""
    total: int = session.execute(evaluation.compiled.count()).scalar_one()
    return total


def iter_members(
    session: Session,
    evaluation: Evaluation,
    limit: int | None = None,
    offset: int = 0,
    after: str | None = None,
) -> Iterator[Member]:
    """The members in customer-id (external id) order, those after `after` when given,
    streamed from the database."""
    statement = evaluation.compiled.members(limit, offset, after).execution_options(yield_per=1000)
    evidence = evaluation.compiled.compiler.evidence
    for row in session.execute(statement).mappings():
        yield Member(
            customer_id=row["customer_id"],
            first_name=row["first_name"],
            qualifier=qualifier(row, evidence),
            metrics={name: plain(row[name]) for name in KEY_METRICS},
            customer_pk=row["customer_pk"],
        )


def members_page(
    session: Session, evaluation: Evaluation, limit: int = 50, after: str | None = None
) -> MembersPage:
    """`limit` members after customer id `after` (from the first when None), with the total."""
    members = list(iter_members(session, evaluation, limit, after=after))
    return MembersPage(
        segment=evaluation.segment.name,
        as_of=evaluation.as_of,
        params=evaluation.params,
        total=count(session, evaluation),
        members=members,
    )
