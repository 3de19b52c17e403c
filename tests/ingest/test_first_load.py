"""A first load into empty tables merges before checking; problems must still be found.

The unchecked merge (see merge.merge_unchecked) relies on joins and unique constraints to
notice problems, then rolls back to a savepoint and runs the line-by-line checks. These
tests feed it each kind of problem on an empty database.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect

from assistant.ingest.service import ImportRejected
from tests.ingest.csvfiles import VALID, write_store
from tests.ingest.dbstate import by_kind, counts, run_import, snapshot

PROBLEMS = {
    "duplicate customer": (
        {"customers": [*VALID["customers"], VALID["customers"][0]]},
        "customers.csv:5: customer_id: duplicate 'C1' (first on line 2)",
    ),
    "duplicate order": (
        {"orders": [*VALID["orders"], "O1,C2,2026-09-02T12:00:00Z,1.00,USD,completed"]},
        "orders.csv:5: order_id: duplicate 'O1' (first on line 2)",
    ),
    "duplicate order line": (
        {"order_items": [*VALID["order_items"], "O1,P1,2,14.00"]},
        "order_items.csv:6: order_id + product_id: duplicate 'O1 / P1' (first on line 2)",
    ),
    "unknown customer": (
        {"orders": [*VALID["orders"], "O9,C404,2026-09-02T12:00:00Z,1.00,USD,completed"]},
        "orders.csv:5: customer_id: unknown customer 'C404'",
    ),
    "unknown product": (
        {"order_items": [*VALID["order_items"], "O3,P404,1,1.00"]},
        "order_items.csv:6: product_id: unknown product 'P404'",
    ),
    "return of a line not ordered": (
        {"returns": [*VALID["returns"], "O2,P1,2026-09-20T09:00:00Z,quality,"]},
        "returns.csv:3: product_id: order 'O2' has no line for product 'P1'",
    ),
    "return before the order": (
        {"returns": [*VALID["returns"], "O3,P1,2026-09-20T09:00:00Z,quality,"]},
        "returns.csv:3: returned_at: before the order was placed",
    ),
}


def _schema(engine: Engine) -> dict[str, list[str]]:
    inspector = inspect(engine)
    return {
        table: sorted(
            [i["name"] or "" for i in inspector.get_indexes(table)]
            + [u["name"] or "" for u in inspector.get_unique_constraints(table)]
            + [f["name"] or "" for f in inspector.get_foreign_keys(table)]
        )
        for table in ("customers", "orders", "order_items", "returns")
    }


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_each_problem_is_found_on_a_first_load(
    engine: Engine, tmp_path: Path, problem: str
) -> None:
    overrides, expected = PROBLEMS[problem]
    folder = write_store(tmp_path / "store", overrides)
    before, schema = snapshot(engine), _schema(engine)
    with pytest.raises(ImportRejected) as rejected:
        run_import(engine, folder)
    listed = [str(e) for f in rejected.value.report.files for e in f.listed_errors]
    assert listed == [expected]
    assert snapshot(engine) == before
    assert _schema(engine) == schema  # dropped indexes and constraints came back


def test_skip_invalid_on_a_first_load_keeps_exactly_the_good_rows(
    engine: Engine, tmp_path: Path
) -> None:
    folder = write_store(
        tmp_path / "store",
        {
            "orders": [*VALID["orders"], "O9,C404,2026-09-02T12:00:00Z,1.00,USD,completed"],
            "order_items": [*VALID["order_items"], "O9,P1,1,1.00", "O1,P1,2,14.00"],
        },
    )
    report = run_import(engine, folder, skip_invalid=True)
    files = by_kind(report)
    assert (files["orders"].inserted, files["orders"].rejected) == (3, 1)
    assert (files["order_items"].inserted, files["order_items"].rejected) == (4, 2)
    assert counts(engine)["orders"] == 3
    assert counts(engine)["order_items"] == 4
