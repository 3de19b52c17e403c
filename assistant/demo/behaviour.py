"""Vectorised draws of customer behaviour for one chunk of the demo store."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from assistant.demo import catalog

DAY = 86_400
HISTORY_DAYS = 4 * 365
# Customer tiers: never ordered, one-off, occasional, regular, loyal (long-tailed frequency).
TIER_P = (0.03, 0.50, 0.30, 0.12, 0.05)
NONE, ONE, OCCASIONAL, REGULAR, LOYAL = range(5)
FAN_SHARE = 0.009  # customers who reorder one upgradeable consumable 3+ times in 90 days
EXTRA_LINES_MEAN = 1.62  # Poisson lines beyond the first; duplicates are dropped afterwards
FAVOURITE_P = 0.3  # a consumable line is the customer's usual product
RETURN_RATE = (0.006, 0.045, 0.085)  # per line, by kind
BEFORE_FIX_FACTOR = 1.5  # the flaw a relaunch fixed made the old version come back more often
# Relaunched products first came out this long before their relaunch; earlier orders got the
# kind's best seller instead. This keeps returns of not-yet-improved products to about 1 %.
FIRST_VERSION_DAYS = 300
DISCOUNTS = (0, 5, 10, 15, 20)  # percent off list price
DISCOUNT_P = (0.88, 0.04, 0.04, 0.02, 0.02)
# Local hour of day people shop at: quiet at night, peaks at lunch and in the evening.
_HOUR_W = np.array(
    [5, 3, 2, 1, 1, 2, 6, 15, 25, 35, 40, 45, 50, 50, 45, 40, 40, 45, 50, 55, 60, 50, 35, 15],
    dtype=float,
)
_HOUR_CDF = np.cumsum(_HOUR_W) / _HOUR_W.sum()
_NEVER = np.iinfo(np.int64).max  # relaunch time of a product never relaunched


def _cdf(p: np.ndarray) -> np.ndarray:
    c = np.cumsum(p, dtype=float)
    out: np.ndarray = c / c[-1]
    return out


def _pick(rng: np.random.Generator, cdf: np.ndarray, size: int) -> np.ndarray:
    """Draw `size` indices from the distribution with cumulative probabilities `cdf`."""
    index: np.ndarray = np.searchsorted(cdf, rng.random(size), side="right")
    np.minimum(index, len(cdf) - 1, out=index)  # guards against u landing on a rounded 1.0
    return index


@dataclass(frozen=True)
class Clock:
    """The time frame: the end of as_of's day (UTC) and each zone's UTC offset on that day."""

    as_of: datetime.date
    now: int  # epoch seconds of as_of 23:59:59 UTC; nothing happens after it
    start: int  # beginning of the order history
    zone_offset: np.ndarray  # seconds east of UTC, per catalog.ZONES entry

    @classmethod
    def build(cls, as_of: datetime.date) -> Clock:
        """Clock for as_of."""
        midnight = datetime.datetime(as_of.year, as_of.month, as_of.day, tzinfo=datetime.UTC)
        offsets = [midnight.astimezone(ZoneInfo(z.name)).utcoffset() for z in catalog.ZONES]
        now = int(midnight.timestamp()) + DAY - 1
        return cls(
            as_of=as_of,
            now=now,
            start=now + 1 - HISTORY_DAYS * DAY,
            zone_offset=np.array([int(o.total_seconds()) if o else 0 for o in offsets]),
        )

    def growth(self, rng: np.random.Generator, size: int, latest: int | np.ndarray) -> np.ndarray:
        """Times in [start, latest] weighted towards the end, as for a growing store."""
        g = 1.2
        x = np.log1p(rng.random(size) * np.expm1(g)) / g
        out: np.ndarray = self.start + (x * (latest - self.start)).astype(np.int64)
        return out

    def shopping_time(
        self, rng: np.random.Generator, t: np.ndarray, zone: np.ndarray
    ) -> np.ndarray:
        """Move each time to a plausible local hour on its day, never past `now`."""
        local = _pick(rng, _HOUR_CDF, len(t)) * 3600 + rng.integers(0, 3600, len(t))
        out: np.ndarray = (t // DAY) * DAY + local - self.zone_offset[zone]
        return np.where(out > self.now, out - DAY, out)


@dataclass(frozen=True)
class Catalog:
    """Array views of catalog.PRODUCTS for vectorised draws."""

    kind: np.ndarray
    unit_cents: np.ndarray  # [product, discount index]
    price_text: np.ndarray  # the same as '12.50' strings
    relaunch_at: np.ndarray  # epoch seconds, int64 max when never relaunched
    launch_at: np.ndarray  # epoch seconds the product went on sale, int64 min if always sold
    stand_in: np.ndarray  # what was bought instead before launch_at
    kind_ids: tuple[np.ndarray, ...]
    kind_cdf: tuple[np.ndarray, ...]
    fan_ids: np.ndarray  # consumables with an upgrade
    fan_cdf: np.ndarray
    consumable_cdf: np.ndarray

    @classmethod
    def build(cls, as_of: datetime.date) -> Catalog:
        """Catalog arrays with relaunch dates relative to as_of."""
        products = catalog.PRODUCTS
        kind = np.array([p.kind for p in products])
        weight = np.array([p.weight for p in products])
        price = np.array([p.price_cents for p in products], dtype=np.int64)
        unit = (price[:, None] * (100 - np.array(DISCOUNTS))[None, :] + 50) // 100
        text = np.array([[f"{c // 100}.{c % 100:02d}" for c in row] for row in unit.tolist()])
        midnight = datetime.datetime(as_of.year, as_of.month, as_of.day, tzinfo=datetime.UTC)
        relaunch = [
            int(midnight.timestamp()) - p.relaunch_days_ago * DAY if p.relaunch_days_ago else _NEVER
            for p in products
        ]
        relaunch_at = np.array(relaunch, dtype=np.int64)
        relaunched = relaunch_at != _NEVER
        kind_ids = tuple(np.flatnonzero(kind == k) for k in range(3))
        best_seller = [
            ids[np.argmax(np.where(relaunched[ids], 0.0, weight[ids]))] for ids in kind_ids
        ]
        fan_ids = np.array(
            [i for i, p in enumerate(products) if p.kind == catalog.CONSUMABLE and p.upgrade_to]
        )
        return cls(
            kind=kind,
            unit_cents=unit,
            price_text=text,
            relaunch_at=relaunch_at,
            launch_at=np.where(
                relaunched, relaunch_at - FIRST_VERSION_DAYS * DAY, np.iinfo(np.int64).min
            ),
            stand_in=np.array([best_seller[k] for k in kind]),
            kind_ids=kind_ids,
            kind_cdf=tuple(_cdf(weight[ids]) for ids in kind_ids),
            fan_ids=fan_ids,
            fan_cdf=_cdf(weight[fan_ids]),
            consumable_cdf=_cdf(weight[kind_ids[catalog.CONSUMABLE]]),
        )


@dataclass(frozen=True)
class People:
    """One chunk of customers: who they are and how they shop (arrays indexed by local id)."""

    index: np.ndarray  # global 0-based customer index
    zone: np.ndarray
    tier: np.ndarray
    p_equipment: np.ndarray  # share of their lines that are equipment
    p_apparel: np.ndarray
    favourite: np.ndarray  # their usual consumable (product index)
    fan_product: np.ndarray  # upgradeable consumable they keep reordering, -1 if none
    sms_consent: np.ndarray
    email_consent: np.ndarray

    @property
    def count(self) -> int:
        """Number of customers in the chunk."""
        return len(self.index)


def draw_people(rng: np.random.Generator, first: int, n: int, cat: Catalog) -> People:
    """Zone, tier, taste and consent for customers first .. first+n-1."""
    zone_cdf = _cdf(np.array([z.weight for z in catalog.ZONES]))
    tier = _pick(rng, _cdf(np.array(TIER_P)), n)
    # Big spenders lean towards equipment; loyal customers spend more per order.
    value = rng.lognormal(0.0, 0.5, n) * np.where(tier == LOYAL, 1.8, 1.0)
    consumables = cat.kind_ids[catalog.CONSUMABLE]
    fan = (tier != NONE) & (rng.random(n) < FAN_SHARE)
    fan_product = np.where(fan, cat.fan_ids[_pick(rng, cat.fan_cdf, n)], -1)
    favourite = consumables[_pick(rng, cat.consumable_cdf, n)]
    return People(
        index=np.arange(first, first + n, dtype=np.int64),
        zone=_pick(rng, zone_cdf, n),
        tier=tier,
        p_equipment=np.clip(0.14 * value, 0.04, 0.5),
        p_apparel=np.clip(0.2 * rng.lognormal(0.0, 0.4, n), 0.05, 0.4),
        favourite=np.where(fan, fan_product, favourite),
        fan_product=fan_product,
        sms_consent=rng.random(n) >= 0.35,
        email_consent=rng.random(n) >= 0.15,
    )


@dataclass(frozen=True)
class Orders:
    """A chunk's orders, sorted by customer and time; row i gets order id first_id + i."""

    customer: np.ndarray  # local customer index
    at: np.ndarray  # epoch seconds
    status: np.ndarray  # index into STATUS
    fan_product: np.ndarray  # product the order must contain, -1 if none


STATUS = ("completed", "cancelled", "refunded")
COMPLETED = 0
_STATUS_CDF = _cdf(np.array([0.96, 0.03, 0.01]))


def draw_orders(rng: np.random.Generator, people: People, clock: Clock) -> Orders:
    """Order count and timing per customer, plus the recent repeat orders of product fans."""
    n, tier = people.count, people.tier
    by_tier = [tier == ONE, tier == OCCASIONAL, tier == REGULAR, tier == LOYAL]
    count = np.select(
        by_tier,
        [
            np.ones(n, dtype=np.int64),
            2 + np.minimum(rng.poisson(1.0, n), 6),
            4 + rng.poisson(4.0, n),
            np.minimum(10 + rng.negative_binomial(2, 2 / 27, n), 150),
        ],
        0,
    )
    # Regulars need room for several orders; loyal customers have 2+ years of tenure.
    latest_first = np.select(by_tier[2:], [clock.now - 150 * DAY, clock.now - 760 * DAY], clock.now)
    first_at = clock.growth(rng, n, latest_first)
    active = rng.random(n) < np.select(by_tier[2:], [0.7, 0.85], 0.0)
    lifetime = np.where(tier >= REGULAR, rng.uniform(200, 1100, n), rng.uniform(30, 900, n))
    last_at = np.where(
        active, clock.now, np.minimum(clock.now, first_at + (lifetime * DAY).astype(np.int64))
    )
    customer = np.repeat(np.arange(n), count)
    u = rng.random(len(customer))
    u[np.cumsum(count)[count > 0] - count[count > 0]] = 0.0  # each history starts at first_at
    at = first_at[customer] + (u * (last_at - first_at)[customer]).astype(np.int64)

    fans = np.flatnonzero(people.fan_product >= 0)
    fan_orders = 3 + (rng.random(len(fans)) < 0.4)
    fan_customer = np.repeat(fans, fan_orders)
    fan_at = clock.now - rng.integers(0, 85 * DAY, len(fan_customer))

    customer = np.concatenate([customer, fan_customer])
    at = np.concatenate([at, fan_at])
    fan_product = np.concatenate([np.full(len(u), -1), people.fan_product[fan_customer]])
    at = clock.shopping_time(rng, at, people.zone[customer])
    status = _pick(rng, _STATUS_CDF, len(at))
    status[fan_product >= 0] = COMPLETED
    order = np.lexsort((at, customer))
    return Orders(customer[order], at[order], status[order], fan_product[order])


def draw_created_at(
    rng: np.random.Generator, people: People, orders: Orders, clock: Clock
) -> np.ndarray:
    """Sign-up time per customer: at or before their first order, or any time if none."""
    n = people.count
    created = clock.growth(rng, n, clock.now)
    buyers, first = np.unique(orders.customer, return_index=True)
    # Most sign up at checkout; the rest joined the list weeks or months before buying.
    lag = np.where(
        rng.random(n) < 0.6,
        rng.integers(0, 2 * 3600, n),
        (rng.exponential(60.0, n) * DAY).astype(np.int64),
    )
    created[buyers] = orders.at[first] - lag[buyers]
    return created


@dataclass(frozen=True)
class Lines:
    """A chunk's order lines, sorted by order then product; at most one line per pair."""

    order: np.ndarray  # index into Orders
    product: np.ndarray
    quantity: np.ndarray
    discount: np.ndarray  # index into DISCOUNTS
    amount: np.ndarray  # quantity x unit price in cents

    def order_totals(self, n_orders: int) -> np.ndarray:
        """Sum of line amounts per order, in cents."""
        # float64 sums of integer cents are exact far beyond any plausible order total.
        totals = np.bincount(self.order, weights=self.amount, minlength=n_orders)
        return np.rint(totals).astype(np.int64)


def draw_lines(rng: np.random.Generator, people: People, orders: Orders, cat: Catalog) -> Lines:
    """Products, quantities and prices for every order."""
    per_order = 1 + np.minimum(rng.poisson(EXTRA_LINES_MEAN, len(orders.customer)), 7)
    order = np.repeat(np.arange(len(per_order)), per_order)
    customer = orders.customer[order]
    u = rng.random(len(order))
    p_equipment = people.p_equipment[customer]
    kind = np.where(
        u < p_equipment,
        catalog.EQUIPMENT,
        np.where(u < p_equipment + people.p_apparel[customer], catalog.APPAREL, catalog.CONSUMABLE),
    )
    product = np.empty(len(order), dtype=np.int64)
    for k in range(3):
        where = np.flatnonzero(kind == k)
        product[where] = cat.kind_ids[k][_pick(rng, cat.kind_cdf[k], len(where))]
    usual = (kind == catalog.CONSUMABLE) & (rng.random(len(order)) < FAVOURITE_P)
    product[usual] = people.favourite[customer[usual]]
    too_early = orders.at[order] < cat.launch_at[product]
    product[too_early] = cat.stand_in[product[too_early]]
    fan_orders = np.flatnonzero(orders.fan_product >= 0)
    product[(np.cumsum(per_order) - per_order)[fan_orders]] = orders.fan_product[fan_orders]

    # Drop repeated products within an order; the sorted keys also order lines by product.
    n_products = len(cat.kind)
    key = np.unique(order.astype(np.int64) * n_products + product)
    order, product = key // n_products, key % n_products
    u = rng.random(len(key))
    quantity = np.where(
        cat.kind[product] == catalog.CONSUMABLE, 1 + (u >= 0.65) + (u >= 0.9), 1 + (u >= 0.95)
    ).astype(np.int64)
    discount = _pick(rng, _cdf(np.array(DISCOUNT_P)), len(key))
    amount = quantity * cat.unit_cents[product, discount]
    return Lines(order, product, quantity, discount, amount)


@dataclass(frozen=True)
class Returns:
    """Returned lines of completed orders."""

    line: np.ndarray  # index into Lines
    at: np.ndarray
    reason: np.ndarray  # index into catalog.REASONS
    note: list[str]


_REASON_CDF = np.cumsum(np.array([catalog.REASON_P_BY_KIND, catalog.REASON_P_BEFORE_FIX]), axis=2)
_NOTES = [[notes.get(r, ("",)) for r in catalog.REASONS] for notes in catalog.RETURN_NOTES]


def draw_returns(
    rng: np.random.Generator, orders: Orders, lines: Lines, cat: Catalog, clock: Clock
) -> Returns:
    """Ordinary returns, plus extra fit/sizing/quality returns of products later relaunched."""
    ordered_at = orders.at[lines.order]
    relaunch = cat.relaunch_at[lines.product]
    before_fix = (relaunch != _NEVER) & (ordered_at < relaunch - 3 * DAY)
    rate = np.array(RETURN_RATE)[cat.kind[lines.product]]
    rate = rate * np.where(before_fix, BEFORE_FIX_FACTOR, 1.0)
    hit = (orders.status[lines.order] == COMPLETED) & (rng.random(len(rate)) < rate)
    line = np.flatnonzero(hit)
    ordered_at, relaunch, before_fix = ordered_at[line], relaunch[line], before_fix[line]
    # Returns arrive 3-30 days later; the old version's come back before the relaunch.
    window = np.where(before_fix, np.minimum(30 * DAY, relaunch - ordered_at - 1), 30 * DAY)
    at = ordered_at + 3 * DAY + (rng.random(len(line)) * (window - 3 * DAY)).astype(np.int64)
    keep = at <= clock.now
    line, at, before_fix = line[keep], at[keep], before_fix[keep]
    kind = cat.kind[lines.product[line]]
    cdf = _REASON_CDF[before_fix.astype(np.int64), kind]
    reason = np.minimum((rng.random(len(line))[:, None] >= cdf).sum(axis=1), 4)
    has_note = rng.random(len(line)) < 0.45
    pick = rng.random(len(line))
    note = [
        _NOTES[k][r][int(p * len(_NOTES[k][r]))] if h else ""
        for k, r, p, h in zip(
            kind.tolist(), reason.tolist(), pick.tolist(), has_note.tolist(), strict=True
        )
    ]
    return Returns(line, at, reason, note)
