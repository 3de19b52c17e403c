"""Property: on random small stores, the compiled SQL selects exactly the customers that a
plain-Python evaluation of the same definition selects (tests/segments/reference.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter
from sqlalchemy import Engine, delete

from assistant.db import unit_of_work
from assistant.models import Base
from assistant.segments.schemas import RFM_LABELS, Condition
from tests.segments.reference import Reference, read_store
from tests.segments.run import where
from tests.segments.stores import AS_OF, PRODUCTS, load_store

ZONES = ["America/New_York", "America/Los_Angeles", "Asia/Tokyo", "Europe/London", ""]
# Midnight UTC after as_of: times are drawn in whole hours around it, so orders land
# exactly on local midnights and on both sides of as_of in every zone.
END = datetime(AS_OF.year, AS_OF.month, AS_OF.day, tzinfo=UTC) + timedelta(days=1)
PRICES = {"P1": "14.00", "P2": "2600.00", "P3": "38.00", "P4": "20.00"}
CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@st.composite
def stores(draw: st.DrawFn) -> dict[str, list[str]]:
    """Up to six customers with up to four orders each, some cancelled, some returned."""
    customers: list[str] = []
    orders: list[str] = []
    items: list[str] = []
    returns: list[str] = []
    for k in range(draw(st.integers(1, 6))):
        zone = draw(st.sampled_from(ZONES))
        since = draw(
            st.one_of(
                st.just(""), st.integers(0, 24 * 900).map(lambda h: _iso(END - timedelta(hours=h)))
            )
        )
        sms = draw(st.booleans())
        tier = draw(st.sampled_from(["", "gold", "silver"]))
        customers.append(f"C{k},N{k},T,,,{zone},{since},{sms},false,{tier}")
        for j in range(draw(st.integers(0, 4))):
            at = END - timedelta(hours=draw(st.integers(-20, 24 * 130)))
            status = draw(
                st.sampled_from(["completed", "completed", "shipped", "cancelled", "refunded"])
            )
            lines = draw(
                st.lists(st.sampled_from(sorted(PRICES)), min_size=1, max_size=2, unique=True)
            )
            total = sum((Decimal(PRICES[p]) for p in lines), Decimal("0"))
            orders.append(f"O{k}-{j},C{k},{_iso(at)},{total},USD,{status}")
            for product in lines:
                items.append(f"O{k}-{j},{product},1,{PRICES[product]}")
                if draw(st.integers(0, 3)) == 0:
                    back = at + timedelta(hours=draw(st.integers(1, 24 * 60)))
                    reason = draw(st.sampled_from(["fit", "quality", "changed_mind"]))
                    returns.append(f"O{k}-{j},{product},{_iso(back)},{reason},")
    return {
        "customers": customers,
        "products": PRODUCTS[:5],
        "orders": orders,
        "order_items": items,
        "returns": returns,
    }


def _clean(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if v is not None}


DAYS = st.sampled_from([None, 1, 7, 30, 90])
DATES = st.integers(0, 400).map(lambda d: (AS_OF - timedelta(days=d)).isoformat())
LEAVES = st.one_of(
    st.builds(lambda k: {"metric": "orders_count", "gte": k}, st.integers(0, 4)),
    st.builds(lambda x: {"metric": "lifetime_spend", "gte": x}, st.sampled_from([0, 14, 52, 2600])),
    st.builds(lambda d: {"metric": "recency_days", "lte": d}, st.integers(0, 60)),
    st.builds(lambda p: {"metric": "aov", "top_percent": p}, st.sampled_from([10, 25, 50, 100])),
    st.builds(
        lambda p: {"metric": "lifetime_spend", "bottom_percent": p}, st.sampled_from([20, 50])
    ),
    st.builds(
        lambda labels: {"metric": "rfm_label", "in": labels},
        st.lists(st.sampled_from(RFM_LABELS), min_size=1, max_size=3, unique=True),
    ),
    st.just({"metric": "aov", "is_null": True}),
    st.builds(lambda d: {"metric": "last_order_at", "gte": d}, DATES),
    st.builds(lambda t: {"attribute": "tier", "eq": t}, st.sampled_from(["gold", "silver"])),
    st.just({"attribute": "tier", "exists": True}),
    st.builds(lambda b: {"customer": "sms_consent", "eq": b}, st.booleans()),
    st.builds(
        lambda zones: {"customer": "timezone", "in": zones},
        st.lists(st.sampled_from(ZONES[:-1]), min_size=1, max_size=2, unique=True),
    ),
    st.builds(lambda d: {"customer": "customer_since", "lte": d}, DATES),
    st.builds(
        lambda days, k, amount: {
            "orders": _clean({"within_days": days, "min_count": k, "min_amount": amount})
        },
        DAYS,
        st.integers(1, 3),
        st.sampled_from([None, 52, 2600]),
    ),
    st.builds(
        lambda k, days, upgrade, by: {
            "product_repeat": _clean(
                {"min_purchases": k, "within_days": days, "with_upgrade": upgrade, "count_by": by}
            )
        },
        st.integers(2, 3),
        DAYS,
        st.booleans(),
        st.sampled_from(["day", "order"]),
    ),
    st.builds(
        lambda reasons, days, relaunched: {
            "returned": _clean(
                {"reasons": reasons, "within_days": days, "relaunched_after": relaunched}
            )
        },
        st.sampled_from([None, ["fit"], ["fit", "quality"]]),
        DAYS,
        st.booleans(),
    ),
    st.builds(
        lambda which, days: {"milestone": {**which, "within_days": days}},
        st.sampled_from(
            [
                {"orders": 1},
                {"orders": 2},
                {"lifetime_spend": 52},
                {"lifetime_spend": 2600},
                {"tenure_years": 1},
            ]
        ),
        st.sampled_from([7, 30, 90]),
    ),
)
TREES = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(children, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
        children.map(lambda x: {"not": x}),
    ),
    max_leaves=4,
)


def _reset(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    store=stores(),
    definitions=st.lists(TREES, min_size=4, max_size=4),
    days_back=st.sampled_from([0, 9]),
)
def test_compiled_sql_agrees_with_plain_python(
    engine: Engine,
    tmp_path: Path,
    store: dict[str, list[str]],
    definitions: list[dict[str, Any]],
    days_back: int,
) -> None:
    as_of = AS_OF - timedelta(days=days_back)
    _reset(engine)
    load_store(engine, tmp_path / uuid.uuid4().hex, store, as_of=as_of)
    reference = Reference(read_store(engine), as_of, "America/New_York")
    for definition in definitions:
        expected = reference.members(CONDITION.validate_python(definition))
        assert where(engine, definition, as_of=as_of) == expected, definition


def test_the_reference_agrees_on_the_fixture_edge_cases(engine: Engine, tmp_path: Path) -> None:
    """The reference itself is checked on hand-known answers, so agreement means something."""
    from tests.segments.stores import FIXTURE

    load_store(engine, tmp_path / "store", FIXTURE)
    reference = Reference(read_store(engine), AS_OF, "America/New_York")
    seven = CONDITION.validate_python({"orders": {"within_days": 7}})
    assert reference.members(seven) == {"C01", "C06", "C15", "C24"}
    fans = {"product_repeat": {"min_purchases": 3, "within_days": 90, "with_upgrade": True}}
    assert reference.members(CONDITION.validate_python(fans)) == {"C07"}
    milestone = {"milestone": {"lifetime_spend": 5000, "within_days": 30}}
    assert reference.members(CONDITION.validate_python(milestone)) == {"C14", "C22", "C23"}
    assert date(2026, 11, 20) == AS_OF
