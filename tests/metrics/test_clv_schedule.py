"""CLV models are refitted on their schedule and only predicted in between."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.metrics import clv, clv_store, service
from assistant.models import Customer, CustomerMetrics, MetricsPendingCustomer, Order

AS_OF = date(2026, 11, 23)


@pytest.fixture
def store(engine: Engine) -> Engine:
    """60 buyers with 1-5 orders each over two years (enough for both models to fit)."""
    with unit_of_work(engine) as session:
        for n in range(60):
            customer = Customer(external_id=f"C{n}", timezone="UTC")
            session.add(customer)
            session.flush()
            for k in range(1 + n % 5):
                moment = datetime.combine(AS_OF, datetime.min.time(), UTC) - timedelta(
                    days=3 + 11 * n + 37 * k, hours=-12
                )
                session.add(Order(external_id=f"O{n}-{k}", customer_id=customer.id,
                                  ordered_at=moment, total=Decimal(30 + 7 * k + n)))  # fmt: skip
    return engine


def _refresh(engine: Engine, day: date, **options: bool) -> service.RefreshReport:
    with unit_of_work(engine) as session:
        return service.refresh(session, day, **options)  # type: ignore[arg-type]


def _clv(engine: Engine) -> dict[int, Decimal | None]:
    with unit_of_work(engine) as session:
        rows = session.execute(select(CustomerMetrics.customer_id, CustomerMetrics.clv_12m))
        return dict(rows.tuples().all())


def test_the_first_refresh_fits_and_the_next_days_only_predict(store: Engine) -> None:
    first = _refresh(store, AS_OF)
    assert first.clv_refit == "no fitted model kept"
    assert any(note.startswith("BG/NBD") for note in first.clv_notes)
    day_one = _clv(store)

    second = _refresh(store, AS_OF + timedelta(days=1))
    assert second.clv_refit == ""
    assert second.clv_notes == (f"CLV predicted with the models fitted as of {AS_OF}",)
    # Predicted anew as of the later day (T grew by one day for everyone).
    assert _clv(store) != day_one

    week = _refresh(store, AS_OF + timedelta(days=7))
    assert week.clv_refit == f"the fit of {AS_OF} is 7 days old"
    forced = _refresh(store, AS_OF + timedelta(days=7), refit_clv=True)
    assert forced.clv_refit == "a refit was asked for"


def test_a_share_of_changed_buyers_calls_for_a_refit(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_CLV_REFIT_SHARE", "0.2")
    get_settings.cache_clear()
    _refresh(store, AS_OF)
    with unit_of_work(store) as session:
        ids = list(session.scalars(select(Customer.id).limit(13)))
        session.add_all(MetricsPendingCustomer(customer_id=i) for i in ids)
    assert _refresh(store, AS_OF + timedelta(days=1)).clv_refit == ""  # counted from now on
    assert _refresh(store, AS_OF + timedelta(days=2)).clv_refit == (
        "13 of 60 buyers changed since the fit"
    )


def test_the_kept_model_round_trips_exactly() -> None:
    frequency = [0, 1, 2, 5, 3, 0, 1, 4] * 10
    recency = [0, 30, 60, 200, 120, 0, 10, 150] * 10
    age = [300, 300, 250, 400, 365, 100, 60, 500] * 10
    spend = [0, 40.0, 55.5, 80.0, 20.0, 0, 35.0, 60.0] * 10
    model = clv.fit(frequency, recency, age, spend)
    assert clv_store.model_from_json(clv_store.model_to_json(model)) == model
