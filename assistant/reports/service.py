"""Review analytics: what reviewers did with drafts, grouped by one dimension (read-only).

Counts, sums and the mean edit distance are one grouped SQL query (SQLite and PostgreSQL);
medians, rejection reasons and guardrail codes come from one narrow streamed pass over the
same drafts, since SQL medians and JSON unnesting differ between the two databases.
docs/reports.md says what every number means.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from typing import Any, Final, Literal, get_args

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from assistant.models import AuditEntry, Campaign, Draft
from assistant.playbooks import PLAYBOOKS

Dimension = Literal[
    "playbook", "prompt_version", "variant", "model", "reviewer", "campaign", "trigger", "week"
]
DIMENSIONS: Final[tuple[str, ...]] = get_args(Dimension)
NONE_KEY = "(none)"
UNDECIDED_KEY = "(undecided)"
TOP_REASONS = 5
NO_REASON = "(no reason given)"
REGENERATED_ACTION = "draft.regenerated"
OVERRIDDEN_ACTION = "draft.findings_overridden"
# Drafts written by staff in a conversation are sent as typed: nobody reviewed them.
STAFF_MODEL = "staff"


class BadReportInput(ValueError):
    """A dimension or a date range the report cannot use."""


@dataclass
class ReviewRow:
    """One group's numbers (rates and averages are None when nothing was there to count)."""

    key: str
    drafted: int = 0
    decided: int = 0
    approved: int = 0
    approved_unchanged: int = 0
    edited: int = 0
    rejected: int = 0
    regenerated: int = 0
    overridden: int = 0
    approval_rate: float | None = None
    edit_rate: float | None = None
    rejection_rate: float | None = None
    median_minutes_to_decision: float | None = None
    mean_edit_distance: float | None = None
    median_edit_distance: float | None = None
    rejection_reasons: dict[str, int] = field(default_factory=dict)
    findings: dict[str, int] = field(default_factory=dict)


def _key_expression(session: Session, by: str) -> ColumnElement[Any]:
    if by == "week":
        if session.get_bind().dialect.name == "postgresql":
            return func.to_char(
                func.date_trunc("week", func.timezone("UTC", Draft.decided_at)), "YYYY-MM-DD"
            )
        # SQLite: the Monday on or before the decision ('weekday 0' is the next Sunday).
        return func.date(Draft.decided_at, "weekday 0", "-6 days")
    columns: dict[str, Any] = {
        "playbook": Draft.playbook,
        "prompt_version": Draft.prompt_version,
        "variant": Draft.variant,
        "model": Draft.model,
        "reviewer": Draft.decided_by,
        "campaign": Draft.campaign_id,
        "trigger": Campaign.trigger,
    }
    column: ColumnElement[Any] = columns[by]
    return column


def _label(by: str, value: Any) -> str:
    if value is None:
        return UNDECIDED_KEY if by in ("reviewer", "week") else NONE_KEY
    if by == "week":
        year, week, _ = date.fromisoformat(str(value)[:10]).isocalendar()
        return f"{year}-W{week:02d}"
    return str(value)


def _window(since: date | None, until: date | None) -> list[ColumnElement[bool]]:
    """A draft is in the window of its decision or, undecided, of its creation (UTC days)."""
    if since and until and since > until:
        raise BadReportInput(f"--since {since} is after --until {until}")
    moment = func.coalesce(Draft.decided_at, Draft.created_at)
    where: list[ColumnElement[bool]] = [or_(Draft.model.is_(None), Draft.model != STAFF_MODEL)]
    if since is not None:
        where.append(moment >= datetime.combine(since, time.min, tzinfo=UTC))
    if until is not None:
        where.append(moment < datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC))
    return where


def _per_draft(action: str) -> Any:
    return (
        select(AuditEntry.entity_id.label("draft_id"), func.count().label("n"))
        .where(AuditEntry.entity_type == "draft", AuditEntry.action == action)
        .group_by(AuditEntry.entity_id)
        .subquery()
    )


def _decided() -> ColumnElement[bool]:
    return Draft.decided_at.is_not(None)


def _rejected() -> ColumnElement[bool]:
    return and_(_decided(), Draft.state == "rejected")


def _approved() -> ColumnElement[bool]:
    return and_(_decided(), Draft.state != "rejected")


def _edited() -> ColumnElement[bool]:
    return and_(_approved(), func.coalesce(Draft.edit_distance, 0) > 0)


def _counted(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _counts_query(key: ColumnElement[Any], where: list[ColumnElement[bool]]) -> Select[Any]:
    regenerated, overridden = _per_draft(REGENERATED_ACTION), _per_draft(OVERRIDDEN_ACTION)
    return (
        select(
            key.label("key"),
            func.count(Draft.id),
            _counted(_decided()),
            _counted(_approved()),
            _counted(_edited()),
            _counted(_rejected()),
            func.coalesce(func.sum(regenerated.c.n), 0),
            func.count(overridden.c.draft_id),
            func.avg(case((_edited(), Draft.edit_distance), else_=None)),
        )
        .select_from(Draft)
        .outerjoin(Campaign, Campaign.id == Draft.campaign_id)
        .outerjoin(regenerated, regenerated.c.draft_id == Draft.id)
        .outerjoin(overridden, overridden.c.draft_id == Draft.id)
        .where(*where)
        .group_by(key)
    )


def _reason(note: str | None) -> str:
    text = " ".join((note or "").split()).lower()
    return text or NO_REASON


def _codes(findings: Any) -> set[str]:
    """The guardrail codes found on a draft: on its current text and on the text edited away."""
    document = findings if isinstance(findings, dict) else {}
    codes = set()
    for name in ("items", "before_edit"):
        items = document.get(name)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("code"):
                codes.add(str(item["code"]))
    return codes


def _minutes(decided: datetime, created: datetime) -> float:
    if (decided.tzinfo is None) != (created.tzinfo is None):
        decided, created = decided.replace(tzinfo=None), created.replace(tzinfo=None)
    return (decided - created).total_seconds() / 60


def _details(
    session: Session, key: ColumnElement[Any], where: list[ColumnElement[bool]], by: str
) -> dict[str, ReviewRow]:
    """Medians, rejection reasons and finding codes, from one streamed pass."""
    rows: dict[str, ReviewRow] = {}
    minutes: defaultdict[str, list[float]] = defaultdict(list)
    distances: defaultdict[str, list[int]] = defaultdict(list)
    reasons: defaultdict[str, Counter[str]] = defaultdict(Counter)
    codes: defaultdict[str, Counter[str]] = defaultdict(Counter)
    query = (
        select(
            key.label("key"),
            Draft.state,
            Draft.created_at,
            Draft.decided_at,
            Draft.edit_distance,
            Draft.decision_note,
            Draft.findings,
        )
        .select_from(Draft)
        .outerjoin(Campaign, Campaign.id == Draft.campaign_id)
        .where(*where)
        .execution_options(yield_per=500)
    )
    for value, state, created, decided, distance, note, findings in session.execute(query):
        label = _label(by, value)
        rows.setdefault(label, ReviewRow(label))
        codes[label].update(_codes(findings))
        if decided is None:
            continue
        minutes[label].append(_minutes(decided, created))
        if state == "rejected":
            reasons[label][_reason(note)] += 1
        elif distance:
            distances[label].append(distance)
    for label, row in rows.items():
        row.median_minutes_to_decision = median(minutes[label]) if minutes[label] else None
        row.median_edit_distance = median(distances[label]) if distances[label] else None
        row.rejection_reasons = dict(
            sorted(reasons[label].items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REASONS]
        )
        row.findings = dict(sorted(codes[label].items(), key=lambda kv: (-kv[1], kv[0])))
    return rows


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def review_analytics(
    session: Session,
    *,
    since: date | None = None,
    until: date | None = None,
    by: str = "playbook",
    playbook: str | None = None,
) -> list[ReviewRow]:
    """Review numbers per value of `by` (one of `DIMENSIONS`), sorted by key; `playbook`:
    only that playbook's drafts (e.g. one playbook by week: is it learning from edits?)."""
    if by not in DIMENSIONS:
        raise BadReportInput(f"unknown grouping {by!r}; use one of {', '.join(DIMENSIONS)}")
    if playbook is not None and playbook not in PLAYBOOKS:
        known = ", ".join(sorted(PLAYBOOKS))
        raise BadReportInput(f"unknown playbook {playbook!r}; use one of {known}")
    where = _window(since, until)
    if playbook is not None:
        where.append(Draft.playbook == playbook)
    key = _key_expression(session, by)
    rows = _details(session, key, where, by)
    for value, *numbers in session.execute(_counts_query(key, where)):
        label = _label(by, value)
        row = rows.setdefault(label, ReviewRow(label))
        drafted, decided, approved, edited, rejected, regenerated, overridden, avg = numbers
        row.drafted += int(drafted)
        row.decided += int(decided)
        row.approved += int(approved)
        row.edited += int(edited)
        row.approved_unchanged += int(approved) - int(edited)
        row.rejected += int(rejected)
        row.regenerated += int(regenerated)
        row.overridden += int(overridden)
        row.mean_edit_distance = round(float(avg), 2) if avg is not None else None
    for row in rows.values():
        row.approval_rate = _rate(row.approved, row.decided)
        row.edit_rate = _rate(row.edited, row.decided)
        row.rejection_rate = _rate(row.rejected, row.decided)
    return [rows[label] for label in sorted(rows)]
