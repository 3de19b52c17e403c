"""The reports page's sections: each a function `(session, settings, window) -> Section`.

Add a section by writing such a function (anywhere under assistant/reports) and naming it in
`SECTIONS` (assistant/reports/page.py); the page renders them in that order, each under its
heading with an anchor in the page's contents. A section builds its body from `html.figure`
(a chart from `svg` with its numbers as a table under it) and `html.render`; every value
passed to a template is escaped unless it is `Markup`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup
from sqlalchemy.orm import Session

from assistant.config import Settings
from assistant.reports import outcomes, service, svg
from assistant.reports.html import figure

# Shown for a number there is nothing to compute from (an en dash).
NA = "\u2013"
FUNNEL = ("drafted", "approved", "sent", "delivered", "replied", "converted")


@dataclass(frozen=True)
class Window:
    """The page's window: inclusive UTC days, None for open."""

    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class Section:
    """One rendered section: a heading, its anchor, a sentence saying what it shows, and
    its figures (or `empty` when there was nothing to show)."""

    title: str
    anchor: str
    intro: str
    figures: Sequence[Markup] = field(default_factory=tuple)
    empty: str = "Nothing in this window."


SectionFunction = Callable[[Session, Settings, Window], Section]


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _cost(value: float) -> str:
    return f"{value:,.4f}"


def _rate(value: float | None) -> str:
    return NA if value is None else svg.percent(value)


def _share(part: int, whole: int) -> str:
    return svg.percent(part / whole) if whole else NA


def funnel_section(session: Session, settings: Settings, window: Window) -> Section:
    """Drafted → approved → sent → delivered → replied → converted, revenue and cost, per
    playbook (`outcomes(..., by="playbook")`)."""
    rows = outcomes.outcomes(
        session, settings, since=window.since, until=window.until, by="playbook"
    )
    currency = settings.app.default_currency
    figures = []
    for row in rows:
        counts = [(stage, int(getattr(row, stage))) for stage in FUNNEL]
        chart = svg.bar_chart(
            [svg.Bar(stage, count) for stage, count in counts],
            title=f"Funnel of playbook {row.key}",
            desc=", ".join(f"{stage} {count}" for stage, count in counts),
        )
        table: list[tuple[object, ...]] = [
            (stage, count, _share(count, row.drafted)) for stage, count in counts
        ]
        figures.append(
            figure(chart, ("Stage", "Count", "Of drafted"), table, caption=f"Playbook {row.key}")
        )
    if rows:
        bars = []
        for row in rows:
            bars += [svg.Bar(f"{row.key} revenue", row.revenue, _money(row.revenue))]
            bars += [svg.Bar(f"{row.key} cost", row.cost, _cost(row.cost))]
        chart = svg.bar_chart(
            bars,
            title=f"Revenue and cost by playbook ({currency})",
            desc="; ".join(
                f"{r.key}: revenue {_money(r.revenue)}, cost {_cost(r.cost)}" for r in rows
            ),
        )
        table = [
            (
                r.key,
                r.sent,
                r.converted,
                r.orders,
                _money(r.revenue),
                NA if r.revenue_per_message is None else f"{r.revenue_per_message:,.4f}",
                _cost(r.cost),
            )
            for r in rows
        ]
        headers = ("Playbook", "Sent", "Converted", "Orders", "Revenue", "Per message", "Cost")
        figures.append(figure(chart, headers, table, caption=f"Revenue and cost ({currency})"))
    return Section(
        "Funnel by playbook",
        "funnel",
        f"Drafts and messages in the window per playbook, from draft to an order attributed by "
        f"last touch within {settings.metrics.attribution_days} days; revenue of those orders "
        "and the cost of LLM tokens, SMS segments and emails.",
        figures,
    )


def review_section(session: Session, settings: Settings, window: Window) -> Section:
    """Approval, edit and rejection rates per playbook (`review_analytics(by="playbook")`)."""
    rows = service.review_analytics(session, since=window.since, until=window.until)
    decided = [r for r in rows if r.decided]
    figures = []
    if decided:
        bars = []
        for r in decided:
            for name, rate in (
                ("approved", r.approval_rate),
                ("edited", r.edit_rate),
                ("rejected", r.rejection_rate),
            ):
                bars.append(svg.Bar(f"{r.key} {name}", rate or 0.0, _rate(rate)))
        chart = svg.bar_chart(
            bars,
            title="Review decisions by playbook",
            desc="; ".join(
                f"{r.key}: approved {_rate(r.approval_rate)}, edited {_rate(r.edit_rate)}, "
                f"rejected {_rate(r.rejection_rate)}"
                for r in decided
            ),
            fmt=svg.percent,
            maximum=1.0,
        )
        table = [
            (
                r.key,
                r.decided,
                _rate(r.approval_rate),
                _rate(r.edit_rate),
                _rate(r.rejection_rate),
                NA if r.mean_edit_distance is None else svg.number(r.mean_edit_distance),
            )
            for r in decided
        ]
        headers = ("Playbook", "Decided", "Approved", "Edited", "Rejected", "Mean edit distance")
        figures.append(figure(chart, headers, table, caption="Decisions by playbook"))
    return Section(
        "Review by playbook",
        "review",
        "Of the drafts decided in the window: the share approved (as drafted or edited), "
        "edited before approval, and rejected.",
        figures,
    )


def review_trend_section(session: Session, settings: Settings, window: Window) -> Section:
    """Edit distance and the approved-unchanged rate per ISO week of the decision."""
    rows = [
        r
        for r in service.review_analytics(
            session, since=window.since, until=window.until, by="week"
        )
        if r.key != service.UNDECIDED_KEY
    ]
    figures = []
    if rows:
        weeks = [r.key for r in rows]
        unchanged = [r.approved_unchanged / r.decided if r.decided else None for r in rows]
        distance = svg.line_chart(
            weeks,
            [
                svg.Series("mean", [r.mean_edit_distance for r in rows]),
                svg.Series("median", [r.median_edit_distance for r in rows]),
            ],
            title="Edit distance of edited approvals per week",
            desc="; ".join(
                f"{r.key}: mean {r.mean_edit_distance}, median {r.median_edit_distance}"
                for r in rows
            ),
        )
        rate = svg.line_chart(
            weeks,
            [svg.Series("approved unchanged", unchanged)],
            title="Approved unchanged per week",
            desc="; ".join(f"{w}: {_rate(u)}" for w, u in zip(weeks, unchanged, strict=True)),
            fmt=svg.percent,
            y_max=1.0,
        )
        figures.append(
            figure(
                distance,
                ("Week", "Edited", "Mean edit distance", "Median edit distance"),
                [
                    (
                        r.key,
                        r.edited,
                        NA if r.mean_edit_distance is None else svg.number(r.mean_edit_distance),
                        NA
                        if r.median_edit_distance is None
                        else svg.number(r.median_edit_distance),
                    )
                    for r in rows
                ],
                caption="Edit distance (characters)",
            )
        )
        figures.append(
            figure(
                rate,
                ("Week", "Decided", "Approved unchanged", "Rate"),
                [
                    (r.key, r.decided, r.approved_unchanged, _rate(u))
                    for r, u in zip(rows, unchanged, strict=True)
                ],
                caption="Approved unchanged (of decided drafts)",
            )
        )
    return Section(
        "Review over time",
        "review-weeks",
        "Per ISO week of the decision: how far reviewers edited the drafts they approved after "
        "an edit (Levenshtein distance), and the share of decided drafts approved as drafted.",
        figures,
    )
