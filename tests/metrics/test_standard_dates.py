"""BTYD summary against the standard definition, with dates given as dates (CDNOW style).

`lifetimes.utils.summary_data_from_transaction_data` and Fader, Hardie & Lee (2005) count
T = as-of day - first purchase day and recency = last - first purchase day, in days.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from assistant.db import unit_of_work
from assistant.metrics import service
from assistant.models import Customer, CustomerMetrics
from tests.ingest.csvfiles import write_store
from tests.ingest.dbstate import run_import

CDNOW_AS_OF = date(1998, 6, 30)

STORE = {
    # No time zone: the brand's (America/New_York by default), west of UTC.
    # Customer 3 is east of UTC, 6 hours from the brand: a date stays that date within 12.
    "customers": ["1,One,A,,,,,false,false", "3,Three,C,,,Europe/Paris,,false,false"],
    "products": ["P1,Album,music,11.77,,,"],
    # CDNOW customer 1: one purchase on 1997-01-01. Customer 3 buys on dates only too.
    "orders": [
        "O1,1,1997-01-01,11.77,USD,completed",
        "O3a,3,1997-01-02,20.76,USD,completed",
        "O3b,3,1997-03-30,20.76,USD,completed",
        "O3c,3,1998-05-28,16.99,USD,completed",
    ],
    "order_items": ["O1,P1,1,11.77"],
    "returns": [],
}


@pytest.fixture
def metrics(engine: Engine, tmp_path: Path) -> dict[str, CustomerMetrics]:
    run_import(engine, write_store(tmp_path / "cdnow", STORE))
    with unit_of_work(engine) as session:
        service.refresh(session, CDNOW_AS_OF)
        rows = session.execute(
            select(Customer.external_id, CustomerMetrics).join(
                CustomerMetrics, CustomerMetrics.customer_id == Customer.id
            )
        ).all()
        return {external_id: m for external_id, m in rows}


def test_cdnow_customer_one_has_the_published_t(metrics: dict[str, CustomerMetrics]) -> None:
    one = metrics["1"]
    assert (one.btyd_frequency, one.btyd_recency, one.btyd_T) == (0, 0, 545)
    assert one.recency_days == 545


def test_recency_and_t_count_from_the_purchase_days_as_given(
    metrics: dict[str, CustomerMetrics],
) -> None:
    three = metrics["3"]
    assert three.btyd_frequency == 2
    assert three.btyd_recency == (date(1998, 5, 28) - date(1997, 1, 2)).days == 511
    assert three.btyd_T == (CDNOW_AS_OF - date(1997, 1, 2)).days == 544
    assert three.recency_days == (CDNOW_AS_OF - date(1998, 5, 28)).days == 33
