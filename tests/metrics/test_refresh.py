"""Metrics refresh against a store small enough to compute every number by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from assistant.db import unit_of_work
from assistant.metrics import service
from assistant.metrics.export import EXPORT_COLUMNS, metric_rows
from assistant.models import Customer, CustomerMetrics
from tests.ingest.csvfiles import write_store
from tests.ingest.dbstate import run_import

AS_OF = date(2026, 11, 23)

STORE = {
    "customers": [
        # C1 New York: two orders on one local day, one later, one returned line.
        "C1,Ana,Lopez,ana@example.com,,America/New_York,2025-01-15T10:00:00Z,true,true",
        # C2 Los Angeles: an order at 22:00 local on the as-of day is 06:00 UTC the next day.
        "C2,Ben,Ng,ben@example.com,,America/Los_Angeles,2026-06-01T00:00:00Z,true,true",
        # C3 only cancelled and refunded orders; C4 no orders at all.
        "C3,Cy,Oh,cy@example.com,,Europe/Paris,2024-01-01T00:00:00Z,true,true",
        "C4,Di,Po,di@example.com,,,2023-05-05T00:00:00Z,false,false",
        # C5 one order long ago, no created_at: tenure counts from that order.
        "C5,Ed,Qi,ed@example.com,,Asia/Tokyo,,false,true",
    ],
    "products": ["P1,Kettle,equipment,40.00,,,", "P2,Beans,consumables,10.00,,,"],
    "orders": [
        "O1,C1,2026-11-01T15:00:00Z,100.00,USD,completed",
        "O2,C1,2026-11-01T20:00:00Z,50.00,USD,completed",
        "O3,C1,2026-11-20T12:00:00Z,30.00,USD,completed",
        "O4,C2,2026-11-23T07:30:00Z,20.00,USD,completed",
        "O5,C2,2026-11-24T06:00:00Z,25.00,USD,completed",
        "O6,C2,2026-11-24T09:00:00Z,99.00,USD,completed",
        "O7,C3,2026-11-10T10:00:00Z,60.00,USD,cancelled",
        "O8,C3,2026-11-11T10:00:00Z,60.00,USD,refunded",
        "O9,C5,2024-01-10T05:00:00Z,20.00,USD,completed",
    ],
    "order_items": [
        "O1,P1,1,40.00",
        "O1,P2,6,10.00",
        "O2,P2,5,10.00",
        "O3,P2,3,10.00",
        "O4,P2,2,10.00",
        "O5,P2,2,12.50",
        "O6,P2,9,11.00",
        "O7,P1,1,60.00",
        "O8,P1,1,60.00",
        "O9,P2,2,10.00",
    ],
    "returns": ["O1,P1,2026-11-05T10:00:00Z,quality,"],
}


def _score(values: dict[str, float], customer: str, *, descending: bool = False) -> int:
    """The documented RFM rule: 1 + 5 * (RANK - 1) / n, ties sharing the lowest rank."""
    ordered = sorted(values.values(), reverse=descending)
    rank = ordered.index(values[customer]) + 1
    return 1 + (5 * (rank - 1)) // len(values)


@pytest.fixture
def metrics(engine: Engine, tmp_path: Path) -> dict[str, CustomerMetrics]:
    run_import(engine, write_store(tmp_path / "store", STORE))
    with unit_of_work(engine) as session:
        report = service.refresh(session, AS_OF)
        assert (report.customers, report.with_orders) == (5, 3)
        rows = session.execute(
            select(Customer.external_id, CustomerMetrics).join(
                CustomerMetrics, CustomerMetrics.customer_id == Customer.id
            )
        ).all()
        return {external_id: m for external_id, m in rows}


def test_aggregates_exclude_cancelled_and_refunded_and_net_out_returns(
    metrics: dict[str, CustomerMetrics],
) -> None:
    c1 = metrics["C1"]
    assert c1.orders_count == 3
    assert c1.lifetime_spend == Decimal("140.00")  # 180 ordered - 40 returned kettle
    assert c1.aov == Decimal("46.67")
    assert c1.first_order_at == datetime(2026, 11, 1, 15, tzinfo=UTC)
    assert c1.last_order_at == datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert c1.recency_days == 3
    assert c1.tenure_days == (AS_OF - date(2025, 1, 15)).days
    assert c1.as_of == AS_OF
    for empty in ("C3", "C4"):
        m = metrics[empty]
        assert (m.orders_count, m.lifetime_spend, m.aov, m.recency_days) == (0, 0, None, None)
        assert (m.r_score, m.f_score, m.m_score) == (None, None, None)
        assert m.rfm_label == "no_purchases"
        assert (m.btyd_frequency, m.btyd_recency, m.btyd_T, m.btyd_monetary) == (0, 0, 0, 0)
    assert metrics["C4"].tenure_days == (AS_OF - date(2023, 5, 5)).days


def test_purchase_days_are_local_days_and_the_as_of_day_counts_whole(
    metrics: dict[str, CustomerMetrics],
) -> None:
    c1 = metrics["C1"]  # local days 2026-11-01 (100 + 50) and 2026-11-20 (30)
    assert (c1.btyd_frequency, c1.btyd_recency, c1.btyd_T) == (1, 19, 22)
    assert c1.btyd_monetary == Decimal("30.00")
    c2 = metrics["C2"]  # 22 Nov 23:30 PST; 23 Nov 22:00 PST counts; 24 Nov 01:00 PST does not
    assert c2.orders_count == 2
    assert c2.lifetime_spend == Decimal("45.00")
    assert (c2.btyd_frequency, c2.btyd_recency, c2.btyd_T) == (1, 1, 1)
    assert c2.btyd_monetary == Decimal("25.00")
    assert c2.recency_days == 0
    c5 = metrics["C5"]
    assert (c5.btyd_frequency, c5.btyd_recency, c5.btyd_monetary) == (0, 0, Decimal("0"))
    assert c5.btyd_T == (AS_OF - date(2024, 1, 10)).days
    assert c5.tenure_days == (AS_OF - date(2024, 1, 10)).days


def test_rfm_scores_follow_the_documented_rank_rule(metrics: dict[str, CustomerMetrics]) -> None:
    buyers = ("C1", "C2", "C5")
    recency = {c: float(metrics[c].recency_days or 0) for c in buyers}
    frequency = {c: float(metrics[c].orders_count) for c in buyers}
    spend = {c: float(metrics[c].lifetime_spend) for c in buyers}
    for customer in buyers:
        m = metrics[customer]
        assert m.r_score == _score(recency, customer, descending=True)
        assert m.f_score == _score(frequency, customer)
        assert m.m_score == _score(spend, customer)
    assert metrics["C5"].rfm_label == "lost"  # one order, nearly three years ago


def test_clv_is_predicted_for_buyers_only_and_never_negative(
    metrics: dict[str, CustomerMetrics],
) -> None:
    # Three buyers are too few to fit the models: the documented fallback still values them.
    for buyer in ("C1", "C2", "C5"):
        value = metrics[buyer].clv_12m
        assert value is not None and value >= 0
    assert metrics["C1"].clv_12m is not None and metrics["C5"].clv_12m is not None
    assert metrics["C1"].clv_12m > metrics["C5"].clv_12m  # recent repeat buyer vs lapsed one
    assert metrics["C3"].clv_12m is None and metrics["C4"].clv_12m is None


def test_refresh_replaces_the_previous_run_and_export_has_the_contract_columns(
    engine: Engine, metrics: dict[str, CustomerMetrics]
) -> None:
    with unit_of_work(engine) as session:
        service.refresh(session, date(2026, 11, 10))
        rows = list(metric_rows(session))
    assert [list(r) for r in rows[:1]] == [list(EXPORT_COLUMNS)]
    by_id = {r["customer_id"]: r for r in rows}
    assert len(rows) == 5
    assert by_id["C1"]["orders_count"] == 2  # only the 1 Nov orders existed by 10 Nov
    assert by_id["C1"]["as_of"] == "2026-11-10"
    assert by_id["C2"]["orders_count"] == 0
    assert by_id["C1"]["first_order_at"] == "2026-11-01T15:00:00Z"


def test_on_the_demo_store_the_models_are_fitted_and_rank_customers_sensibly(
    engine: Engine, tmp_path: Path
) -> None:
    from assistant.demo import generate_store

    generate_store(tmp_path / "demo", customers=3000, seed=11, as_of=AS_OF)
    run_import(engine, tmp_path / "demo")
    with unit_of_work(engine) as session:
        report = service.refresh(session, AS_OF)
        assert any(note.startswith("BG/NBD fitted") for note in report.clv_notes)
        assert any(note.startswith("Gamma-Gamma fitted") for note in report.clv_notes)
        mean_clv = {
            label: float(value)
            for label, value in session.execute(
                select(CustomerMetrics.rfm_label, func.avg(CustomerMetrics.clv_12m)).group_by(
                    CustomerMetrics.rfm_label
                )
            )
            if value is not None
        }
    assert mean_clv["champions"] > mean_clv["loyal"] > mean_clv["lost"]
    assert mean_clv["champions"] > 5 * mean_clv["hibernating"]


def test_an_as_of_before_every_order_counts_nothing_and_tenure_is_never_negative(
    engine: Engine, metrics: dict[str, CustomerMetrics]
) -> None:
    with unit_of_work(engine) as session:
        report = service.refresh(session, date(2020, 1, 1))
        rows = session.scalars(select(CustomerMetrics)).all()
    assert (report.customers, report.with_orders) == (5, 0)
    assert {m.rfm_label for m in rows} == {"no_purchases"}
    assert all(m.tenure_days is None or m.tenure_days >= 0 for m in rows)
