"""Condition kinds on the fixture store: comparisons, attributes, windows, trees, qualifiers."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.segments import service
from tests.segments.conftest import StoreDb
from tests.segments.run import catalog_with, members, where

BUYERS_WITHOUT_RETURNS = {"C01", "C02", "C05", "C06", "C07", "C08", "C09", "C14", "C15", "C16"}


def test_metric_comparisons(store: StoreDb) -> None:
    e = store.engine
    assert where(e, {"metric": "orders_count", "gte": 4}) == {"C16", "C24"}
    assert where(e, {"metric": "lifetime_spend", "between": [5100, 5200]}) == {
        "C14",
        "C21",
        "C22",
        "C23",
    }
    assert where(e, {"metric": "aov", "gt": 2550, "lte": 3000}) == {"C14", "C24"}
    assert where(e, {"metric": "rfm_label", "in": ["champions"]}) == {"C24"}
    # No metrics value (no purchases): false for comparisons, true for is_null.
    no_aov = where(e, {"metric": "aov", "is_null": True})
    assert no_aov == {"C03", "C04", "C17", "C18", "C20", "C25", "C26"}
    assert where(e, {"metric": "aov", "ne": 20}) & no_aov == set()
    assert where(e, {"not": {"metric": "aov", "gte": 0}}) == no_aov


def test_timestamp_metrics_compare_by_the_customers_local_day(store: StoreDb) -> None:
    # Ana's last order is 2026-11-21 in UTC but 2026-11-20 in Los Angeles.
    assert where(store.engine, {"metric": "last_order_at", "eq": date(2026, 11, 20)}) == {"C01"}
    assert where(store.engine, {"metric": "last_order_at", "gte": "2026-11-18"}) == {
        "C01",
        "C06",
    }


def test_top_and_bottom_percent_tiers_include_ties(store: StoreDb) -> None:
    e = store.engine
    # 19 purchasers: the top 20 % is 4 places; the 4th best AOV (2550) is shared by three.
    top = where(e, {"metric": "aov", "top_percent": 20})
    assert top == {"C15", "C24", "C14", "C21", "C22", "C23"}
    # The bottom 5 % is 1 place: the lowest AOV, 0, is shared by the four refunded returners.
    assert where(e, {"metric": "aov", "bottom_percent": 5}) == {"C10", "C11", "C12", "C13"}
    assert where(e, {"metric": "clv_12m", "top_percent": 50}) == {"C24", "C15"}


def test_customer_fields_and_attributes(store: StoreDb) -> None:
    e = store.engine
    assert where(e, {"customer": "sms_consent", "eq": False}) == {"C02", "C05"}
    assert where(e, {"customer": "timezone", "in": ["Asia/Tokyo", "America/Los_Angeles"]}) == {
        "C01",
        "C02",
        "C20",
    }
    # No zone stored: not equal to anything, and null.
    assert where(e, {"customer": "timezone", "is_null": True}) == {"C03", "C05"}
    assert where(e, {"customer": "customer_since", "lt": "2024-01-01"}) == {"C18"}
    assert where(e, {"attribute": "tier", "eq": "gold"}) == {"C01", "C05"}
    assert where(e, {"attribute": "tier", "in": ["silver", "platinum"]}) == {"C02", "C24"}
    assert where(e, {"attribute": "tier", "exists": True}) == {"C01", "C02", "C05", "C24"}
    assert where(e, {"attribute": "tier", "ne": "gold"}) == {"C02", "C24"}
    assert where(e, {"attribute": "shoe_size", "exists": True}) == set()


def test_orders_by_count_and_amount(store: StoreDb) -> None:
    e = store.engine
    assert where(e, {"orders": {"within_days": 7, "min_count": 2}}) == {"C06"}
    assert where(e, {"orders": {"within_days": 30, "min_amount": 1000}}) == {
        "C14",
        "C23",
        "C24",
    }
    assert where(e, {"orders": {"min_count": 3, "max_count": 3}}) == {"C06", "C07", "C08", "C09"}
    # Cancelled and refunded orders are never purchases, whatever the window.
    assert "C03" not in where(e, {"orders": {}})
    assert where(e, {"orders": {"within_days": 3650, "max_amount": 20}}) == {"C01", "C02"}


def test_product_repeats_by_day_or_by_order(store: StoreDb) -> None:
    e = store.engine
    by_order = {"product_repeat": {"min_purchases": 3, "within_days": 7, "count_by": "order"}}
    found = members(e, {"where": by_order})
    assert set(found) == {"C06"}
    assert found["C06"]["product_repeat"]["purchases"] == 3
    by_day = {"product_repeat": {"min_purchases": 3, "within_days": 7}}
    assert where(e, by_day) == set()
    everything = where(e, {"product_repeat": {"min_purchases": 3}})
    assert everything == {"C07", "C08", "C09", "C16", "C24"}


def test_returns_by_reason_window_and_relaunch(store: StoreDb) -> None:
    e = store.engine
    assert where(e, {"returned": {}}) == {"C10", "C11", "C12", "C13", "C23"}
    assert where(e, {"returned": {"reasons": ["Changed Mind"]}}) == {"C12", "C23"}
    assert where(e, {"returned": {"within_days": 60}}) == {"C11"}
    assert where(e, {"returned": {"relaunched_after": True}}) == {"C10", "C12"}
    recent_relaunch = {"relaunched_after": True, "relaunched_within_days": 30}
    assert where(e, {"returned": recent_relaunch}) == set()
    assert where(e, {"returned": recent_relaunch}, as_of=date(2026, 10, 20)) == {"C10", "C12"}


def test_events_by_kind_window_and_count(store: StoreDb) -> None:
    e = store.engine
    found = members(e, {"where": {"event": {"kind": "viewed_product", "within_days": 7}}})
    assert found["C01"]["event"] == {
        "event_kind": "viewed_product",
        "occurred_at": "2026-11-19T18:00:00Z",
        "product_id": "P2",
        "product_name": "Reserve Single-Origin 1kg",
        "events_in_window": 1,
    }
    assert set(found) == {"C01", "C05"}
    twice = {"event": {"kind": ["viewed_product", "opened_email"], "min_count": 2}}
    assert where(e, twice) == {"C01", "C05"}
    assert where(e, {"event": {"kind": "viewed_product", "min_count": 3}}) == {"C05"}


def test_trees_and_qualifiers_from_positive_conditions_only(store: StoreDb) -> None:
    e = store.engine
    tree = {
        "all": [
            {"any": [{"orders": {"within_days": 7}}, {"attribute": "tier", "eq": "gold"}]},
            {"not": {"returned": {}}},
            {"not": {"customer": "sms_consent", "eq": False}},
        ]
    }
    found = members(e, {"where": tree})
    assert set(found) == {"C01", "C06", "C15", "C24"}
    assert set(found["C01"]) == {"orders"}  # nothing from the negated return condition
    either = {"any": [{"metric": "m_score", "gte": 5}, {"returned": {"reasons": ["fit"]}}]}
    found = members(e, {"where": either})
    assert found["C10"] == {
        "returned": found["C10"]["returned"],
    }
    assert found["C24"] == {"metrics": {"m_score": 5}}
    assert set(found) == {"C10", "C11", "C14", "C15", "C24"}
    assert where(e, {"not": {"not": {"metric": "m_score", "gte": 5}}}) == {"C14", "C15", "C24"}


def test_params_reach_every_value_and_members_page_in_external_id_order(
    store: StoreDb,
) -> None:
    document = {
        "name": "gold_or_big",
        "params": {"tiers": ["gold"], "spend": 6000},
        "where": {
            "any": [
                {"attribute": "tier", "in": "$tiers"},
                {"metric": "lifetime_spend", "gte": "{spend}"},
            ]
        },
    }
    assert set(members(store.engine, document)) == {"C01", "C05", "C15", "C24"}
    assert set(members(store.engine, document, {"spend": 12000, "tiers": "silver"})) == {
        "C02",
        "C24",
    }
    catalog = catalog_with(document)
    with unit_of_work(store.engine) as session:
        evaluation = service.evaluate(session, "gold_or_big", catalog=catalog)
        first = service.members_page(session, evaluation, limit=3)
        page = service.members_page(session, evaluation, limit=3, after="C15")
    assert page.total == 4
    assert [m.customer_id for m in first.members] == ["C01", "C05", "C15"]
    assert [m.customer_id for m in page.members] == ["C24"]
    assert page.members[0].metrics["lifetime_spend"] == "12000.00"
    assert page.members[0].first_name == "Xia"


def test_an_empty_database_has_empty_segments_as_of_today(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        evaluation = service.evaluate(session, "milestone", catalog=catalog_with())
        assert evaluation.as_of == date.today() or (date.today() - evaluation.as_of).days <= 1
        assert service.count(session, evaluation) == 0
        assert list(service.iter_members(session, evaluation)) == []
