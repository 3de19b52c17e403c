"""Outcomes: the funnel from draft to attributed order, with cost, grouped by one dimension.

Read-only and computed on read. Drafts and messages come from two narrow streamed passes
(correlated subqueries find each message's first reply and first opt-out); orders come from
`attribution.attribute`. docs/reports.md, "Outcomes", defines every number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Final, Literal, get_args

from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlalchemy.orm import Session, aliased

from assistant.config import Settings
from assistant.drafting.sms_segments import analyse
from assistant.models import Campaign, ConsentEvent, Draft, Message
from assistant.reports.attribution import Attribution, attribute, is_touch, naive, touched_at
from assistant.reports.service import NONE_KEY, STAFF_MODEL, BadReportInput

Grouping = Literal[
    "campaign", "trigger", "playbook", "segment", "channel", "prompt_version", "variant", "week"
]
GROUPINGS: Final[tuple[str, ...]] = get_args(Grouping)
MILLION = Decimal(1_000_000)


@dataclass
class OutcomeRow:
    """One group's funnel; revenue and cost in the store's currency."""

    key: str
    drafted: int = 0
    approved: int = 0
    sent: int = 0
    delivered: int = 0
    replied: int = 0
    opted_out: int = 0
    converted: int = 0
    orders: int = 0
    orders_after_reply: int = 0
    revenue: float = 0.0
    revenue_per_message: float | None = None
    sms_segments: int = 0
    emails: int = 0
    llm_cost: float = 0.0
    provider_cost: float = 0.0
    cost: float = 0.0


@dataclass
class _Sums:
    revenue: Decimal = Decimal(0)
    llm: Decimal = Decimal(0)
    provider: Decimal = Decimal(0)


def _keys(by: str, *, message: bool) -> ColumnElement[Any]:
    columns: dict[str, Any] = {
        "campaign": Draft.campaign_id,
        "trigger": Campaign.trigger,
        "playbook": Draft.playbook,
        "segment": Campaign.segment,
        "channel": Message.channel if message else Draft.channel,
        "prompt_version": Draft.prompt_version,
        "variant": Draft.variant,
        "week": touched_at() if message else Draft.created_at,
    }
    column: ColumnElement[Any] = columns[by]
    return column


def _label(by: str, value: Any) -> str:
    if value is None:
        return NONE_KEY
    if by == "week":
        year, week, _ = naive(value).isocalendar()
        return f"{year}-W{week:02d}"
    return str(value)


def period(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """Inclusive UTC days as [first, last) datetimes (None: open); BadReportInput when
    `since` is after `until`."""
    if since and until and since > until:
        raise BadReportInput(f"--since {since} is after --until {until}")
    first = datetime.combine(since, time.min, tzinfo=UTC) if since else None
    last = datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC) if until else None
    return first, last


def within(moment: Any, first: datetime | None, last: datetime | None) -> list[Any]:
    """Conditions keeping `moment` in [first, last)."""
    where: list[Any] = []
    if first is not None:
        where.append(moment >= first)
    if last is not None:
        where.append(moment < last)
    return where


def _drafts(
    session: Session, by: str, where: list[Any], settings: Settings, rows: dict[str, OutcomeRow]
) -> dict[str, Decimal]:
    """Drafted, approved and LLM cost per group; returns the LLM cost."""
    price_in = Decimal(str(settings.llm.cost_input_per_mtok))
    price_out = Decimal(str(settings.llm.cost_output_per_mtok))
    llm: defaultdict[str, Decimal] = defaultdict(Decimal)
    query = (
        select(_keys(by, message=False), Draft.state, Draft.decided_at, Draft.tokens_in)
        .add_columns(Draft.tokens_out)
        .select_from(Draft)
        .outerjoin(Campaign, Campaign.id == Draft.campaign_id)
        .where(*where, func.coalesce(Draft.model, "") != STAFF_MODEL)
        .execution_options(yield_per=1000)
    )
    for value, state, decided_at, tokens_in, tokens_out in session.execute(query):
        row = rows.setdefault(_label(by, value), OutcomeRow(_label(by, value)))
        row.drafted += 1
        row.approved += int(decided_at is not None and state != "rejected")
        llm[row.key] += (tokens_in * price_in + tokens_out * price_out) / MILLION
    return llm


def _price(channel: str, body: str, settings: Settings) -> tuple[int, Decimal]:
    """SMS segments and the provider price of one sent message."""
    if channel == "sms":
        segments = analyse(body).segments
        return segments, segments * Decimal(str(settings.metrics.cost_per_sms_segment))
    if channel == "email":
        return 0, Decimal(str(settings.metrics.cost_per_email))
    return 0, Decimal(0)


def first_reply_at() -> ScalarSelect[Any]:
    """When the customer first wrote to us after the outer `Message` went out (correlated)."""
    inbound = aliased(Message)
    return (
        select(func.min(inbound.created_at))
        .where(
            inbound.customer_id == Message.customer_id,
            inbound.direction == "inbound",
            inbound.created_at > touched_at(),
        )
        .scalar_subquery()
    )


@dataclass(frozen=True)
class MessageOutcome:
    """What became of one sent marketing message, within the attribution window."""

    keys: tuple[Any, ...]  # the values of the grouping columns asked for
    message_id: int
    channel: str
    body: str
    delivered: bool
    replied: bool
    opted_out: bool
    attributed: list[Attribution]

    @property
    def revenue(self) -> Decimal:
        """The total of the orders attributed to it."""
        return sum((a.total for a in self.attributed), Decimal(0))


def attributed_orders(
    session: Session, settings: Settings, first: datetime | None, last: datetime | None
) -> dict[int, list[Attribution]]:
    """The orders attributed to each message id (last touch, within the window)."""
    orders: defaultdict[int, list[Attribution]] = defaultdict(list)
    for found in attribute(session, days=settings.metrics.attribution_days, first=first, last=last):
        orders[found.message_id].append(found)
    return dict(orders)


def message_outcomes(
    session: Session,
    settings: Settings,
    keys: Sequence[ColumnElement[Any]],
    where: list[Any],
    orders: dict[int, list[Attribution]],
) -> Iterator[MessageOutcome]:
    """Each sent marketing message matching `where` (Draft and Campaign joined), streamed:
    delivered, replied and opted out within the attribution window, and its orders."""
    window = timedelta(days=settings.metrics.attribution_days)
    first_reply = first_reply_at()
    first_opt_out = (
        select(func.min(ConsentEvent.occurred_at))
        .where(
            ConsentEvent.customer_id == Message.customer_id,
            ConsentEvent.channel == Message.channel,
            ConsentEvent.consented.is_(False),
            ConsentEvent.occurred_at >= touched_at(),
        )
        .scalar_subquery()
    )
    query = (
        select(Message.id, Message.channel, Message.body, Message.status, Message.delivered_at)
        .add_columns(touched_at(), first_reply, first_opt_out, *keys)
        .select_from(Message)
        .outerjoin(Draft, Draft.id == Message.draft_id)
        .outerjoin(Campaign, Campaign.id == Draft.campaign_id)
        .where(is_touch(), *where)
        .execution_options(yield_per=1000)
    )
    for (
        message_id,
        channel,
        body,
        status,
        delivered_at,
        sent,
        reply,
        opt_out,
        *values,
    ) in session.execute(query):
        yield MessageOutcome(
            keys=tuple(values),
            message_id=message_id,
            channel=channel,
            body=body,
            delivered=status == "delivered" or delivered_at is not None,
            replied=reply is not None and naive(reply) - naive(sent) <= window,
            opted_out=opt_out is not None and naive(opt_out) - naive(sent) <= window,
            attributed=orders.get(message_id, []),
        )


def _messages(
    session: Session,
    by: str,
    where: list[Any],
    settings: Settings,
    orders: dict[int, list[Attribution]],
    rows: dict[str, OutcomeRow],
) -> dict[str, _Sums]:
    """Sent, delivered, replied, opted out, converted, revenue and provider cost per group."""
    sums: defaultdict[str, _Sums] = defaultdict(_Sums)
    keys = [_keys(by, message=True)]
    for message in message_outcomes(session, settings, keys, where, orders):
        label = _label(by, message.keys[0])
        row = rows.setdefault(label, OutcomeRow(label))
        row.sent += 1
        row.delivered += int(message.delivered)
        row.replied += int(message.replied)
        row.opted_out += int(message.opted_out)
        segments, price = _price(message.channel, message.body, settings)
        row.sms_segments += segments
        row.emails += int(message.channel == "email")
        sums[row.key].provider += price
        row.converted += int(bool(message.attributed))
        row.orders += len(message.attributed)
        row.orders_after_reply += sum(1 for a in message.attributed if a.replied)
        sums[row.key].revenue += message.revenue
    return sums


def outcomes(
    session: Session,
    settings: Settings,
    *,
    since: date | None = None,
    until: date | None = None,
    by: str = "campaign",
    campaign_id: int | None = None,
) -> list[OutcomeRow]:
    """The funnel per value of `by` (one of `GROUPINGS`), sorted by key."""
    if by not in GROUPINGS:
        raise BadReportInput(f"unknown grouping {by!r}; use one of {', '.join(GROUPINGS)}")
    first, last = period(since, until)
    orders = attributed_orders(session, settings, first, last)
    only = [Draft.campaign_id == campaign_id] if campaign_id is not None else []
    rows: dict[str, OutcomeRow] = {}
    llm = _drafts(session, by, within(Draft.created_at, first, last) + only, settings, rows)
    sums = _messages(session, by, within(touched_at(), first, last) + only, settings, orders, rows)
    for row in rows.values():
        money = sums.get(row.key, _Sums())
        row.revenue = float(round(money.revenue, 2))
        row.revenue_per_message = float(round(money.revenue / row.sent, 4)) if row.sent else None
        row.llm_cost = float(round(llm.get(row.key, Decimal(0)), 6))
        row.provider_cost = float(round(money.provider, 6))
        row.cost = round(row.llm_cost + row.provider_cost, 6)
    return [rows[label] for label in sorted(rows)]
