"""The holdout report: did customers who were messaged buy more than those held out?

Read-only, computed on read; docs/reports.md, "Holdouts", defines every number.

- Campaigns counted: those created in [since, until] (UTC days) whose options record a
  holdout percent above 0 (without a holdout there is nothing to compare with).
- Treated: members not skipped (pending, drafted or failed), whether or not staff approved
  or sent the draft: intention to treat. Holdout: members skipped `holdout`. Members
  skipped for any other reason were never eligible and are left out.
- Converted: the member's customer placed at least one order (not cancelled or refunded)
  after the campaign was created and at most ASSISTANT_ATTRIBUTION_DAYS later; revenue is
  those orders' totals. A customer in several campaigns counts once per campaign.
- Lift = treated conversion - holdout conversion, with Newcombe's 95 % interval; the
  revenue per customer difference with Welch's interval; P(lift > 0) with uniform priors.
- `enough_data` is False below MIN_HOLDOUT holdout customers or MIN_CONVERSIONS conversions
  in both groups together: the numbers are shown but should not be acted on yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final, Literal, get_args

from rich.table import Table
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from assistant.drafting.holdout import HOLDOUT
from assistant.models import Campaign, CampaignMember, Order
from assistant.reports.attribution import EXCLUDED_ORDER_STATUSES, naive
from assistant.reports.outcomes import period, within
from assistant.reports.service import NONE_KEY, BadReportInput
from assistant.reports.stats import Interval, mean_diff, prob_greater, proportion_diff

HoldoutGrouping = Literal["playbook", "campaign", "trigger"]
HOLDOUT_GROUPINGS: Final[tuple[str, ...]] = get_args(HoldoutGrouping)
MIN_HOLDOUT = 30
MIN_CONVERSIONS = 5
CHUNK = 500


@dataclass
class Arm:
    """One side of the comparison: customers, conversions and revenue."""

    customers: int = 0
    converted: int = 0
    revenue: float = 0.0
    _squares: float = 0.0

    @property
    def conversion_rate(self) -> float | None:
        return self.converted / self.customers if self.customers else None

    @property
    def revenue_per_customer(self) -> float | None:
        return self.revenue / self.customers if self.customers else None

    @property
    def variance(self) -> float:
        """The sample variance of revenue per customer (0 below two customers)."""
        n = self.customers
        if n < 2:
            return 0.0
        return max(0.0, (self._squares - self.revenue * self.revenue / n) / (n - 1))

    def count(self, bought: bool, revenue: float) -> None:
        """One more customer, who bought (or not) for `revenue` in the window."""
        self.customers += 1
        self.converted += bought
        self.revenue += revenue
        self._squares += revenue * revenue


@dataclass
class HoldoutRow:
    """One group's comparison; money in the store's currency, lift in percentage points."""

    key: str
    campaigns: int = 0
    treated: Arm = field(default_factory=Arm)
    holdout: Arm = field(default_factory=Arm)
    lift_points: Interval | None = None
    revenue_difference: Interval | None = None
    probability_positive: float | None = None
    enough_data: bool = False
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        def arm(found: Arm) -> dict[str, Any]:
            return {
                "customers": found.customers,
                "converted": found.converted,
                "conversion_rate": found.conversion_rate,
                "revenue": round(found.revenue, 2),
                "revenue_per_customer": found.revenue_per_customer,
            }

        def interval(found: Interval | None) -> dict[str, float] | None:
            if found is None:
                return None
            return {"estimate": found.estimate, "low": found.low, "high": found.high}

        return {
            "key": self.key,
            "campaigns": self.campaigns,
            "treated": arm(self.treated),
            "holdout": arm(self.holdout),
            "lift_points": interval(self.lift_points),
            "revenue_difference": interval(self.revenue_difference),
            "probability_positive": self.probability_positive,
            "enough_data": self.enough_data,
            "note": self.note,
        }


@dataclass(frozen=True)
class _Member:
    key: str
    campaign_id: int
    customer_id: int
    held_out: bool
    assigned: datetime


def _key(by: str, campaign: Campaign) -> str:
    value = {"playbook": campaign.playbook, "campaign": campaign.id, "trigger": campaign.trigger}
    found = value[by]
    return NONE_KEY if found is None else str(found)


def _percent(campaign: Campaign) -> float:
    value = (campaign.options or {}).get("holdout_percent")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _members(
    session: Session, by: str, where: list[Any], campaign_id: int | None
) -> tuple[list[_Member], dict[str, int]]:
    """Compared members, and campaigns counted per group."""
    if campaign_id is not None:
        where = [*where, Campaign.id == campaign_id]
    found = [c for c in session.execute(select(Campaign).where(*where)).scalars() if _percent(c)]
    campaigns: dict[str, int] = {}
    members: list[_Member] = []
    by_id = {c.id: c for c in found}
    for campaign in found:
        key = _key(by, campaign)
        campaigns[key] = campaigns.get(key, 0) + 1
    ids = sorted(by_id)
    compared = or_(CampaignMember.status != "skipped", CampaignMember.skip_reason == HOLDOUT)
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(CampaignMember.campaign_id, CampaignMember.customer_id, CampaignMember.status)
            .where(CampaignMember.campaign_id.in_(ids[start : start + CHUNK]), compared)
            .order_by(CampaignMember.id)
        )
        for cid, customer, status in rows:
            campaign = by_id[cid]
            members.append(
                _Member(
                    _key(by, campaign),
                    cid,
                    customer,
                    status == "skipped",
                    naive(campaign.created_at),
                )
            )
    return members, campaigns


def _orders(
    session: Session, customers: Iterable[int], first: datetime, last: datetime
) -> dict[int, list[tuple[datetime, Decimal]]]:
    """Each customer's counted orders placed in [first, last]."""
    found: dict[int, list[tuple[datetime, Decimal]]] = {}
    ids = sorted(set(customers))
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(Order.customer_id, Order.ordered_at, Order.total).where(
                and_(
                    Order.customer_id.in_(ids[start : start + CHUNK]),
                    Order.status.not_in(EXCLUDED_ORDER_STATUSES),
                    Order.ordered_at >= first,
                    Order.ordered_at <= last,
                )
            )
        )
        for customer, ordered_at, total in rows:
            found.setdefault(customer, []).append((naive(ordered_at), Decimal(total)))
    return found


def _compare(row: HoldoutRow) -> None:
    treated, held = row.treated, row.holdout
    lift = proportion_diff(treated.converted, treated.customers, held.converted, held.customers)
    row.lift_points = (
        Interval(lift.estimate * 100, lift.low * 100, lift.high * 100) if lift else None
    )
    if treated.customers and held.customers:
        row.revenue_difference = mean_diff(
            treated.revenue_per_customer or 0.0,
            treated.variance,
            treated.customers,
            held.revenue_per_customer or 0.0,
            held.variance,
            held.customers,
        )
        row.probability_positive = prob_greater(
            treated.converted, treated.customers, held.converted, held.customers
        )
    conversions = treated.converted + held.converted
    row.enough_data = held.customers >= MIN_HOLDOUT and conversions >= MIN_CONVERSIONS
    if not row.enough_data:
        row.note = (
            f"not enough data yet: needs {MIN_HOLDOUT} holdout customers and "
            f"{MIN_CONVERSIONS} conversions (has {held.customers} and {conversions})"
        )


def holdout_report(
    session: Session,
    *,
    days: int,
    since: date | None = None,
    until: date | None = None,
    by: str = "playbook",
    campaign_id: int | None = None,
) -> list[HoldoutRow]:
    """Treated against holdout customers per group, in key order."""
    if by not in HOLDOUT_GROUPINGS:
        raise BadReportInput(f"--by must be one of {', '.join(HOLDOUT_GROUPINGS)}")
    members, campaigns = _members(
        session, by, within(Campaign.created_at, *period(since, until)), campaign_id
    )
    rows = {key: HoldoutRow(key, campaigns=n) for key, n in campaigns.items()}
    if members:
        window = timedelta(days=days)
        first = min(m.assigned for m in members)
        last = max(m.assigned for m in members) + window
        orders = _orders(
            session,
            (m.customer_id for m in members),
            first.replace(tzinfo=UTC),
            last.replace(tzinfo=UTC),
        )
        for member in members:
            counted = [
                total
                for at, total in orders.get(member.customer_id, ())
                if member.assigned < at <= member.assigned + window
            ]
            row = rows[member.key]
            arm = row.holdout if member.held_out else row.treated
            arm.count(bool(counted), float(sum(counted, Decimal(0))))
    for row in rows.values():
        _compare(row)
    return [rows[key] for key in sorted(rows)]


def _share(arm: Arm) -> str:
    rate = arm.conversion_rate
    return f"{arm.converted:,}/{arm.customers:,}" + (f" {rate:.1%}" if rate is not None else "")


def _span(found: Interval | None, places: int = 1) -> str:
    if found is None:
        return ""
    return f"{found.estimate:+,.{places}f} ({found.low:+,.{places}f}..{found.high:+,.{places}f})"


def table(rows: list[HoldoutRow], by: str, days: int) -> Table:
    """The report as a terminal table (revenue per customer of each side: `--format json`)."""
    result = Table(
        title=f"Holdouts by {by} (orders within {days} days of the campaign)",
        caption="docs/reports.md, Holdouts, says what each number means",
    )
    result.add_column(by, overflow="fold")
    for column in ("treated", "holdout", "lift pts", "rev/cust.", "P>0", "enough?"):
        result.add_column(column, overflow="fold")
    for row in rows:
        result.add_row(
            row.key,
            _share(row.treated),
            _share(row.holdout),
            _span(row.lift_points),
            _span(row.revenue_difference, 2),
            "" if row.probability_positive is None else f"{row.probability_positive:.0%}",
            "yes" if row.enough_data else "not enough data yet",
        )
    return result
