"""Each built-in segment on the fixture store: exactly the expected customers and qualifiers."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, select

from assistant.db import unit_of_work
from assistant.models import Customer, CustomerMetrics, MetricsPendingCustomer
from assistant.segments.registry import builtin_segments
from tests.segments.conftest import StoreDb
from tests.segments.run import members
from tests.segments.stores import AS_OF


def _metrics(store: StoreDb, *columns: str) -> dict[str, tuple[Any, ...]]:
    picked = [getattr(CustomerMetrics, name) for name in columns]
    query = select(Customer.external_id, *picked).join(
        CustomerMetrics, CustomerMetrics.customer_id == Customer.id
    )
    with store.engine.connect() as connection:
        return {row[0]: tuple(row[1:]) for row in connection.execute(query)}


def _order(order_id: str, at: str, total: str, in_window: int, days: int) -> dict[str, Any]:
    return {
        "orders": {
            "order_id": order_id,
            "ordered_at": at,
            "total": total,
            "orders_in_window": in_window,
            "within_days": days,
        }
    }


def test_every_builtin_is_defined_with_its_params() -> None:
    assert {name: seg.params for name, seg in builtin_segments().items()} == {
        "vip": {"min_rfm_score": 4, "clv_top_percent": 20, "aov_top_percent": 20},
        "milestone": {"min_spend": 5000, "min_orders": 10, "min_years": 2, "within_days": 30},
        "recent_buyers_7d": {"days": 7},
        "recent_buyers_14d": {"days": 14},
        "recent_buyers_30d": {"days": 30},
        "product_fans": {"min_purchases": 3, "within_days": 90},
        "returned_relaunched": {
            "reasons": ["fit", "quality", "sizing"],
            "return_within_days": None,
        },
        "lapsed_high_value": {"min_m_score": 4, "days": 90},
    }
    assert all(seg.source == "builtin" and seg.description for seg in builtin_segments().values())


def test_vip_needs_high_rfm_and_the_top_clv_and_aov_tiers(store: StoreDb) -> None:
    scores = _metrics(store, "r_score", "f_score", "m_score")
    # Preconditions from the metrics: Oli has high spend and AOV but only two orders.
    assert scores["C24"] == (4, 5, 5)
    assert scores["C15"][1] < 4
    assert members(store.engine, "vip") == {
        "C24": {
            "metrics": {
                "r_score": 4,
                "f_score": 5,
                "m_score": 5,
                "clv_12m": "9000.00",
                "aov": "3000.00",
            }
        }
    }
    # Widening the CLV tier to everyone with a value still leaves Oli out (frequency).
    assert set(members(store.engine, "vip", {"clv_top_percent": 100})) == {"C24"}


def test_milestone_is_reached_recently_and_only_once(store: StoreDb) -> None:
    found = members(store.engine, "milestone")
    spend = {"milestone": "lifetime_spend", "threshold": "5000.00", "within_days": 30}
    tenure = {"milestone": "tenure_years", "threshold": 2, "within_days": 30}
    assert found == {
        "C14": {"milestone": {**spend, "value": "5200.00"}},
        "C16": {
            "milestone": {"milestone": "orders", "threshold": 10, "within_days": 30, "value": 10}
        },
        "C17": {"milestone": {**tenure, "customer_since": "2024-11-10T09:00:00Z"}},
        # Crossed on as_of - 29 (C21 crossed on as_of - 30: already true then, excluded).
        "C22": {"milestone": {**spend, "value": "5100.00"}},
        # Returned the first $5,500 order: net spend crossed $5,000 only with the second.
        "C23": {"milestone": {**spend, "value": "5100.00"}},
        "C26": {"milestone": {**tenure, "customer_since": "2024-10-22T10:00:00Z"}},
    }
    # Long ago: Oli's spend (2025), Ray's tenure (2023), Xia's spend (September).
    assert not {"C15", "C18", "C21", "C24", "C25"} & set(found)


def test_milestone_thresholds_are_params(store: StoreDb) -> None:
    found = members(store.engine, "milestone", {"min_spend": 5150, "min_years": 3})
    assert set(found) == {"C14", "C16"}
    assert found["C14"]["milestone"]["threshold"] == "5150.00"
    assert set(members(store.engine, "milestone", {"within_days": 1})) == set()


def test_recent_buyers_count_local_days_and_purchases_only(store: StoreDb) -> None:
    seven = members(store.engine, "recent_buyers_7d")
    # Ana ordered at 23:59 in Los Angeles on as_of (07:59 UTC the next day): included.
    # Ben ordered at 23:59 in Los Angeles seven days before: outside the 7 local days.
    # Tao ordered at 00:30 in Tokyo the day after as_of (still as_of in UTC): excluded.
    # Cleo's orders were cancelled or refunded; Dev never ordered.
    assert seven == {
        "C01": _order("O01-1", "2026-11-21T07:59:00Z", "20.00", 1, 7),
        "C06": _order("O06-3", "2026-11-18T19:00:00Z", "14.00", 3, 7),
        "C15": _order("O15-2", "2026-11-15T15:00:00Z", "100.00", 1, 7),
        "C24": _order("O24-11", "2026-11-15T15:00:00Z", "3000.00", 1, 7),
    }
    fourteen = members(store.engine, "recent_buyers_14d")
    assert set(fourteen) == set(seven) | {"C02", "C14", "C16"}
    assert fourteen["C02"] == _order("O02-1", "2026-11-14T07:59:00Z", "20.00", 1, 14)
    thirty = members(store.engine, "recent_buyers_30d")
    # Vera bought on as_of - 29 (in), Uma on as_of - 30 (out).
    assert set(thirty) == set(fourteen) | {"C05", "C07", "C08", "C09", "C22", "C23"}
    assert not {"C03", "C04", "C20", "C21"} & set(thirty)


def test_recent_buyers_follow_as_of_and_the_days_param(store: StoreDb) -> None:
    assert set(members(store.engine, "recent_buyers_7d", as_of=date(2026, 11, 14))) == {
        "C02",
        "C14",
        "C16",
    }
    assert (
        members(store.engine, "recent_buyers_7d", {"days": 14}).keys()
        == members(store.engine, "recent_buyers_14d").keys()
    )


def test_product_fans_need_separate_days_in_the_window_and_an_upgrade(store: StoreDb) -> None:
    # Finn: P1 three times on one day; Hal: a product without upgrade; Ivy: one too old.
    assert members(store.engine, "product_fans") == {
        "C07": {
            "product_repeat": {
                "product_id": "P1",
                "product_name": "House Blend 250g",
                "upgrade_product_id": "P2",
                "upgrade_product_name": "Reserve Single-Origin 1kg",
                "purchases": 3,
                "within_days": 90,
                "count_by": "day",
            }
        }
    }
    assert set(members(store.engine, "product_fans", {"min_purchases": 2})) == {"C07", "C09"}
    assert set(members(store.engine, "product_fans", {"within_days": 120})) == {"C07", "C09"}


def test_returned_relaunched_needs_the_relaunch_after_the_return(store: StoreDb) -> None:
    # Kim returned after the relaunch; Lou for another reason; Max's relaunch is still to come.
    assert members(store.engine, "returned_relaunched") == {
        "C10": {
            "returned": {
                "order_id": "O10-1",
                "product_id": "P3",
                "product_name": "Linen Apron",
                "reason_code": "fit",
                "returned_at": "2026-09-10T15:00:00Z",
                "relaunched_at": "2026-10-01T12:00:00Z",
                "improvement_note": "Longer straps and a true-to-size fit",
            }
        }
    }
    with_lou = members(store.engine, "returned_relaunched", {"reasons": "fit,changed_mind"})
    assert set(with_lou) == {"C10", "C12"}
    assert members(store.engine, "returned_relaunched", {"return_within_days": 30}) == {}
    # Once the tote is relaunched, Max qualifies too.
    later = members(store.engine, "returned_relaunched", as_of=date(2026, 12, 20))
    assert set(later) == {"C10", "C13"}


def test_lapsed_high_value_is_high_spend_without_a_recent_purchase(store: StoreDb) -> None:
    scores = {cid: row[0] for cid, row in _metrics(store, "m_score").items()}
    assert {cid for cid, m in scores.items() if m is not None and m >= 4} == {
        "C14",
        "C15",
        "C19",
        "C21",
        "C22",
        "C23",
        "C24",
    }
    assert members(store.engine, "lapsed_high_value") == {"C19": {"metrics": {"m_score": 4}}}
    # Uma's last purchase was on as_of - 30.
    assert set(members(store.engine, "lapsed_high_value", {"days": 30})) == {"C19", "C21"}


def test_sqlite_and_postgresql_give_identical_results(
    sqlite_store: StoreDb, postgres_store: StoreDb
) -> None:
    for name in builtin_segments():
        for as_of in (AS_OF, date(2026, 10, 31)):
            assert members(sqlite_store.engine, name, as_of=as_of) == members(
                postgres_store.engine, name, as_of=as_of
            ), name


def test_reading_the_kept_aggregates_gives_what_the_orders_give(store: StoreDb) -> None:
    """Fresh aggregates let windows read the last purchase day; a pending change (here none
    real) sends every condition back to the orders: the members must not differ."""
    fresh = {name: members(store.engine, name) for name in builtin_segments()}
    assert any(fresh.values())
    with unit_of_work(store.engine) as session:
        first = session.scalars(select(Customer.id).order_by(Customer.id)).first()
        session.add(MetricsPendingCustomer(customer_id=first))
    try:
        for name in builtin_segments():
            assert members(store.engine, name) == fresh[name], name
    finally:  # the store is shared by the module's tests
        with unit_of_work(store.engine) as session:
            session.execute(delete(MetricsPendingCustomer))
