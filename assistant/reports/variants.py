"""The variant report: per playbook and A/B variant, sent, reply rate, conversion rate and
revenue per message, each with a 95% interval, and which variant leads once there is data.

Messages are the sent (or delivered) marketing messages of drafts that carry a variant,
counted and attributed exactly as the outcomes report does (`outcomes.message_outcomes`,
`attribution.attribute`). Until every variant of a playbook has ASSISTANT_VARIANT_MIN_SENT
messages the report says "not enough data yet" and names no leader. docs/variants.md
defines every number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from sqlalchemy.orm import Session

from assistant.config import Settings
from assistant.models import Draft
from assistant.reports.attribution import touched_at
from assistant.reports.outcomes import attributed_orders, message_outcomes, period, within
from assistant.reports.stats import Interval, RunningMean, wilson

METRICS: Final = ("reply_rate", "conversion_rate", "revenue_per_message")
LABELS: Final = {
    "reply_rate": "reply rate",
    "conversion_rate": "conversion rate",
    "revenue_per_message": "revenue per message",
}


@dataclass
class VariantRow:
    """One variant's numbers; intervals are None when nothing was sent."""

    variant: str
    sent: int = 0
    delivered: int = 0
    replied: int = 0
    converted: int = 0
    revenue: float = 0.0
    reply_rate: Interval | None = None
    conversion_rate: Interval | None = None
    revenue_per_message: Interval | None = None
    enough_data: bool = False


@dataclass
class Lead:
    """Which variant is ahead on one metric, and whether the intervals still overlap."""

    metric: str
    leader: str
    runner_up: str
    overlap: bool


@dataclass
class PlaybookVariants:
    """One playbook's test: its variants, the verdict, and the promotion if one stands."""

    playbook: str
    min_sent: int
    enough_data: bool
    verdict: str
    promoted: str | None = None
    variants: list[VariantRow] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)


@dataclass
class _Tally:
    row: VariantRow
    revenue: RunningMean = field(default_factory=RunningMean)


def variant_report(
    session: Session,
    settings: Settings,
    *,
    since: date | None = None,
    until: date | None = None,
    playbook: str | None = None,
    declared: Mapping[str, Sequence[str]] | None = None,
    promoted: Mapping[str, str] | None = None,
) -> list[PlaybookVariants]:
    """Every tested playbook (or `playbook`), sorted; `declared` adds variants with no
    messages yet (from variants.yaml), `promoted` the standing promotions."""
    first, last = period(since, until)
    where = [Draft.variant.is_not(None), *within(touched_at(), first, last)]
    if playbook is not None:
        where.append(Draft.playbook == playbook)
    tallies: dict[str, dict[str, _Tally]] = {}
    for name, variants in (declared or {}).items():
        if playbook is None or name == playbook:
            for variant in variants:
                tallies.setdefault(name, {})[variant] = _Tally(VariantRow(variant))
    orders = attributed_orders(session, settings, first, last)
    keys: list[Any] = [Draft.playbook, Draft.variant]
    for message in message_outcomes(session, settings, keys, where, orders):
        name, variant = (str(value) for value in message.keys)
        tally = tallies.setdefault(name, {}).setdefault(variant, _Tally(VariantRow(variant)))
        row = tally.row
        row.sent += 1
        row.delivered += int(message.delivered)
        row.replied += int(message.replied)
        row.converted += int(bool(message.attributed))
        revenue = float(message.revenue)
        row.revenue += revenue
        tally.revenue.add(revenue)
    minimum = settings.metrics.variant_min_sent
    return [
        _summarise(name, tallies[name], minimum, (promoted or {}).get(name))
        for name in sorted(tallies)
    ]


def _summarise(
    playbook: str, tallies: Mapping[str, _Tally], minimum: int, promoted: str | None
) -> PlaybookVariants:
    rows = []
    for name in sorted(tallies):
        tally = tallies[name]
        row = tally.row
        row.revenue = round(row.revenue, 2)
        row.reply_rate = wilson(row.replied, row.sent)
        row.conversion_rate = wilson(row.converted, row.sent)
        row.revenue_per_message = tally.revenue.interval()
        row.enough_data = row.sent >= minimum
        rows.append(row)
    enough = len(rows) >= 2 and all(row.enough_data for row in rows)
    report = PlaybookVariants(playbook, minimum, enough, "", promoted, rows)
    if not enough:
        short = [f"{r.variant} {r.sent}" for r in rows if not r.enough_data]
        report.verdict = f"not enough data yet: each variant needs {minimum} sent messages" + (
            f" ({', '.join(short)} so far)" if short else " and a second variant to compare"
        )
        return report
    report.leads = [lead for metric in METRICS if (lead := _lead(metric, rows)) is not None]
    report.verdict = "; ".join(_sentence(lead, rows) for lead in report.leads)
    return report


def _lead(metric: str, rows: Sequence[VariantRow]) -> Lead | None:
    scored = [(row, interval) for row in rows if (interval := getattr(row, metric)) is not None]
    if len(scored) < 2:
        return None
    ranked = sorted(scored, key=lambda item: (-item[1].estimate, item[0].variant))
    (best, best_interval), (second, _) = ranked[0], ranked[1]
    overlap = any(best_interval.overlaps(interval) for _, interval in ranked[1:])
    return Lead(metric, best.variant, second.variant, overlap)


def _sentence(lead: Lead, rows: Sequence[VariantRow]) -> str:
    by_name = {row.variant: row for row in rows}
    best = getattr(by_name[lead.leader], lead.metric)
    second = getattr(by_name[lead.runner_up], lead.metric)
    if lead.metric == "revenue_per_message":
        values = f"{best.estimate:.2f} vs {second.estimate:.2f}"
    else:
        values = f"{best.estimate:.1%} vs {second.estimate:.1%}"
    if best.estimate == second.estimate:
        return f"{LABELS[lead.metric]}: no difference ({values})"
    if lead.overlap:
        return (
            f"{lead.leader} leads on {LABELS[lead.metric]} ({values}) but the 95% intervals "
            "overlap: not a clear winner yet"
        )
    return (
        f"{lead.leader} leads on {LABELS[lead.metric]} ({values}); the 95% intervals do not overlap"
    )
