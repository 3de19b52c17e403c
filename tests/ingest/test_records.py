"""Record batches (`ingest_records`): the CSV import's parsers, checks and merge for JSON."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text, update

from assistant.db import unit_of_work
from assistant.ingest.records import RecordError, RecordsRejected, RecordsReport, ingest_records
from assistant.models import Base, ConsentEvent, Customer, Event, Order, Product
from tests.ingest.csvfiles import HEADERS, VALID, write_store
from tests.ingest.dbstate import run_import, snapshot

CUSTOMERS: list[dict[str, object]] = [
    {"customer_id": "C1", "first_name": "Ana", "email": "ana@example.com", "sms_consent": True},
    {"customer_id": "C2", "first_name": "Ben", "phone": "+14155552671", "vip": "gold"},
]


def _ingest(
    engine: Engine,
    kind: str,
    records: Sequence[Mapping[str, object]],
    *,
    atomic: bool = False,
    consent_source: str = "import",
) -> RecordsReport:
    with unit_of_work(engine) as session:
        return ingest_records(session, kind, records, atomic=atomic, consent_source=consent_source)


def _customers(engine: Engine) -> dict[str, Customer]:
    with unit_of_work(engine) as session:
        return {c.external_id: c for c in session.scalars(select(Customer))}


def test_valid_records_are_stored_and_counted(engine: Engine) -> None:
    report = _ingest(engine, "customers", CUSTOMERS)

    assert (report.received, report.inserted, report.updated, report.rejected) == (2, 2, 0, 0)
    assert report.unchanged == 0 and report.errors == []
    customers = _customers(engine)
    assert customers["C1"].email == "ana@example.com" and customers["C1"].sms_consent
    assert customers["C2"].attributes == {"vip": "gold"}
    assert report.customer_ids == {customers["C1"].id, customers["C2"].id}

    again = _ingest(engine, "customers", CUSTOMERS)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)


def test_errors_name_index_and_field_and_valid_records_are_still_stored(engine: Engine) -> None:
    _ingest(engine, "customers", CUSTOMERS)
    orders: list[dict[str, object]] = [
        {"order_id": "O1", "customer_id": "C1", "ordered_at": "2026-09-01T12:00:00Z", "total": 52},
        {"order_id": "O2", "customer_id": "NOPE", "ordered_at": "2026-09-01", "total": "10.00"},
        {"order_id": "O3", "customer_id": "C2", "ordered_at": "yesterday", "total": -1},
        {"order_id": "O1", "customer_id": "C2", "ordered_at": "2026-09-02", "total": 1.5},
        {"order_id": "O4", "customer_id": "C2", "ordered_at": "2026-09-02", "total": 1, "x": 1},
        "not an object",  # type: ignore[list-item]
    ]

    report = _ingest(engine, "orders", orders)

    assert (report.received, report.inserted, report.rejected) == (6, 1, 5)
    assert [(e.index, e.field) for e in report.errors] == [
        (1, "customer_id"),
        (2, "ordered_at"),
        (2, "total"),
        (3, "order_id"),
        (4, "x"),
        (5, None),
    ]
    reasons = [e.reason for e in report.errors]
    assert reasons[0] == "unknown customer 'NOPE'"
    assert reasons[1].startswith("not an ISO 8601 date")
    assert reasons[2] == "must not be negative"
    assert reasons[3] == "duplicate 'O1' (first at index 0)"
    assert reasons[4].startswith("unknown field (fields: order_id, customer_id")
    assert reasons[5] == "not a JSON object"
    with unit_of_work(engine) as session:
        stored = session.scalars(select(Order)).all()
        assert [o.external_id for o in stored] == ["O1"]
        assert report.customer_ids == {stored[0].customer_id}


def test_atomic_batch_with_one_bad_record_stores_nothing(engine: Engine) -> None:
    before = snapshot(engine)
    bad = [*CUSTOMERS, {"customer_id": "C3", "email": "not-an-email"}]

    with unit_of_work(engine) as session, pytest.raises(RecordsRejected) as refused:
        # The unit of work commits: the batch's own savepoint took its records back.
        ingest_records(session, "customers", bad, atomic=True)

    report = refused.value.report
    assert (report.rejected, report.inserted, report.customer_ids) == (1, 0, set())
    assert report.errors[0].index == 2 and report.errors[0].field == "email"
    assert snapshot(engine) == before


def test_left_out_fields_are_kept_and_null_clears(engine: Engine) -> None:
    _ingest(engine, "customers", CUSTOMERS)

    report = _ingest(
        engine,
        "customers",
        [{"customer_id": "C1", "first_name": "Anna"}, {"customer_id": "C2", "phone": None}],
    )

    assert (report.updated, report.unchanged) == (2, 0)
    customers = _customers(engine)
    assert (customers["C1"].first_name, customers["C1"].email) == ("Anna", "ana@example.com")
    assert (customers["C2"].first_name, customers["C2"].phone) == ("Ben", None)


def test_misspelt_customer_field_is_refused_not_kept_as_attribute(engine: Engine) -> None:
    report = _ingest(engine, "customers", [{"customer_id": "C1", "emial": "a@example.com"}])

    assert report.errors == [RecordError(0, "emial", "unknown field: did you mean email?")]
    assert _customers(engine) == {}


@pytest.mark.parametrize("source", ["import", "api", "shopify"])
def test_consent_withdrawn_by_the_customer_is_never_regranted(engine: Engine, source: str) -> None:
    _ingest(engine, "customers", CUSTOMERS)
    with unit_of_work(engine) as session:
        session.execute(
            update(Customer)
            .where(Customer.external_id == "C1")
            .values(sms_consent=False, sms_consent_source="sms_keyword")
        )

    report = _ingest(
        engine,
        "customers",
        [{"customer_id": "C1", "sms_consent": True}, {"customer_id": "C2", "sms_consent": "yes"}],
        consent_source=source,
    )

    assert report.consent_kept_off == 1
    customers = _customers(engine)
    assert not customers["C1"].sms_consent
    assert customers["C1"].sms_consent_source == "sms_keyword"
    assert customers["C2"].sms_consent and customers["C2"].sms_consent_source == source


def test_consent_timestamps_date_the_change(engine: Engine) -> None:
    given = datetime(2025, 3, 1, 14, 30, tzinfo=UTC)
    _ingest(
        engine,
        "customers",
        [{"customer_id": "C1", "sms_consent": True, "sms_consent_at": "2025-03-01T14:30:00Z"}],
        consent_source="shopify",
    )
    _ingest(engine, "customers", [{"customer_id": "C2"}])
    report = _ingest(
        engine,
        "customers",
        [
            {
                "customer_id": "C2",
                "email_consent": True,
                "email_consent_at": "2025-03-01T15:30+01:00",
            },
        ],
        consent_source="shopify",
    )

    assert report.updated == 1
    customers = _customers(engine)
    assert customers["C1"].sms_consent_at == given
    assert customers["C2"].email_consent_at == given
    with unit_of_work(engine) as session:
        events = session.scalars(select(ConsentEvent).order_by(ConsentEvent.id)).all()
        assert [(e.source, e.occurred_at) for e in events] == [("shopify", given)]


def test_events_are_upserted_by_id_and_events_without_id_added(engine: Engine) -> None:
    _ingest(engine, "customers", CUSTOMERS)
    _ingest(engine, "products", [{"product_id": "P1", "name": "Blend"}])
    events: list[dict[str, object]] = [
        {
            "event_id": "E1",
            "customer_id": "C1",
            "kind": "viewed_product",
            "occurred_at": "2026-12-01T10:00:00Z",
            "product_id": "P1",
            "properties": {"source": "email", "n": 2},
        },
        {"customer_id": "C2", "kind": "added_to_cart", "occurred_at": "2026-12-01T11:00:00Z"},
        {"customer_id": "C2", "kind": "Bad Kind!", "occurred_at": "2026-12-01"},
        {"customer_id": "C2", "kind": "x", "occurred_at": "2026-12-01", "product_id": "P9"},
        {"customer_id": "C2", "kind": "x", "occurred_at": "2026-12-01", "properties": [1]},
    ]

    report = _ingest(engine, "events", events)

    assert (report.inserted, report.rejected) == (2, 3)
    assert [(e.index, e.field) for e in report.errors] == [
        (2, "kind"),
        (3, "product_id"),
        (4, "properties"),
    ]
    customers = _customers(engine)
    assert report.customer_ids == {customers["C1"].id, customers["C2"].id}
    moved = {**events[0], "customer_id": "C2", "properties": {"source": "sms"}}
    again = _ingest(engine, "events", [moved, events[1]])
    assert (again.inserted, again.updated) == (1, 1)
    with unit_of_work(engine) as session:
        stored = session.scalars(select(Event).order_by(Event.id)).all()
        assert len(stored) == 3
        assert stored[0].customer_id == customers["C2"].id
        assert stored[0].properties == {"source": "sms"}
        assert stored[0].product_id is not None


_TABLES = ("products", "customers", "orders", "order_items", "returns", "consent_events")
# Values that differ between two loads of the same data: surrogate keys and load times.
# The ledger's evidence names the file or the API route: where the data came from differs.
_PER_LOAD = {
    "id",
    "created_at",
    "updated_at",
    "sms_consent_at",
    "email_consent_at",
    "occurred_at",
    "evidence",
}


def test_records_and_csv_store_the_same_rows(engine: Engine, tmp_path: Path) -> None:
    """The same store, once as CSV files and once as records, gives identical tables."""
    run_import(engine, write_store(tmp_path / "store"))
    from_csv = _comparable(engine)
    with unit_of_work(engine) as session:
        for table in ("returns", "order_items", "orders", "consent_events", "customers"):
            session.execute(Base.metadata.tables[table].delete())
        session.execute(update(Product).values(upgrade_product_id=None))
        session.execute(Base.metadata.tables["products"].delete())

    for kind in ("products", "customers", "orders", "order_items", "returns"):
        header = HEADERS[kind].split(",")
        records = [_record(header, row) for row in VALID[kind]]
        report = _ingest(engine, kind, records)
        assert (report.rejected, report.inserted) == (0, len(records)), report.errors

    assert _comparable(engine) == from_csv


def _record(header: list[str], row: str) -> dict[str, object]:
    """A CSV row as a JSON record: empty cells left out, as a client would."""
    cells = next(csv.reader([row]))
    return {name: cell for name, cell in zip(header, cells, strict=True) if cell != ""}


def _comparable(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Each table's rows with references as external ids, without per-load values."""
    with engine.connect() as connection:
        external = {
            name: dict(connection.execute(text(f"SELECT id, external_id FROM {name}")).all())
            for name in ("customers", "products", "orders")
        }
        found = {}
        for name in _TABLES:
            rows = []
            for row in connection.execute(select(Base.metadata.tables[name])).mappings():
                values = []
                for column, value in sorted(row.items()):
                    if column in _PER_LOAD:
                        continue
                    referenced = column.removesuffix("_id") + "s"
                    if column.endswith("_id") and referenced in external:
                        value = external[referenced].get(value)
                    if column == "upgrade_product_id":
                        value = external["products"].get(value)
                    values.append((column, value))
                rows.append(tuple(values))
            found[name] = sorted(rows, key=repr)
        return found


def test_csv_consent_timestamps(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "customers.csv").write_text(
        "customer_id,sms_consent,sms_consent_at\nC1,true,2025-03-01T14:30:00Z\nC2,true,\n",
        encoding="utf-8",
    )

    run_import(engine, folder)

    customers = _customers(engine)
    assert customers["C1"].sms_consent_at == datetime(2025, 3, 1, 14, 30, tzinfo=UTC)
    # Without a timestamp, the import's time: not the other row's.
    assert customers["C2"].sms_consent_at not in (None, customers["C1"].sms_consent_at)
