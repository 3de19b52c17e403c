"""The context builder: the facts one draft may use, as its fact receipt.

Facts are built set-based for a batch of campaign members (a handful of queries per batch,
whatever its size) from the member's segment qualifier and a few lookups. They are minimal
on purpose: the first name, never the last name, email, phone, address, free-text notes or
custom attributes; spend as a percentile band, never an amount. Dates are ISO strings of the
customer's local day (their time zone, else the brand's).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.config import get_settings
from assistant.drafting import history
from assistant.drafting.brand import Brand
from assistant.drafting.occasion_facts import add_trigger_facts, is_follow_up
from assistant.drafting.product_names import short_product_name
from assistant.models import Customer, CustomerScores
from assistant.playbooks import Playbook

SCHEMA = 1
# Spend bands, as "top N%" of customers with a purchase; below the last band: no tier.
SPEND_BANDS = (1, 5, 10, 20)
# Recognition mentions the latest purchase only when it is this recent.
RECENT_PURCHASE_DAYS = 90
# What each playbook cannot be written without (fact paths); a member lacking one is skipped.
REQUIRED_FACTS: Mapping[str, tuple[str, ...]] = {
    "check_in": ("purchase.product",),
    "upsell": ("product.name", "upgrade.name"),
    "re_engagement": ("return.product", "relaunch.improvement"),
}
# Where each playbook's timing event is in the facts: (section, key).
TIMING_EVENTS: Mapping[str, str] = {
    "purchase": "purchase.ordered_on",
    "milestone": "milestone.reached_on",
    "last_repeat_purchase": "product.last_bought_on",
    "relaunch": "relaunch.relaunched_on",
    "return": "return.returned_on",
}
Facts = dict[str, Any]
Member = tuple[int, Mapping[str, Any]]


@lru_cache(maxsize=512)
def _zone(name: str | None, fallback: str) -> ZoneInfo:
    for candidate in (name, fallback):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def _instant(value: Any) -> datetime | None:
    """A qualifier timestamp (ISO text or datetime) as an aware datetime."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def years_after(day: date, years: int) -> date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def full_years(since: date, as_of: date) -> int:
    """Whole years from `since` to `as_of`."""
    years = as_of.year - since.year
    return years - 1 if years_after(since, years) > as_of else max(years, 0)


def fact_at(facts: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted `path` of the facts, or None."""
    value: Any = facts
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def missing_facts(playbook: str, facts: Mapping[str, Any]) -> list[str]:
    """The fact paths `playbook` needs (the first name always) that `facts` lacks."""
    needed = ("customer.first_name", *REQUIRED_FACTS.get(playbook, ()))
    return [path for path in needed if fact_at(facts, path) in (None, "", {}, [])]


def event_day(facts: Mapping[str, Any], event: str) -> date | None:
    """The local day of the playbook's timing `event`, when the facts know it (None for a
    trigger's follow-up step: its sequence times it)."""
    path = None if is_follow_up(facts) else TIMING_EVENTS.get(event)
    value = fact_at(facts, path) if path else None
    return date.fromisoformat(value) if isinstance(value, str) else None


@dataclass
class _Person:
    first_name: str
    zone: ZoneInfo
    since: datetime | None
    spend: Decimal | None
    orders: int


class FactsBuilder:
    """Builds fact receipts for one playbook, channel and as-of day, batch after batch.

    Store-wide lookups (the spend bands) are computed once per builder, so a campaign keeps
    one builder for its whole run.
    """

    def __init__(
        self,
        *,
        playbook: Playbook,
        channel: str,
        as_of: date,
        brand: Brand,
        currency: str | None = None,
        brand_zone: str | None = None,
    ) -> None:
        settings = get_settings().app
        self.playbook = playbook
        self.channel = channel
        self.as_of = as_of
        self.brand = brand
        self.currency = currency or settings.default_currency
        self.brand_zone = brand_zone or settings.brand_timezone
        self._bands: list[tuple[int, Decimal]] | None = None

    @property
    def wants_profile(self) -> bool:
        """Tenure and spend tier: recognition only (other messages don't need them)."""
        return self.playbook.name == "recognition"

    def build(self, session: Session, members: Sequence[Member]) -> dict[int, Facts]:
        """customer id -> fact receipt, for every member whose customer exists."""
        if not members:
            return {}
        ids = sorted({customer_id for customer_id, _ in members})
        people = self._people(session, ids)
        qualifiers = {cid: q for cid, q in members if cid in people}
        first_sms = set(ids) - history.texted(session, ids) if self.channel == "sms" else set()
        facts: dict[int, Facts] = {}
        for customer_id, person in people.items():
            facts[customer_id] = self._base(customer_id, person, first_sms)
        self._add_purchases(session, facts, people, qualifiers)
        self._add_milestones(session, facts, people, qualifiers)
        self._add_products(session, facts, people, qualifiers)
        self._add_returns(facts, people, qualifiers)
        _add_product_details(session, facts)
        add_trigger_facts(facts, qualifiers)
        return facts

    # --- customers -------------------------------------------------------------------

    def _people(self, session: Session, ids: Sequence[int]) -> dict[int, _Person]:
        # Only the columns a message may use: never last name, email, phone or attributes.
        rows = session.execute(
            select(
                Customer.id,
                Customer.first_name,
                Customer.timezone,
                func.coalesce(Customer.customer_since, CustomerScores.first_order_at),
                CustomerScores.lifetime_spend,
                CustomerScores.orders_count,
            )
            # The stored rows behind customer_metrics: a view on the right of an outer join
            # is computed whole on SQLite.
            .outerjoin(CustomerScores, CustomerScores.customer_id == Customer.id)
            .where(Customer.id.in_(ids))
        ).all()
        return {
            row[0]: _Person(
                first_name=(row[1] or "").strip(),
                zone=_zone(row[2], self.brand_zone),
                since=_instant(row[3]),
                spend=row[4],
                orders=row[5] or 0,
            )
            for row in rows
        }

    def _base(self, customer_id: int, person: _Person, first_sms: set[int]) -> Facts:
        customer: Facts = {"first_name": person.first_name}
        if self.wants_profile:
            if person.since is not None:
                since = self._day(person.since, person.zone)
                customer["customer_since"] = since.isoformat()
                years = full_years(since, self.as_of)
                if years >= 1:
                    customer["tenure_years"] = years
            tier = self._spend_tier(person.spend)
            if tier:
                customer["spend_tier"] = tier
        if self.channel == "sms":
            customer["first_sms"] = customer_id in first_sms
        return {
            "schema": SCHEMA,
            "playbook": self.playbook.name,
            "channel": self.channel,
            "brand": {"name": self.brand.name, "sender": self.brand.sender_name},
            "customer": customer,
            "offer": dict(self.playbook.offer) if self.playbook.offer else None,
        }

    def _spend_tier(self, spend: Decimal | None) -> str | None:
        if spend is None or spend <= 0 or not self._bands:
            return None
        for percent, cutoff in self._bands:
            if spend >= cutoff:
                return f"top {percent}%"
        return None

    def prepare(self, session: Session) -> None:
        """Store-wide lookups, once: the lifetime spend at each band's edge."""
        if self._bands is not None or not self.wants_profile:
            return
        spenders = session.execute(
            select(func.count()).where(CustomerScores.orders_count > 0)
        ).scalar_one()
        self._bands = []
        if not spenders:
            return
        # "top p%": among the first floor(N * p / 100) spenders (ties included); a band too
        # small to hold anyone is left out.
        ranks = [(p, math.floor(spenders * p / 100)) for p in SPEND_BANDS]
        deepest = max(rank for _, rank in ranks)
        if deepest < 1:
            return
        values = list(
            session.execute(
                select(CustomerScores.lifetime_spend)
                .where(CustomerScores.orders_count > 0)
                .order_by(CustomerScores.lifetime_spend.desc())
                .limit(deepest)
            ).scalars()
        )
        for percent, rank in ranks:
            if 1 <= rank <= len(values):
                self._bands.append((percent, Decimal(values[rank - 1])))

    def _day(self, instant: datetime, zone: ZoneInfo) -> date:
        return instant.astimezone(zone).date()

    # --- purchases (check-in; recognition's recent purchase) --------------------------

    def _add_purchases(
        self,
        session: Session,
        facts: dict[int, Facts],
        people: Mapping[int, _Person],
        qualifiers: Mapping[int, Mapping[str, Any]],
    ) -> None:
        cited = {
            cid: str(q["orders"]["order_id"])
            for cid, q in qualifiers.items()
            if isinstance(q.get("orders"), Mapping) and q["orders"].get("order_id")
        }
        wanted = set(cited)
        if self.playbook.name == "check_in" or self.wants_profile:
            wanted |= set(people)
        latest_for = sorted(wanted - set(cited))
        orders = history.orders_by_number(session, cited) if cited else {}
        if latest_for:
            orders.update(history.latest_orders(session, latest_for))
        if not orders:
            return
        products = history.main_products(session, [o[0] for o in orders.values()])
        for customer_id, (order_id, number, at) in orders.items():
            product = products.get(order_id)
            if product is None:
                continue
            day = self._day(at, people[customer_id].zone)
            days_ago = (self.as_of - day).days
            recent_enough = days_ago <= RECENT_PURCHASE_DAYS
            if customer_id not in cited and self.playbook.name != "check_in" and not recent_enough:
                continue
            facts[customer_id]["purchase"] = {
                "product": product,
                "ordered_on": day.isoformat(),
                "days_ago": days_ago,
                "order_number": number,
            }

    # --- milestones (recognition) ------------------------------------------------------

    def _add_milestones(
        self,
        session: Session,
        facts: dict[int, Facts],
        people: Mapping[int, _Person],
        qualifiers: Mapping[int, Mapping[str, Any]],
    ) -> None:
        by_kind: dict[str, dict[int, Any]] = defaultdict(dict)
        for customer_id, qualifier in qualifiers.items():
            found = qualifier.get("milestone")
            if isinstance(found, Mapping) and found.get("milestone"):
                by_kind[str(found["milestone"])][customer_id] = found["threshold"]
        for customer_id, threshold in by_kind.get("tenure_years", {}).items():
            since = people[customer_id].since
            if since is None:
                continue
            years = int(threshold)
            reached = years_after(self._day(since, people[customer_id].zone), years)
            unit = "year" if years == 1 else "years"
            facts[customer_id]["milestone"] = {
                "kind": "tenure_years",
                "threshold": years,
                "reached_on": reached.isoformat(),
                "description": f"{years} {unit} as a customer",
            }
        orders = by_kind.get("orders", {})
        if orders:
            for customer_id, at in history.nth_purchases(session, orders).items():
                count = int(orders[customer_id])
                facts[customer_id]["milestone"] = {
                    "kind": "orders",
                    "threshold": count,
                    "reached_on": self._day(at, people[customer_id].zone).isoformat(),
                    "description": f"{count} orders",
                }
        spend = by_kind.get("lifetime_spend", {})
        if spend:
            for customer_id, at in history.spend_crossings(session, spend).items():
                amount = Decimal(str(spend[customer_id]))
                facts[customer_id]["milestone"] = {
                    "kind": "lifetime_spend",
                    "threshold": f"{amount:.2f}",
                    "currency": self.currency,
                    "reached_on": self._day(at, people[customer_id].zone).isoformat(),
                    "description": f"{amount:,.0f} {self.currency} of purchases",
                }

    # --- product fans (upsell) ---------------------------------------------------------

    def _add_products(
        self,
        session: Session,
        facts: dict[int, Facts],
        people: Mapping[int, _Person],
        qualifiers: Mapping[int, Mapping[str, Any]],
    ) -> None:
        repeats = {
            cid: q["product_repeat"]
            for cid, q in qualifiers.items()
            if isinstance(q.get("product_repeat"), Mapping)
            and q["product_repeat"].get("product_id")
        }
        if not repeats:
            return
        codes = {str(r["product_id"]) for r in repeats.values()}
        codes |= {
            str(r["upgrade_product_id"]) for r in repeats.values() if r.get("upgrade_product_id")
        }
        products = history.products_by_code(session, sorted(codes))
        product_ids = sorted(
            {
                products[str(r["product_id"])][0]
                for r in repeats.values()
                if str(r["product_id"]) in products
            }
        )
        spans = history.purchase_spans(session, sorted(repeats), product_ids) if product_ids else {}
        for customer_id, repeat in repeats.items():
            item = products.get(str(repeat["product_id"]))
            if item is None:
                continue
            zone = people[customer_id].zone
            section: Facts = {"name": item[1]}
            if repeat.get("purchases") is not None:
                section["times_bought"] = int(repeat["purchases"])
            span = spans.get((customer_id, item[0]))
            if span is not None:
                section["first_bought_on"] = self._day(span[0], zone).isoformat()
                section["last_bought_on"] = self._day(span[1], zone).isoformat()
            facts[customer_id]["product"] = section
            upgrade = products.get(str(repeat.get("upgrade_product_id")))
            if upgrade is not None:
                offer: Facts = {"name": upgrade[1]}
                if upgrade[2] is not None:
                    offer["price"] = f"{upgrade[2]:.2f}"
                    offer["currency"] = self.currency
                facts[customer_id]["upgrade"] = offer

    # --- returns and relaunches (re-engagement) ----------------------------------------

    def _add_returns(
        self,
        facts: dict[int, Facts],
        people: Mapping[int, _Person],
        qualifiers: Mapping[int, Mapping[str, Any]],
    ) -> None:
        brand_zone = _zone(None, self.brand_zone)
        for customer_id, qualifier in qualifiers.items():
            found = qualifier.get("returned")
            if not isinstance(found, Mapping) or not found.get("product_name"):
                continue
            zone = people[customer_id].zone
            section: Facts = {"product": found["product_name"]}
            returned_at = _instant(found.get("returned_at"))
            if returned_at is not None:
                section["returned_on"] = self._day(returned_at, zone).isoformat()
            if found.get("reason_code"):
                # The reason code only: the customer's free-text note stays out of prompts.
                section["reason"] = str(found["reason_code"]).replace("_", " ")
            facts[customer_id]["return"] = section
            relaunched_at = _instant(found.get("relaunched_at"))
            if relaunched_at is not None:
                relaunch: Facts = {
                    "product": found["product_name"],
                    "relaunched_on": self._day(relaunched_at, brand_zone).isoformat(),
                }
                if found.get("improvement_note"):
                    relaunch["improvement"] = str(found["improvement_note"])
                facts[customer_id]["relaunch"] = relaunch


# Fact sections naming a product: section -> the key of the name.
_PRODUCT_SECTIONS = {
    "purchase": "product",
    "product": "name",
    "upgrade": "name",
    "return": "product",
}


def _add_product_details(session: Session, facts: Mapping[int, Facts]) -> None:
    """Short names (as messages say them) and categories beside every product name; for an
    upgrade, its improvement note too (why it is better, never made up)."""
    named = [
        (part, section, str(section[key]))
        for receipt in facts.values()
        for part, key in _PRODUCT_SECTIONS.items()
        if isinstance(section := receipt.get(part), dict) and section.get(key)
    ]
    if not named:
        return
    details = history.product_details(session, [name for _, _, name in named])
    for part, section, name in named:
        detail = details.get(name)
        short = (detail.short_name if detail else None) or short_product_name(name)
        if short != name:
            section["short_name"] = short
        if detail is None or part == "return":
            continue
        if detail.category:
            section["category"] = detail.category
        if part == "upgrade" and detail.improvement_note:
            section["improvement"] = detail.improvement_note


def build_facts_batch(
    session: Session,
    *,
    playbook: Playbook,
    members: Sequence[Member],
    channel: str,
    as_of: date,
    brand: Brand,
) -> dict[int, Facts]:
    """customer id -> fact receipt for `members` ((customer id, segment qualifier) pairs)."""
    builder = FactsBuilder(playbook=playbook, channel=channel, as_of=as_of, brand=brand)
    builder.prepare(session)
    return builder.build(session, members)


def build_facts(
    session: Session,
    *,
    playbook: Playbook,
    customer_id: int,
    qualifier: Mapping[str, Any] | None = None,
    channel: str,
    as_of: date,
    brand: Brand,
) -> Facts | None:
    """The fact receipt of one customer (None if there is no such customer)."""
    found = build_facts_batch(
        session,
        playbook=playbook,
        members=[(customer_id, qualifier or {})],
        channel=channel,
        as_of=as_of,
        brand=brand,
    )
    return found.get(customer_id)
