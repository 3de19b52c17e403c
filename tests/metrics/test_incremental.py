"""An incremental refresh gives exactly what a full one gives, and says when it can't be one."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.metrics import service
from assistant.models import CustomerMetrics
from tests.ingest.csvfiles import HEADERS, write_store
from tests.ingest.dbstate import run_import
from tests.metrics.test_refresh import AS_OF, STORE

# What a day of business brings: each kind of change the kept aggregates must notice.
NEXT_DAY = {
    # C4 (no orders so far) moves zone; C6 is new.
    "customers": [
        "C4,Di,Po,di@example.com,,Asia/Tokyo,2023-05-05T00:00:00Z,false,false",
        "C6,Fay,Ro,fay@example.com,,Europe/London,2026-11-23T09:00:00Z,true,true",
    ],
    "orders": [
        "O10,C4,2026-11-23T16:00:00Z,70.00,USD,completed",  # 24 Nov in Tokyo
        "O11,C6,2026-11-24T10:00:00Z,15.00,USD,completed",
        "O12,C1,2026-11-24T13:00:00Z,45.00,USD,completed",
        # C1's order of 20 Nov is cancelled after the fact.
        "O3,C1,2026-11-20T12:00:00Z,30.00,USD,cancelled",
    ],
    "order_items": ["O10,P1,1,40.00", "O11,P2,1,15.00", "O12,P2,4,11.25"],
    # C5 returns a line of an order from 2024.
    "returns": ["O9,P2,2026-11-24T08:00:00Z,quality,"],
}


def _write(folder: Path, rows: dict[str, list[str]]) -> Path:
    folder.mkdir(parents=True)
    for kind, lines in rows.items():
        (folder / f"{kind}.csv").write_text("\n".join([HEADERS[kind], *lines]) + "\n")
    return folder


def _metrics(engine: Engine) -> dict[int, tuple[Any, ...]]:
    """Every customer's metrics, and every kept product-repeat row (keyed negatively)."""
    with unit_of_work(engine) as session:
        rows = session.scalars(select(CustomerMetrics)).all()
        columns = [c.key for c in CustomerMetrics.__table__.columns if c.key != "refreshed_at"]
        found = {row.customer_id: tuple(getattr(row, column) for column in columns) for row in rows}
        repeats = session.execute(text("SELECT * FROM product_repeats")).all()
        found.update({-(1000 * r[0] + r[1]): tuple(r) for r in repeats})
        return found


def test_incremental_refresh_equals_a_full_one_after_each_kind_of_change(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both use the model fitted on day 1 (on this tiny store, a day's changes would otherwise
    # be past the share of buyers that calls for a refit).
    monkeypatch.setenv("ASSISTANT_CLV_REFIT_SHARE", "1")
    get_settings.cache_clear()
    run_import(engine, write_store(tmp_path / "day1", STORE))
    with unit_of_work(engine) as session:
        first = service.refresh(session, AS_OF)
    assert not first.incremental and first.why_full == "no earlier refresh to build on"

    run_import(engine, _write(tmp_path / "day2", NEXT_DAY))
    next_day = date(2026, 11, 24)
    with unit_of_work(engine) as session:
        # The store is tiny: allow recomputing any share of it incrementally.
        report = service.refresh(session, next_day, incremental_max_share=10.0)
    incremental = _metrics(engine)
    with unit_of_work(engine) as session:
        full = service.refresh(session, next_day, mode="full")
    assert report.incremental, report.why_full
    assert not full.incremental and full.why_full == "a full refresh was asked for"
    # Only customers with changes or recent orders were recomputed: C1, C2, C4, C5, C6.
    assert report.recomputed == 5
    assert report.clv_refit == full.clv_refit == ""
    assert any(key < 0 for key in incremental)  # product repeats are compared too
    assert incremental == _metrics(engine)


def test_the_import_marks_only_after_a_refresh_kept_aggregates(
    engine: Engine, tmp_path: Path
) -> None:
    run_import(engine, write_store(tmp_path / "day1", STORE))
    with engine.connect() as connection:
        pending = connection.execute(text("SELECT count(*) FROM metrics_pending_customers"))
        assert pending.scalar_one() == 0
    with unit_of_work(engine) as session:
        service.refresh(session, AS_OF)
    run_import(engine, _write(tmp_path / "day2", {"returns": NEXT_DAY["returns"]}))
    with engine.connect() as connection:
        marked = connection.execute(
            text(
                "SELECT c.external_id FROM metrics_pending_customers p "
                "JOIN customers c ON c.id = p.customer_id"
            )
        )
        assert [row[0] for row in marked] == ["C5"]
    with unit_of_work(engine) as session:
        service.refresh(session, AS_OF)
    with engine.connect() as connection:
        pending = connection.execute(text("SELECT count(*) FROM metrics_pending_customers"))
        assert pending.scalar_one() == 0


def test_an_earlier_as_of_or_another_brand_zone_needs_a_full_refresh(
    engine: Engine, tmp_path: Path, monkeypatch: Any
) -> None:
    run_import(engine, write_store(tmp_path / "day1", STORE))
    with unit_of_work(engine) as session:
        service.refresh(session, AS_OF)
    with unit_of_work(engine) as session:
        earlier = service.refresh(session, date(2026, 11, 1))
    assert not earlier.incremental
    assert earlier.why_full == "as-of 2026-11-01 is before the last refresh's 2026-11-23"

    monkeypatch.setenv("ASSISTANT_BRAND_TIMEZONE", "Europe/Paris")
    from assistant.config import get_settings

    get_settings.cache_clear()
    with unit_of_work(engine) as session:
        moved = service.refresh(session, date(2026, 11, 1))
    assert not moved.incremental
    assert moved.why_full == "the brand time zone changed from America/New_York to Europe/Paris"
