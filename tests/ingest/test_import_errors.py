"""Bad rows and bad files: every problem listed as file:line, column, reason; nothing written.

Each rejected import runs against a database that already holds the valid store, with files
that would also change it (a renamed customer, a new product, a new order, ...), so the
snapshot comparison shows that the rollback left every table exactly as it was.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session

from assistant.db import unit_of_work
from assistant.ingest import parallel, service
from assistant.ingest.service import ImportRejected, ImportReport, import_files
from assistant.models import Customer, Order
from tests.clitools import invoke
from tests.ingest.csvfiles import HEADERS, VALID, write_store
from tests.ingest.dbstate import by_kind, counts, run_import, snapshot


def _replace(rows: list[str], old: str, new: str) -> list[str]:
    assert any(r.startswith(old + ",") for r in rows)
    return [new if r.startswith(old + ",") else r for r in rows]


# The valid store plus changes in every file: what a rejected import must NOT leave behind.
CHANGED = {
    "products": [
        *_replace(VALID["products"], "P2", "P2,Reserve Single-Origin 1kg,coffee,44.00,,,"),
        "P4,Travel Mug,kitchen,9.00,,,",
    ],
    "customers": [
        *_replace(
            VALID["customers"],
            "C1",
            "C1,Anna,Lopez,ana@example.com,+14155552671,America/Los_Angeles,"
            "2023-01-02T10:00:00Z,false,true",
        ),
        "C9,Dee,Park,dee@example.com,+14155550199,America/Chicago,2026-01-01,true,true",
    ],
    "orders": [
        *_replace(VALID["orders"], "O3", "O3,C1,2026-10-01T08:30:00Z,14.00,USD,shipped"),
        "O9,C9,2026-10-02T10:00:00Z,9.00,USD,completed",
    ],
    "order_items": [*VALID["order_items"], "O9,P4,1,9.00"],
    "returns": [*VALID["returns"], "O9,P4,2026-10-05T10:00:00Z,quality,"],
}


@dataclass(frozen=True)
class Case:
    """One bad file: rows inserted as lines 3, 4, ... of `kind`'s file, or a whole new file."""

    id: str
    kind: str
    expected: tuple[tuple[int, str | None, str], ...]  # line, column, part of the reason
    bad: tuple[str | bytes, ...] = ()
    header: str | bytes | None = None
    raw: bytes | None = None

    @property
    def whole_file(self) -> bool:
        return self.header is not None or self.raw is not None


def _line(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def write_case(folder: Path, case: Case) -> Path:
    """The CHANGED store, with `case`'s file made bad."""
    write_store(folder, CHANGED)
    path = folder / f"{case.kind}.csv"
    if case.raw is not None:
        path.write_bytes(case.raw)
        return folder
    rows = CHANGED[case.kind]
    lines = [case.header or HEADERS[case.kind], rows[0], *case.bad, *rows[1:]]
    path.write_bytes(b"\n".join(_line(line) for line in lines) + b"\n")
    return folder


LONG_FIELD = "x" * 140_000  # over the csv module's field size limit (131072)

CASES = [
    # missing required field
    Case(
        "missing customer_id", "customers", ((3, "customer_id", "required"),), (",Zed,Ray,,,,,,",)
    ),
    Case("missing ordered_at", "orders", ((3, "ordered_at", "required"),), ("O8,C1,,10.00,USD,",)),
    Case("missing total", "orders", ((3, "total", "required"),), ("O8,C1,2026-09-01,,USD,",)),
    Case("missing product name", "products", ((3, "name", "required"),), ("P8,,misc,1.00,,,",)),
    # bad date
    Case(
        "bad date",
        "orders",
        ((3, "ordered_at", "not an ISO 8601 date"),),
        ("O8,C1,2026-13-01,10.00,USD,",),
    ),
    Case(
        "US-style date",
        "customers",
        ((3, "created_at", "not an ISO 8601 date"),),
        ("C8,Zed,Ray,,,,01/02/2024,,",),
    ),
    Case(
        "date out of range in UTC",
        "returns",
        ((3, "returned_at", "out of range"),),
        ("O1,P3,9999-12-31T23:00:00-05:00,fit,",),
    ),
    # bad number
    Case("bad amount", "orders", ((3, "total", "not an amount"),), ("O8,C1,2026-09-01,ten,USD,",)),
    Case(
        "negative amount",
        "orders",
        ((3, "total", "must not be negative"),),
        ("O8,C1,2026-09-01,-5.00,USD,",),
    ),
    Case(
        "thousands separator",
        "orders",
        ((3, "total", "not an amount"),),
        ('O8,C1,2026-09-01,"1,234.00",USD,',),
    ),
    Case("three decimals", "products", ((3, "price", "not an amount"),), ("P8,Thing,,1.005,,,",)),
    Case(
        "fractional quantity",
        "order_items",
        ((3, "quantity", "not a whole number"),),
        ("O2,P1,1.5,14.00",),
    ),
    Case("zero quantity", "order_items", ((3, "quantity", "at least 1"),), ("O2,P1,0,14.00",)),
    # references
    Case(
        "unknown customer",
        "orders",
        ((3, "customer_id", "unknown customer 'C404'"),),
        ("O8,C404,2026-09-01,10.00,USD,",),
    ),
    Case(
        "unknown product in order line",
        "order_items",
        ((3, "product_id", "unknown product 'P404'"),),
        ("O2,P404,1,1.00",),
    ),
    Case(
        "unknown order in order line",
        "order_items",
        ((3, "order_id", "unknown order 'O404'"),),
        ("O404,P1,1,1.00",),
    ),
    Case(
        "unknown order in return",
        "returns",
        ((3, "order_id", "unknown order 'O404'"),),
        ("O404,P1,2026-09-10,fit,",),
    ),
    Case(
        "unknown upgrade product",
        "products",
        ((3, "upgrade_product_id", "unknown product 'P404'"),),
        ("P8,Thing,,1.00,,,P404",),
    ),
    Case(
        "product upgrading to itself",
        "products",
        ((3, "upgrade_product_id", "cannot upgrade to itself"),),
        ("P8,Thing,,1.00,,,P8",),
    ),
    Case(
        "return of a product the order does not have",
        "returns",
        ((3, "product_id", "order 'O2' has no line for product 'P1'"),),
        ("O2,P1,2026-09-10,fit,",),
    ),
    Case(
        "return before the order",
        "returns",
        ((3, "returned_at", "before the order was placed"),),
        ("O1,P1,2026-08-01,fit,",),
    ),
    # contact details
    Case(
        "invalid phone", "customers", ((3, "phone", "phone number"),), ("C8,Zed,Ray,,555-01,,,,",)
    ),
    Case(
        "text as phone",
        "customers",
        ((3, "phone", "not a phone number"),),
        ("C8,Zed,Ray,,call me,,,,",),
    ),
    Case(
        "bad email",
        "customers",
        ((3, "email", "not a valid email address"),),
        ("C8,Zed,Ray,zed@@example.com,,,,,",),
    ),
    Case(
        "unknown time zone",
        "customers",
        ((3, "timezone", "not an IANA time zone"),),
        ("C8,Zed,Ray,,,Mars/Olympus_Mons,,,",),
    ),
    Case(
        "bad consent",
        "customers",
        ((3, "sms_consent", "not a yes/no value"),),
        ("C8,Zed,Ray,,,,,maybe,",),
    ),
    Case(
        "too long name",
        "customers",
        ((3, "first_name", "longer than 100 characters"),),
        ("C8," + "x" * 101 + ",Ray,,,,,,",),
    ),
    Case(
        "unknown status",
        "orders",
        ((3, "status", "unknown order status"),),
        ("O8,C1,2026-09-01,10.00,USD,lost",),
    ),
    Case(
        "non-ASCII currency",
        "orders",
        ((3, "currency", "three-letter currency code"),),
        ("O8,C1,2026-09-01,10.00,ÉUR,",),
    ),
    # duplicates within one file
    Case(
        "duplicate customer id",
        "customers",
        ((3, "customer_id", "duplicate 'C1' (first on line 2)"),),
        ("C1,Ana,Lopez,,,,,,",),
    ),
    Case(
        "duplicate product id",
        "products",
        ((3, "product_id", "duplicate 'P1' (first on line 2)"),),
        ("P1,Other,,1.00,,,",),
    ),
    Case(
        "duplicate order line",
        "order_items",
        ((3, "order_id + product_id", "duplicate 'O1 / P1' (first on line 2)"),),
        ("O1,P1,2,14.00",),
    ),
    # the shape of a row
    Case("too few fields", "customers", ((3, None, "expected 9 fields, found 2"),), ("C8,Zed",)),
    Case(
        "too many fields",
        "orders",
        ((3, None, "expected 6 fields, found 7"),),
        ("O8,C1,2026-09-01,10.00,USD,completed,gift",),
    ),
    Case(
        "Latin-1 row",
        "customers",
        ((3, None, "not valid UTF-8"),),
        ("C8,Zoé,Martin,,,,,,".encode("latin-1"),),
    ),
    Case("NUL character", "customers", ((3, None, "NUL character"),), ("C8,Z\x00ed,Ray,,,,,,",)),
    Case(
        "field over the csv size limit",
        "customers",
        ((3, None, "not a readable CSV row"),),
        (f'C8,"{LONG_FIELD}",Ray,,,,,,',),
    ),
    Case(
        "row after a quoted line break",
        "returns",
        ((5, "order_id", "unknown order 'O404'"),),  # physical line, not row number
        ('O1,P1,2026-09-11T09:00:00Z,quality,"frayed\nat the hem"', "O404,P1,2026-09-10,fit,"),
    ),
    # wrong header, encoding or file
    Case(
        "missing required column",
        "orders",
        ((1, None, "missing required column(s): total"),),
        header="order_id,customer_id,ordered_at,currency,status",
    ),
    Case(
        "unknown column in orders",
        "orders",
        ((1, None, "unknown column(s): gift_wrap"),),
        header=HEADERS["orders"] + ",gift_wrap",
    ),
    Case(
        "duplicated column",
        "customers",
        ((1, None, "column 'email' appears twice"),),
        header=HEADERS["customers"] + ",Email",
    ),
    Case(
        "Latin-1 header",
        "customers",
        ((1, None, "header row: not valid UTF-8"),),
        header=(HEADERS["customers"] + ",prénom").encode("latin-1"),
    ),
    Case(
        "UTF-16 file",
        "customers",
        ((1, None, "UTF-16"),),
        raw="\n".join([HEADERS["customers"], *CHANGED["customers"]]).encode("utf-16"),
    ),
    Case("empty file", "customers", ((1, None, "empty file"),), raw=b""),
]


@pytest.fixture
def loaded(engine: Engine, tmp_path: Path) -> Engine:
    """A database holding the valid store."""
    run_import(engine, write_store(tmp_path / "valid"))
    return engine


def _reject(engine: Engine, *paths: Path) -> ImportReport:
    with pytest.raises(ImportRejected) as caught, unit_of_work(engine) as session:
        import_files(session, list(paths))
    return caught.value.report


def test_the_changed_store_would_change_every_table(loaded: Engine, tmp_path: Path) -> None:
    """Control for the tests below: without the bad rows, their files do change the DB."""
    before = snapshot(loaded)
    report = run_import(loaded, write_store(tmp_path / "changed", CHANGED))
    after = snapshot(loaded)
    for table in ("products", "customers", "orders", "order_items", "returns", "consent_events"):
        assert after[table] != before[table], table
    assert all(f.inserted + f.updated > 0 for f in report.files)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_file_is_refused_and_database_left_unchanged(
    loaded: Engine, tmp_path: Path, case: Case
) -> None:
    folder = write_case(tmp_path / "bad", case)
    before = snapshot(loaded)

    report = _reject(loaded, folder)

    file = f"{case.kind}.csv"
    listed = [e for f in report.files for e in f.listed_errors if e.file == file]
    assert [(e.line, e.column) for e in listed] == [(line, col) for line, col, _ in case.expected]
    for error, (_, _, reason) in zip(listed, case.expected, strict=True):
        assert reason in error.reason
    if not case.whole_file:
        # One bad row is one problem: nothing else in the store is refused because of it.
        assert report.error_count == len(case.expected)
        assert by_kind(report)[case.kind].rejected == 1
    assert snapshot(loaded) == before


@pytest.fixture(params=["in-process", "in-workers"])
def validation(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Validate customers.csv in this process, or (as for big files) in worker processes."""
    calls: list[str] = []
    if request.param == "in-workers":
        in_workers = service.validated_rows_in_workers

        def spy(*args: Any, **kwargs: Any) -> Iterator[tuple[object, ...]]:
            calls.append(args[1].kind)
            return in_workers(*args, **kwargs)

        monkeypatch.setattr(service, "validated_rows_in_workers", spy)
        monkeypatch.setattr(service, "PARALLEL_MIN_BYTES", 0)
        monkeypatch.setattr(parallel, "CHUNK_ROWS", 2)  # problems spread over several chunks
    yield str(request.param)
    assert calls == (["customers"] if request.param == "in-workers" else [])


def test_every_problem_in_a_file_is_listed(loaded: Engine, tmp_path: Path, validation: str) -> None:
    customers = [
        CHANGED["customers"][0],  # line 2
        ",NoId,,,,,,,",  # 3
        "C8,Zed,Ray,zed@@example.com,555-01,Mars/Olympus_Mons,,,",  # 4: three problems
        CHANGED["customers"][1],  # 5: C2
        "C7,Yo,,,,,yesterday,,",  # 6
        CHANGED["customers"][1],  # 7: C2 again
        *CHANGED["customers"][2:],  # 8, 9
    ]
    orders = [*CHANGED["orders"], "O8,C1,2026-09-01,1.234,USD,"]  # line 6
    folder = write_store(tmp_path / "bad", {**CHANGED, "customers": customers, "orders": orders})
    before = snapshot(loaded)

    report = _reject(loaded, folder)

    found = sorted((e.file, e.line, e.column or "") for f in report.files for e in f.listed_errors)
    assert found == [
        ("customers.csv", 3, "customer_id"),
        ("customers.csv", 4, "email"),
        ("customers.csv", 4, "phone"),
        ("customers.csv", 4, "timezone"),
        ("customers.csv", 6, "created_at"),
        ("customers.csv", 7, "customer_id"),
        ("orders.csv", 6, "total"),
    ]
    files = by_kind(report)
    assert files["customers"].errors is not None
    assert len(files["customers"].errors.by_line[4]) == 3
    assert "first on line 5" in files["customers"].errors.by_line[7][0]
    assert (files["customers"].rows, files["customers"].rejected) == (8, 4)
    assert files["orders"].rejected == 1
    assert report.error_count == 7
    assert snapshot(loaded) == before


def test_a_header_problem_is_reported_once_not_per_row(loaded: Engine, tmp_path: Path) -> None:
    folder = write_store(tmp_path / "bad")
    (folder / "products.csv").write_text(
        "product_id,title\n" + "\n".join(f"P{i},Thing {i}" for i in range(50)) + "\n",
        encoding="utf-8",
    )
    report = _reject(loaded, folder)
    products = by_kind(report)["products"]
    assert [(e.line, e.column) for e in products.listed_errors] == [(1, None)]
    assert "missing required column(s): name" in products.listed_errors[0].reason


# --- --skip-invalid ----------------------------------------------------------------------

BAD_BEN = "C2,Ben,Ng,ben@@example.com,(212) 555-0143,America/New_York,2024-05-01,false,yes"
BAD_STORE = {"customers": _replace(VALID["customers"], "C2", BAD_BEN)}


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _assert_skipped_ben(engine: Engine, folder: Path) -> None:
    """Ben (line 3 of customers.csv) and everything hanging off him were refused and written."""
    rejects = _read_csv(folder / "customers.rejects.csv")
    assert rejects[0] == [*HEADERS["customers"].split(","), "line", "error"]
    assert len(rejects) == 2
    assert rejects[1][:-1] == [*next(csv.reader([BAD_BEN])), "3"]
    assert rejects[1][-1].startswith("email: not a valid email address")
    orders = _read_csv(folder / "orders.rejects.csv")
    assert orders[1:] == [
        [*VALID["orders"][1].split(","), "3", "customer_id: unknown customer 'C2'"]
    ]
    items = _read_csv(folder / "order_items.rejects.csv")
    assert items[1:] == [[*VALID["order_items"][2].split(","), "4", "order_id: unknown order 'O2'"]]
    assert not (folder / "products.rejects.csv").exists()
    assert not (folder / "returns.rejects.csv").exists()
    with Session(engine) as session:
        assert sorted(session.scalars(select(Customer.external_id))) == ["C1", "C3"]
        assert sorted(session.scalars(select(Order.external_id))) == ["O1", "O3"]
    assert counts(engine) == {
        "customers": 2,
        "products": 3,
        "orders": 2,
        "order_items": 3,
        "returns": 1,
        "consent_events": 2,  # C1's SMS and email grants, recorded for their addresses
    }


def test_skip_invalid_imports_the_good_rows_and_writes_rejects(
    engine: Engine, tmp_path: Path
) -> None:
    folder = write_store(tmp_path / "store", BAD_STORE)

    report = run_import(engine, folder, skip_invalid=True)

    files = by_kind(report)
    assert [(k, f.rows, f.inserted, f.rejected) for k, f in files.items()] == [
        ("products", 3, 3, 0),
        ("customers", 3, 2, 1),
        ("orders", 3, 2, 1),
        ("order_items", 4, 3, 1),
        ("returns", 1, 1, 0),
    ]
    assert files["customers"].rejects_path == folder / "customers.rejects.csv"
    assert files["products"].rejects_path is None
    _assert_skipped_ben(engine, folder)

    # The rejects files are never taken for input when the folder is imported again.
    again = run_import(engine, folder, skip_invalid=True)
    assert [f.path.name for f in again.files] == [f"{k}.csv" for k in files]
    assert sum(f.inserted + f.updated for f in again.files) == 0


def test_skip_invalid_writes_unreadable_rows_and_whole_file_problems(
    engine: Engine, tmp_path: Path, validation: str
) -> None:
    folder = write_store(tmp_path / "store")
    lines = [
        HEADERS["customers"].encode(),
        VALID["customers"][0].encode(),
        "C8,Zoé,Martin,,,,,,".encode("latin-1"),  # line 3
        f'C7,"{LONG_FIELD}",Ray,,,,,,'.encode(),  # line 4
        *(row.encode() for row in VALID["customers"][1:]),
    ]
    (folder / "customers.csv").write_bytes(b"\n".join(lines) + b"\n")
    (folder / "returns.csv").write_text(HEADERS["returns"] + ",extra\n", encoding="utf-8")

    report = run_import(engine, folder, skip_invalid=True)

    files = by_kind(report)
    assert (files["customers"].inserted, files["customers"].rejected) == (3, 2)
    rejects = _read_csv(folder / "customers.rejects.csv")
    assert [(r[-2], r[-1].split(" (")[0]) for r in rejects[1:]] == [
        ("3", "not valid UTF-8 text"),
        ("4", "not a readable CSV row: field larger than field limit"),
    ]
    assert rejects[1][1] == "Zo?"  # the undecodable byte, made writable
    returns = _read_csv(folder / "returns.rejects.csv")
    assert returns[1][-2] == "1"
    assert "unknown column(s): extra" in returns[1][-1]
    assert counts(engine)["returns"] == 0


def test_cli_skip_invalid_exits_0_and_reports_the_rejects(engine: Engine, tmp_path: Path) -> None:
    folder = write_store(tmp_path / "store", BAD_STORE)

    result = invoke("import", str(folder), "--skip-invalid")

    assert result.exit_code == 0, result.output
    output = result.output
    assert "customers.csv:3: email: not a valid email address" in output
    assert "rejected row(s) of customers.csv written to" in output
    assert "customers.rejects.csv" in output
    _assert_skipped_ben(engine, folder)


# --- the schema survives a rejected import ------------------------------------------------


def _schema(engine: Engine) -> dict[str, list[str]]:
    """Names of the indexes, unique constraints and foreign keys of the import tables."""
    inspector = inspect(engine)
    found = {}
    for table in ("customers", "products", "orders", "order_items", "returns"):
        names = [i["name"] or "" for i in inspector.get_indexes(table)]
        names += [u["name"] or "" for u in inspector.get_unique_constraints(table)]
        names += [f["name"] or "" for f in inspector.get_foreign_keys(table)]
        found[table] = sorted(names)
    return found


def test_a_rejected_file_without_valid_rows_keeps_the_empty_tables_indexes(
    engine: Engine, tmp_path: Path
) -> None:
    customers = tmp_path / "customers.csv"
    customers.write_text(f"{HEADERS['customers']}\n{VALID['customers'][0]}\n", encoding="utf-8")
    run_import(engine, customers)
    before_rows, before_schema = snapshot(engine), _schema(engine)
    assert "ix_orders_customer_id_ordered_at" in before_schema["orders"]
    orders = tmp_path / "orders.csv"  # every row refused: nothing is staged
    orders.write_text(
        f"{HEADERS['orders']}\nO1,C1,01/09/2026,52.00,USD,\nO2,C1,05/09/2026,38.00,,\n",
        encoding="utf-8",
    )

    report = _reject(engine, orders)

    assert [e.line for e in report.files[0].listed_errors] == [2, 3]
    assert snapshot(engine) == before_rows
    assert _schema(engine) == before_schema


def test_skip_invalid_refuses_a_product_whose_upgrade_was_refused(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "products.csv"
    path.write_text(
        f"{HEADERS['products']}\nP1,House Blend,,14.00,,,P2\nP2,Reserve,,42.50,,,P2\n",
        encoding="utf-8",
    )

    report = run_import(engine, path, skip_invalid=True)

    (products,) = report.files
    assert sorted((e.line, e.column) for e in products.listed_errors) == [
        (2, "upgrade_product_id"),
        (3, "upgrade_product_id"),
    ]
    assert counts(engine)["products"] == 0
