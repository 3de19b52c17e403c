"""The reports page's experiment sections: conversion against the holdout, A/B variants and
the send-time effect, each an interval chart (estimate, 95 % interval, zero line) with its
table."""

from __future__ import annotations

from markupsafe import Markup
from sqlalchemy.orm import Session

from assistant.config import Settings
from assistant.delivery.send_time import HOLDOUT, LEARNED
from assistant.reports import holdout, svg, variants
from assistant.reports.html import figure
from assistant.reports.sections import NA, Section, Window
from assistant.reports.send_time import send_time_report
from assistant.reports.stats import Interval
from assistant.variants.config import VariantsConfigError
from assistant.variants.service import report_inputs


def _span(found: Interval | None, fmt: svg.Format) -> str:
    if found is None:
        return NA
    return f"{fmt(found.estimate)} [{fmt(found.low)}, {fmt(found.high)}]"


def _points(value: float) -> str:
    return f"{value:+.1f} pts"


def _probability(value: float | None) -> str:
    return NA if value is None else svg.percent(value)


def _rate(part: int, whole: int) -> str:
    return f"{part:,}/{whole:,} ({svg.percent(part / whole)})" if whole else NA


def holdout_section(session: Session, settings: Settings, window: Window) -> Section:
    """Treated against held-out customers per playbook: conversion lift with its interval,
    revenue per customer difference, P(positive effect) (`holdout_report`)."""
    rows = holdout.holdout_report(
        session, days=settings.metrics.attribution_days, since=window.since, until=window.until
    )
    figures: list[Markup] = []
    compared = [r for r in rows if r.lift_points is not None]
    if compared:
        chart = svg.interval_chart(
            [
                svg.Interval(r.key, r.lift_points.estimate, r.lift_points.low, r.lift_points.high)
                for r in compared
                if r.lift_points is not None
            ],
            title="Conversion lift over the holdout, by playbook",
            desc="; ".join(f"{r.key}: {_span(r.lift_points, _points)}" for r in compared),
            fmt=_points,
        )
        table = [
            (
                r.key,
                r.campaigns,
                _rate(r.treated.converted, r.treated.customers),
                _rate(r.holdout.converted, r.holdout.customers),
                _span(r.lift_points, _points),
                _span(r.revenue_difference, svg.number),
                _probability(r.probability_positive),
                "yes" if r.enough_data else "not enough data yet",
            )
            for r in compared
        ]
        headers = (
            "Playbook",
            "Campaigns",
            "Treated converted",
            "Holdout converted",
            "Lift (95% interval)",
            "Revenue per customer difference",
            "P(lift > 0)",
            "Enough data?",
        )
        figures.append(figure(chart, headers, table, caption="Treated against holdout"))
    return Section(
        "Conversion against the holdout",
        "holdout",
        f"Customers of campaigns created in the window who were messaged (intention to treat) "
        f"against the held-out share who got nothing: who ordered within "
        f"{settings.metrics.attribution_days} days, in percentage points, with 95% intervals.",
        figures,
    )


def send_time_section(session: Session, settings: Settings, window: Window) -> Section:
    """Reply rate per send-time policy, and learned against its holdout (`send_time_report`)."""
    report = send_time_report(session, settings, since=window.since, until=window.until)
    sent = [row for row in report.policies if row.sent]
    figures: list[Markup] = []
    if sent:
        rows = [
            svg.Interval(row.policy, row.reply_rate or 0.0, row.low or 0.0, row.high or 0.0)
            for row in sent
        ]
        if report.lift is not None:
            lift = report.lift
            rows.append(svg.Interval(f"{LEARNED} - {HOLDOUT}", lift.estimate, lift.low, lift.high))
        chart = svg.interval_chart(
            rows,
            title="Reply rate by send-time policy",
            desc="; ".join(f"{r.label}: {svg.percent(r.estimate)}" for r in rows)
            + f". {report.verdict}.",
            fmt=svg.percent,
        )
        table = [
            (
                row.policy,
                f"{row.sent:,}",
                f"{row.replied:,}",
                NA if row.reply_rate is None else svg.percent(row.reply_rate),
                NA
                if row.low is None or row.high is None
                else f"{svg.percent(row.low)} - {svg.percent(row.high)}",
            )
            for row in sent
        ]
        headers = ("Policy", "Sent", "Replied", "Reply rate", "95% interval")
        caption = f"Learned against holdout: {report.verdict}"
        figures.append(figure(chart, headers, table, caption=caption))
    return Section(
        "Send time",
        "send-time",
        f"Messages sent in the window, by how their hour was chosen, and the share replied to "
        f"within {report.reply_days} days; learned hours against the holdout sent at the "
        f"fallback.",
        figures,
    )


def _bar(label: str, found: Interval | None) -> svg.Interval | None:
    return None if found is None else svg.Interval(label, found.estimate, found.low, found.high)


def variants_section(session: Session, settings: Settings, window: Window) -> Section:
    """Per playbook under test, each variant's reply and conversion rates with their
    intervals, and the verdict (`variant_report`)."""
    intro = (
        "Messages sent in the window, per A/B variant of each playbook: the reply rate and the "
        "conversion rate (orders attributed within "
        f"{settings.metrics.attribution_days} days) with 95% Wilson intervals, revenue per "
        f"message, and which variant leads once each has {settings.metrics.variant_min_sent} "
        "messages."
    )
    try:
        declared, promoted = report_inputs(session)
    except VariantsConfigError as exc:
        return Section("A/B variants", "variants", intro, (), empty=str(exc))
    reports = variants.variant_report(
        session,
        settings,
        since=window.since,
        until=window.until,
        declared=declared,
        promoted=promoted,
    )
    figures: list[Markup] = []
    for report in reports:
        sent = [row for row in report.variants if row.sent]
        if not sent:
            continue
        bars = [
            bar
            for row in sent
            for bar in (
                _bar(f"{row.variant} reply", row.reply_rate),
                _bar(f"{row.variant} conversion", row.conversion_rate),
            )
            if bar is not None
        ]
        chart = svg.interval_chart(
            bars,
            title=f"Variants of playbook {report.playbook}",
            desc="; ".join(f"{b.label} {svg.percent(b.estimate)}" for b in bars)
            + f". {report.verdict}",
            fmt=svg.percent,
        )
        table = [
            (
                row.variant,
                f"{row.sent:,}",
                _span(row.reply_rate, svg.percent),
                _span(row.conversion_rate, svg.percent),
                _span(row.revenue_per_message, svg.number),
            )
            for row in sent
        ]
        headers = ("Variant", "Sent", "Reply rate", "Conversion rate", "Revenue per message")
        promoted_to = f" (promoted: {report.promoted})" if report.promoted else ""
        caption = f"{report.playbook}{promoted_to}: {report.verdict}"
        figures.append(figure(chart, headers, table, caption=caption))
    return Section("A/B variants", "variants", intro, figures)
