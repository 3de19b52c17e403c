"""Send-time learning: the local hour a customer engages, and the fallbacks (docs/send-time.md).

A customer's engagement moments are their inbound messages (replies), click events (`events`
rows whose kind is in `CLICK_KINDS`) and orders (not cancelled or refunded), read back over
`LOOKBACK` and capped at the newest `CUSTOMER_LIMIT` per source. Each moment counts at its
hour in the customer's own zone (as quiet hours read it), weighted by recency (half-life
`HALF_LIFE`). The best hour is the heaviest; a tie goes to the earliest hour of the day.

Fallback chain: the customer's own hour once they have `min_events` moments (`learned`); else
the pooled hour of their RFM segment (`customer_metrics.rfm_label`, at least `pool_min`
moments: `segment`); else the brand's (every customer: `brand`); else none (`none`: send as
soon as the rules allow, as without learning). Pools read the newest `POOL_LIMIT` moments per
source and are computed once per scheduling pass (`HourBook`).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.delivery.quiet_hours import resolve_zone
from assistant.models import Customer, CustomerMetrics, Event, Message, Order

LEARNED: Final = "learned"
SEGMENT: Final = "segment"
BRAND: Final = "brand"
NONE: Final = "none"
HOLDOUT: Final = "holdout"
FIXED: Final = "fixed"  # reserved: no draft or approval carries a fixed send time today
POLICIES: Final[tuple[str, ...]] = (LEARNED, SEGMENT, BRAND, NONE, HOLDOUT, FIXED)

# Event kinds that mean the customer clicked a link we sent (sent via POST /api/v1/ingest/events).
CLICK_KINDS: Final[tuple[str, ...]] = (
    "click",
    "clicked",
    "link_click",
    "link_clicked",
    "email_click",
    "email_clicked",
    "sms_click",
    "sms_clicked",
)
EXCLUDED_ORDER_STATUSES: Final = ("cancelled", "refunded")
LOOKBACK: Final = timedelta(days=365)
HALF_LIFE: Final = timedelta(days=90)
CUSTOMER_LIMIT: Final = 200
POOL_LIMIT: Final = 5000
HOLDOUT_KEY: Final = "send_time"

Moment = tuple[str | None, datetime]  # (the customer's zone name, when, UTC)


@dataclass(frozen=True)
class SendTimePolicy:
    """The send-time settings (ASSISTANT_SEND_TIME_*); a DeliveryPolicy without one is off."""

    min_events: int = 3
    holdout_percent: int = 20
    pool_min: int = 20


@dataclass(frozen=True)
class Choice:
    """Which rung of the fallback chain answered, and its local hour (None for `none`)."""

    policy: str
    hour: int | None = None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def local_hours(moments: Iterable[Moment], brand_zone: str) -> list[tuple[int, datetime]]:
    """Each moment's hour in its customer's zone (unknown zone: the brand's), with the moment."""
    return [
        (_aware(at).astimezone(resolve_zone(zone, brand_zone)).hour, _aware(at))
        for zone, at in moments
    ]


def best_hour(
    hours: Sequence[tuple[int, datetime]], now: datetime, *, half_life: timedelta = HALF_LIFE
) -> int | None:
    """The heaviest local hour, each moment weighing 0.5 ** (age / half_life); a tie (to 9
    decimals) goes to the earliest hour of the day. None when there are no moments."""
    if not hours:
        return None
    weights: defaultdict[int, float] = defaultdict(float)
    for hour, at in hours:
        age = max((_aware(now) - at) / half_life, 0.0)
        weights[hour] += 0.5**age
    return min(weights, key=lambda hour: (-round(weights[hour], 9), hour))


def choose(
    own: Sequence[tuple[int, datetime]],
    segment: Sequence[tuple[int, datetime]] | None,
    brand: Sequence[tuple[int, datetime]],
    now: datetime,
    policy: SendTimePolicy,
) -> Choice:
    """Walk the chain customer → segment → brand → none with the minimums of `policy`."""
    if len(own) >= policy.min_events:
        return Choice(LEARNED, best_hour(own, now))
    if segment is not None and len(segment) >= policy.pool_min:
        return Choice(SEGMENT, best_hour(segment, now))
    if len(brand) >= policy.pool_min:
        return Choice(BRAND, best_hour(brand, now))
    return Choice(NONE)


def in_holdout(draft_id: int, percent: int) -> bool:
    """Whether the draft's message is held out of learning: a stable sha256 of
    ("send_time", draft id) mapped to 0-99, below `percent`."""
    digest = hashlib.sha256(f"{HOLDOUT_KEY}:{draft_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100 < percent


def next_at_hour(now: datetime, hour: int, zone: ZoneInfo) -> datetime:
    """`now` when it is already within `hour` locally, else the next local `hour`:00 (UTC).

    A wall time skipped by a jump forward reads as the instant after the jump."""
    now = _aware(now)
    local = now.astimezone(zone)
    if local.hour == hour:
        return now
    for offset in range(3):
        wall = datetime.combine(local.date() + timedelta(days=offset), time(hour))
        candidate = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
        if candidate > now:
            return candidate
    raise ValueError(f"no {hour}:00 near {now.isoformat()} in {zone.key}")  # pragma: no cover


def _sources(since: datetime) -> list[tuple[Any, Any, list[Any]]]:
    """(moment column, customer column, conditions) of each engagement source."""
    return [
        (
            Message.created_at,
            Message.customer_id,
            [Message.direction == "inbound", Message.created_at >= since],
        ),
        (
            Order.ordered_at,
            Order.customer_id,
            [Order.status.not_in(EXCLUDED_ORDER_STATUSES), Order.ordered_at >= since],
        ),
        (
            Event.occurred_at,
            Event.customer_id,
            [Event.kind.in_(CLICK_KINDS), Event.occurred_at >= since],
        ),
    ]


def engagement_moments(
    session: Session,
    now: datetime,
    *,
    customer_id: int | None = None,
    rfm_label: str | None = None,
    limit: int = CUSTOMER_LIMIT,
) -> list[Moment]:
    """The newest `limit` moments per source (replies, orders, clicks) since `LOOKBACK`, of
    one customer, of one RFM segment, or (neither given) of every customer; with their zone."""
    found: list[Moment] = []
    for moment, customer, conditions in _sources(_aware(now) - LOOKBACK):
        query = select(Customer.timezone, moment).join(Customer, Customer.id == customer)
        if customer_id is not None:
            conditions = [*conditions, customer == customer_id]
        if rfm_label is not None:
            query = query.join(CustomerMetrics, CustomerMetrics.customer_id == customer)
            conditions = [*conditions, CustomerMetrics.rfm_label == rfm_label]
        query = query.where(*conditions).order_by(moment.desc()).limit(limit)
        found.extend((zone, at) for zone, at in session.execute(query))
    return found


@dataclass
class HourBook:
    """Chooses send times during one scheduling pass; pools are read once per pass."""

    policy: SendTimePolicy
    brand_zone: str
    _pools: dict[str | None, list[tuple[int, datetime]]] = field(default_factory=dict)

    def _pool(self, session: Session, now: datetime, label: str | None) -> list[Any]:
        if label not in self._pools:
            moments = engagement_moments(session, now, rfm_label=label, limit=POOL_LIMIT)
            self._pools[label] = local_hours(moments, self.brand_zone)
        return self._pools[label]

    def choose(self, session: Session, customer_id: int, now: datetime) -> Choice:
        """The customer's rung of the chain, at `now`."""
        moments = engagement_moments(session, now, customer_id=customer_id)
        own = local_hours(moments, self.brand_zone)
        if len(own) >= self.policy.min_events:
            return choose(own, None, [], now, self.policy)
        label = session.execute(
            select(CustomerMetrics.rfm_label).where(CustomerMetrics.customer_id == customer_id)
        ).scalar_one_or_none()
        segment = self._pool(session, now, label) if label is not None else None
        if segment is not None and len(segment) >= self.policy.pool_min:
            return choose(own, segment, [], now, self.policy)
        return choose(own, segment, self._pool(session, now, None), now, self.policy)
