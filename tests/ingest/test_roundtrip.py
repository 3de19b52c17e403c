"""demo-data → import round trip: every generated row arrives, on both databases."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from assistant.db import unit_of_work
from assistant.demo import generate_store
from assistant.ingest.service import import_files

KINDS = ("customers", "products", "orders", "order_items", "returns")


@pytest.fixture(scope="module")
def store_10k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("store")
    generate_store(folder, customers=10_000, seed=3, as_of=date(2026, 11, 23))
    return folder


def _csv_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def _table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            k: connection.execute(text(f"SELECT count(*) FROM {k}")).scalar_one() for k in KINDS
        }


def test_10k_store_round_trips_with_identical_counts(engine: Engine, store_10k: Path) -> None:
    expected = {kind: _csv_rows(store_10k / f"{kind}.csv") for kind in KINDS}
    assert expected["customers"] == 10_000

    with unit_of_work(engine) as session:
        report = import_files(session, [store_10k])
    assert report.error_count == 0
    assert {f.kind: f.inserted for f in report.files} == expected
    assert _table_counts(engine) == expected

    with engine.connect() as connection:
        # Copied order data on lines agrees with the orders everywhere.
        mismatched = connection.execute(
            text(
                "SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id "
                "WHERE i.customer_id <> o.customer_id OR i.ordered_at <> o.ordered_at"
            )
        ).scalar_one()
        assert mismatched == 0
        # Every order total equals its lines (the generator guarantees it; the import keeps it).
        off = connection.execute(
            text(
                "SELECT count(*) FROM orders o JOIN (SELECT order_id, "
                "sum(quantity * unit_price) AS lines FROM order_items GROUP BY order_id) l "
                "ON l.order_id = o.id WHERE abs(o.total - l.lines) > 0.001"
            )
        ).scalar_one()
        assert off == 0

    with unit_of_work(engine) as session:
        again = import_files(session, [store_10k])
    assert all(f.inserted == 0 and f.updated == 0 for f in again.files)
    assert _table_counts(engine) == expected
