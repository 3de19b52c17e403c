"""Which customers a trigger fires for on a day: one set-based query per trigger kind.

Every finder reads the whole store in one statement (or one per milestone), through the
indexes the tables already have: orders by `ordered_at`, order lines by product and date,
returns by product, customer_metrics by `last_order_at` and `clv_12m`. Each row is an
`Occasion`: the customer, the occasion's name (its unique key with the trigger and step),
its day and the qualifier the facts builder reads, shaped as the matching segment's.
Occasions already queued are left out in the same statement (`recorded=False`).

Days are the brand's local days (ASSISTANT_BRAND_TIMEZONE); milestones use the segment
compiler's rule (customer-local days, "true now and not `within_days` ago").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter
from sqlalchemy import ColumnElement, and_, exists, func, literal, select
from sqlalchemy.orm import Session

from assistant.metrics.queries import EXCLUDED_STATUSES
from assistant.models import (
    CustomerCLV,
    CustomerScores,
    Order,
    OrderItem,
    Product,
    Return,
    TriggerOccasion,
)
from assistant.segments.dialect import register_sqlite_functions
from assistant.segments.query import Compiled, compile_segment, qualifier
from assistant.segments.schemas import Condition
from assistant.segments.service import metrics_as_of
from assistant.triggers.config import Trigger
from assistant.values import plain

_CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)
MILESTONES = (("lifetime_spend", "lifetime_spend"), ("orders", "orders"), ("tenure_years", "years"))


@dataclass(frozen=True)
class Occasion:
    """One reason to write to one customer: a purchase, a milestone, a relaunch, ..."""

    customer_id: int
    occasion: str
    occurred_on: date
    qualifier: dict[str, Any]


@dataclass(frozen=True)
class Scope:
    """Where a finder looks: the as-of day, the brand zone, optionally some customers."""

    as_of: date
    zone: str
    customer_ids: Sequence[int] | None = None
    recorded: bool = False  # include occasions already queued (explain)

    def start(self, day: date) -> datetime:
        """The instant the brand's local `day` begins, in UTC."""
        return datetime.combine(day, time(), tzinfo=ZoneInfo(self.zone)).astimezone(UTC)

    def local_day(self, instant: datetime | None) -> date:
        """The brand's local day of `instant` (the as-of day when there is none)."""
        if instant is None:
            return self.as_of
        return instant.astimezone(ZoneInfo(self.zone)).date()

    def only(self, column: Any) -> list[ColumnElement[bool]]:
        return [] if self.customer_ids is None else [column.in_(list(self.customer_ids))]

    def fresh(self, trigger: Trigger, customer: Any, occasion: Any) -> list[ColumnElement[bool]]:
        """No queued step-1 occasion of this name (unless `recorded`)."""
        if self.recorded:
            return []
        done = exists().where(
            TriggerOccasion.customer_id == customer,
            TriggerOccasion.trigger == trigger.name,
            TriggerOccasion.occasion == occasion,
            TriggerOccasion.step == 1,
        )
        return [~done]


Finder = Callable[[Session, Trigger, Scope], Iterator[Occasion]]


def purchase(session: Session, trigger: Trigger, scope: Scope) -> Iterator[Occasion]:
    """Orders (paid, shipped or delivered) placed `days` days ago, or up to `catch_up_days`
    earlier when a run was missed."""
    last = scope.as_of - timedelta(days=trigger.param("days"))
    first = last - timedelta(days=trigger.param("catch_up_days"))
    name = literal("order:") + Order.external_id
    rows = session.execute(
        select(Order.customer_id, Order.external_id, Order.ordered_at)
        .where(
            Order.ordered_at >= scope.start(first),
            Order.ordered_at < scope.start(last + timedelta(days=1)),
            Order.status.in_(trigger.param("statuses")),
            *scope.only(Order.customer_id),
            *scope.fresh(trigger, Order.customer_id, name),
        )
        .order_by(Order.customer_id, Order.ordered_at.desc(), Order.id.desc())
    )
    for customer_id, number, at in rows:
        cited = {"order_id": number, "ordered_at": plain(at)}
        yield Occasion(customer_id, f"order:{number}", scope.local_day(at), {"orders": cited})


def milestone_crossed(session: Session, trigger: Trigger, scope: Scope) -> Iterator[Occasion]:
    """Lifetime spend, order count or years as a customer reaching the trigger's threshold in
    the last `within_days` days; each milestone is its own occasion, so it fires once."""
    connection = session.connection()
    register_sqlite_functions(connection)
    refreshed = metrics_as_of(session)
    for leaf, param in MILESTONES:
        threshold = trigger.param(param)
        name = f"milestone:{leaf}:{threshold}"
        where = _CONDITION.validate_python(
            {"milestone": {leaf: threshold, "within_days": trigger.param("within_days")}}
        )
        compiled = compile_segment(
            where, connection.dialect.name, scope.as_of, scope.zone, refreshed
        )
        customer = compiled.compiler.c.c.id
        narrowed = Compiled(
            compiled.compiler,
            and_(
                compiled.where,
                *scope.only(customer),
                *scope.fresh(trigger, customer, literal(name)),
            ),
        )
        evidence = compiled.compiler.evidence
        for row in session.execute(narrowed.members()).mappings():
            yield Occasion(row["customer_pk"], name, scope.as_of, qualifier(row, evidence))


def product_relaunched(session: Session, trigger: Trigger, scope: Scope) -> Iterator[Occasion]:
    """Customers who returned a product for one of `reasons` before it was relaunched, when
    the relaunch is within the last `within_days` days: one occasion per relaunch."""
    first = scope.as_of - timedelta(days=trigger.param("within_days") - 1)
    name = literal("relaunch:") + Product.external_id
    rows = session.execute(
        select(
            Return.customer_id,
            Return.reason_code,
            Return.returned_at,
            Order.external_id,
            Product.external_id,
            Product.name,
            Product.relaunched_at,
            Product.improvement_note,
        )
        .select_from(Product)
        .join(Return, Return.product_id == Product.id)
        .join(Order, Order.id == Return.order_id)
        .where(
            Product.relaunched_at >= scope.start(first),
            Product.relaunched_at < scope.start(scope.as_of + timedelta(days=1)),
            Return.returned_at < Product.relaunched_at,
            Return.reason_code.in_(trigger.param("reasons")),
            *scope.only(Return.customer_id),
            *scope.fresh(trigger, Return.customer_id, name),
        )
        .order_by(Return.customer_id, Return.returned_at.desc(), Return.id.desc())
    )
    seen: set[tuple[int, str]] = set()
    for customer_id, reason, returned_at, order, product, title, relaunched_at, note in rows:
        if (customer_id, product) in seen:
            continue  # returned twice: the latest return is cited
        seen.add((customer_id, product))
        cited = {
            "order_id": order,
            "product_id": product,
            "product_name": title,
            "reason_code": reason,
            "returned_at": plain(returned_at),
            "relaunched_at": plain(relaunched_at),
            "improvement_note": note,
        }
        yield Occasion(
            customer_id, f"relaunch:{product}", scope.local_day(relaunched_at), {"returned": cited}
        )


def repeat_product(session: Session, trigger: Trigger, scope: Scope) -> Iterator[Occasion]:
    """The same product (one with an upgrade) on `purchases` orders within `within_days`
    days, the last of them in the last `catch_up_days` days: once per customer and product."""
    first = scope.as_of - timedelta(days=trigger.param("within_days") - 1)
    recent = scope.as_of - timedelta(days=trigger.param("catch_up_days"))
    upgradable = select(Product.id).where(Product.upgrade_product_id.is_not(None))
    times = func.count(func.distinct(OrderItem.order_id))
    repeated = (
        select(
            OrderItem.customer_id.label("customer_id"),
            OrderItem.product_id.label("product_id"),
            times.label("times"),
            func.max(OrderItem.ordered_at).label("latest"),
        )
        .join(Order, Order.id == OrderItem.order_id)
        .where(
            OrderItem.product_id.in_(upgradable),
            OrderItem.ordered_at >= scope.start(first),
            OrderItem.ordered_at < scope.start(scope.as_of + timedelta(days=1)),
            Order.status.not_in(EXCLUDED_STATUSES),
            *scope.only(OrderItem.customer_id),
        )
        .group_by(OrderItem.customer_id, OrderItem.product_id)
        .having(times >= trigger.param("purchases"))
        .having(func.max(OrderItem.ordered_at) >= scope.start(recent))
        .subquery()
    )
    upgrade = Product.__table__.alias("upgrade")
    name = literal("repeat:") + Product.external_id
    rows = session.execute(
        select(
            repeated.c.customer_id,
            repeated.c.times,
            repeated.c.latest,
            Product.external_id,
            Product.name,
            upgrade.c.external_id,
            upgrade.c.name,
        )
        .join(Product, Product.id == repeated.c.product_id)
        .join(upgrade, upgrade.c.id == Product.upgrade_product_id)
        .where(*scope.fresh(trigger, repeated.c.customer_id, name))
        .order_by(repeated.c.customer_id, repeated.c.latest.desc())
    )
    for customer_id, count, latest, product, title, better, better_name in rows:
        cited = {
            "product_id": product,
            "product_name": title,
            "upgrade_product_id": better,
            "upgrade_product_name": better_name,
            "purchases": int(count),
            "within_days": trigger.param("within_days"),
            "count_by": "order",
        }
        yield Occasion(
            customer_id, f"repeat:{product}", scope.local_day(latest), {"product_repeat": cited}
        )


def lapsed_high_value(session: Session, trigger: Trigger, scope: Scope) -> Iterator[Occasion]:
    """A customer in the top `clv_top_percent` of predicted value whose last order is now
    `days` days old (up to `catch_up_days` more): once per lapse (per last order)."""
    cutoff = _clv_cutoff(session, float(trigger.param("clv_top_percent")))
    if cutoff is None:
        return
    last = scope.as_of - timedelta(days=trigger.param("days"))
    first = last - timedelta(days=trigger.param("catch_up_days"))
    # The stored rows behind customer_metrics, on their indexes (last order, CLV).
    metrics, clv = CustomerScores, CustomerCLV
    later = exists().where(
        Order.customer_id == metrics.customer_id,
        Order.ordered_at > metrics.last_order_at,
        Order.status.not_in(EXCLUDED_STATUSES),
    )
    rows = session.execute(
        select(metrics.customer_id, metrics.last_order_at, clv.clv_12m)
        .join(clv, clv.customer_id == metrics.customer_id)
        .where(
            clv.clv_12m >= cutoff,
            metrics.last_order_at >= scope.start(first),
            metrics.last_order_at < scope.start(last + timedelta(days=1)),
            ~later,
            *scope.only(metrics.customer_id),
        )
        .order_by(metrics.customer_id)
    ).all()
    names = {cid: f"lapsed:{scope.local_day(at).isoformat()}" for cid, at, _ in rows}
    done = _recorded(session, trigger, names) if not scope.recorded else set()
    for customer_id, at, _ in rows:
        if (customer_id, names[customer_id]) in done:
            continue
        day = scope.local_day(at)
        cited = {"last_order_on": day.isoformat(), "days": (scope.as_of - day).days}
        yield Occasion(customer_id, names[customer_id], day, {"lapsed": cited})


def _clv_cutoff(session: Session, percent: float) -> Any:
    """The predicted 12-month value at the edge of the top `percent` (None: nobody)."""
    total = session.execute(select(func.count()).select_from(CustomerCLV)).scalar_one()
    rank = math.ceil(total * percent / 100)
    if rank < 1:
        return None
    return session.execute(
        select(CustomerCLV.clv_12m).order_by(CustomerCLV.clv_12m.desc()).offset(rank - 1).limit(1)
    ).scalar_one_or_none()


def _recorded(session: Session, trigger: Trigger, names: dict[int, str]) -> set[tuple[int, str]]:
    if not names:
        return set()
    rows = session.execute(
        select(TriggerOccasion.customer_id, TriggerOccasion.occasion).where(
            TriggerOccasion.trigger == trigger.name,
            TriggerOccasion.step == 1,
            TriggerOccasion.customer_id.in_(list(names)),
            TriggerOccasion.occasion.in_(sorted(set(names.values()))),
        )
    ).all()
    return {(cid, occasion) for cid, occasion in rows}


FINDERS: dict[str, Finder] = {
    "purchase": purchase,
    "milestone_crossed": milestone_crossed,
    "product_relaunched": product_relaunched,
    "repeat_product": repeat_product,
    "lapsed_high_value": lapsed_high_value,
}


def find(session: Session, trigger: Trigger, scope: Scope) -> Iterator[Occasion]:
    """The trigger's step-1 occasions in `scope`."""
    return FINDERS[trigger.kind](session, trigger, scope)
