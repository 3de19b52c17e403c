"""Send-time report: does sending at the learned hour lift the reply rate? (docs/send-time.md)

Per send-time policy recorded on the message (`messages.send_time`): outbound marketing
messages that went out in the period, how many the customer replied to within the
attribution window (the first inbound message after it, as the outcomes report finds it),
the reply rate with a 95% Wilson interval, and learned - holdout with Newcombe's interval.
Below `MIN_PER_ARM` messages in either arm the comparison reads "not enough data yet".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.config import Settings
from assistant.delivery.send_time import HOLDOUT, LEARNED, POLICIES
from assistant.models import Message
from assistant.reports.attribution import is_touch, naive, touched_at
from assistant.reports.outcomes import first_reply_at, period, within
from assistant.reports.stats import Interval, proportion_diff, wilson

# Messages each of learned and holdout needs before the difference is shown: below it the
# interval is too wide to say anything (at 30 and a 20% rate it spans about ±0.2).
MIN_PER_ARM = 30
NOT_ENOUGH = "not enough data yet"


@dataclass
class PolicyRow:
    """One policy's messages and replies; the rate and its 95% interval (None when none sent)."""

    policy: str
    sent: int = 0
    replied: int = 0
    reply_rate: float | None = None
    low: float | None = None
    high: float | None = None


@dataclass
class SendTimeReport:
    """Every policy's row and the learned - holdout lift (None below the minimum)."""

    since: date | None
    until: date | None
    reply_days: int
    min_per_arm: int = MIN_PER_ARM
    policies: list[PolicyRow] = field(default_factory=list)
    lift: Interval | None = None
    verdict: str = NOT_ENOUGH


def _rounded(bounds: Interval) -> Interval:
    return Interval(*(round(value, 4) for value in (bounds.estimate, bounds.low, bounds.high)))


def send_time_report(
    session: Session, settings: Settings, *, since: date | None = None, until: date | None = None
) -> SendTimeReport:
    """The report for messages that went out from `since` to `until` (UTC days, inclusive)."""
    first, last = period(since, until)
    window = timedelta(days=settings.metrics.attribution_days)
    rows = {name: PolicyRow(name) for name in POLICIES}
    query = (
        select(Message.send_time, touched_at(), first_reply_at())
        .where(is_touch(), Message.send_time.is_not(None), *within(touched_at(), first, last))
        .execution_options(yield_per=1000)
    )
    for policy, sent, reply in session.execute(query):
        row = rows.setdefault(policy, PolicyRow(policy))
        row.sent += 1
        row.replied += int(reply is not None and naive(reply) - naive(sent) <= window)
    for row in rows.values():
        bounds = wilson(row.replied, row.sent)
        if bounds is not None:
            rate = _rounded(bounds)
            row.reply_rate, row.low, row.high = rate.estimate, rate.low, rate.high
    report = SendTimeReport(since, until, settings.metrics.attribution_days)
    report.policies = list(rows.values())
    learned, holdout = rows[LEARNED], rows[HOLDOUT]
    if min(learned.sent, holdout.sent) >= MIN_PER_ARM:
        lift = proportion_diff(learned.replied, learned.sent, holdout.replied, holdout.sent)
        report.lift = _rounded(lift) if lift is not None else None
        report.verdict = _verdict(report.lift)
    return report


def _verdict(lift: Interval | None) -> str:
    """What the interval of learned - holdout says."""
    if lift is None:
        return NOT_ENOUGH
    if lift.low > 0:
        return "learned lifts the reply rate"
    if lift.high < 0:
        return "learned lowers the reply rate"
    return "no clear difference"
