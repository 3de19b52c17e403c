"""The PostgreSQL COPY path: it accepts a cell only when the Python parser gives the same value.

Every cell it does not accept, and every unusual file, sends the whole file through the
Python validator, so errors are reported exactly as before; these tests check that the
SQL rules never accept what Python refuses or converts differently, that bad files are
declined (and then refused with the usual messages), and that ordinary files are not.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from assistant.ingest import fields, pg_copy
from assistant.ingest.service import ImportRejected
from assistant.ingest.specs import configured_specs
from tests.ingest.csvfiles import HEADERS, VALID, write_store
from tests.ingest.dbstate import run_import, snapshot


@pytest.fixture
def pg_engine(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("the COPY path is PostgreSQL only")
    return engine


def _timestamps(rng: random.Random) -> list[str]:
    fixed = ["2024-02-29", "2023-02-29", "2100-02-29", "2000-02-29", "2025-04-31", "2025-12-31"]
    fixed += ["2025-05-22T21:48:28Z", "2025-05-22 21:48:28", "2025-05-22T24:00:00", "20250522"]
    fixed += ["2025-05-22T21:48:28.5", "2025-05-22T21:48:28.1234567", "2025-05-22T21:48:60"]
    fixed += ["2025-05-22T21:48:28+05:30", "2025-05-22T21:48:28-0800", "2025-05-22t21:48:28"]
    fixed += [" 2025-05-22", "2025-05-22T21:48", "1899-12-31", "2199-12-31T23:59:59-12:00"]
    fixed += ["2025-W21-1", "2025-05-22T21:48:28+24:00", "2025-05-22T21:48:28z", "0001-01-01"]
    fixed += ["2025-05-22T24:00:00Z", "2025-05-22T23:59:60Z", "2025-02-29T10:00:00Z"]
    fixed += ["0000-01-01T00:00:00Z", "0999-01-01T00:00:00Z", "2025-05-22 21:48:28Z"]
    fixed += ["2025-5-22T21:48:280Z", "20250-5-22T1:48:28Z", "2025-05-22T21:48:28 "]
    for _ in range(400):
        year = rng.choice(["1899", "1900", "1999", "2024", "2025", "2199", "2200", "0001", "9999"])
        date = f"{year}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}"
        if rng.random() < 0.3:
            fixed.append(date)
            continue
        clock = f"{rng.randint(0, 24):02d}:{rng.randint(0, 60):02d}:{rng.randint(0, 60):02d}"
        fraction = rng.choice(["", ".5", ".123", ".123456", ".1234567", "."])
        offset = rng.choice(["", "Z", "+05:30", "-08:00", "+14:00", "-23:59", "+24:00", "+0530"])
        fixed.append(f"{date}{rng.choice('T T t')}{clock}{fraction}{offset}")
    return fixed


def _amounts(rng: random.Random) -> list[str]:
    values = [
        "0",
        "0.00",
        "12.5",
        "12.50",
        "12.505",
        "-1.00",
        "1,50",
        "1 000",
        "\u0661\u0662",
        "9999999999",
    ]
    values += ["99999999999", "9999999999.99", ".5", "5.", "+5", " 5", "1e3", "0012.00"]
    values += [
        f"{rng.randint(0, 10 ** rng.randint(1, 11))}.{rng.randint(0, 999)}" for _ in range(50)
    ]
    return values


_CASES: dict[str, list[str]] = {
    "identifier": ["O1", " O1", "O1 ", "O 1", "Ö1", "a" * 64, "a" * 65, "O\t1", "x;y", "-"],
    "quantity": ["0", "1", "2", "01", "+1", " 2", "1.0", "\u0661", "1000000", "1000001", "9999999"],
    "currency": ["usd", "USD", "Eur", "US", "USDD", " eur", "ÉUR", "€€€", "u$d", "ß12"],
    "status": ["completed", "Canceled", "FULFILLED", "complete", "refunded", "pending", "done"],
    "slug": ["fit", "Too Small", "too_small", "-x", "x-", "a" * 32, "a" * 33, "Ünder", "a.b"],
    "note": [
        *["too short", " padded ", "Größe zu klein", "tab\there", "x" * 2000, "x" * 2001],
        *["emoji 👍", "nbsp\u00a0", "\u2028line", "ÀÉÎ", "a\u00d7b", "trailing\u00a0"],
    ],
}


def _parsers(zone: str) -> dict[str, tuple[str, Callable[[str], Any]]]:
    """Rule name in pg_copy.RULES (kind, column) and the Python parser of the same column."""
    specs = configured_specs()
    orders = {c.name: c.parse for c in specs["orders"].columns}
    items = {c.name: c.parse for c in specs["order_items"].columns}
    returns = {c.name: c.parse for c in specs["returns"].columns}
    return {
        "identifier": ("orders.order_id", orders["order_id"]),
        "timestamp": ("orders.ordered_at", partial(fields.timestamp, date_zone=zone)),
        "money": ("order_items.unit_price", items["unit_price"]),
        "quantity": ("order_items.quantity", items["quantity"]),
        "currency": ("orders.currency", orders["currency"]),
        "status": ("orders.status", orders["status"]),
        "slug": ("returns.reason_code", returns["reason_code"]),
        "note": ("returns.note", returns["note"]),
    }


def _same(python: Any, sql: Any) -> bool:
    if isinstance(sql, datetime):
        return datetime.fromisoformat(str(python)).replace(tzinfo=UTC) == sql
    if isinstance(sql, Decimal):
        return Decimal(str(python)) == sql
    return bool(python == sql)


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Pacific/Kiritimati"])
def test_sql_rules_accept_only_what_python_converts_the_same(pg_engine: Engine, zone: str) -> None:
    rng = random.Random(20261208)
    cases = {**_CASES, "timestamp": _timestamps(rng), "money": _amounts(rng)}
    checked = 0
    with pg_engine.begin() as connection:
        raw: Any = connection.connection.driver_connection
        connection.exec_driver_sql("CREATE TEMPORARY TABLE cells (line INT, c0 TEXT)")
        for kind, (rule_name, parse) in _parsers(zone).items():
            table, column = rule_name.split(".")
            rule = pg_copy.RULES[table][column]
            values = [*cases[kind], ""]
            connection.exec_driver_sql("TRUNCATE cells")
            with raw.cursor() as cursor, cursor.copy("COPY cells FROM STDIN") as copy:
                for line, value in enumerate(values):
                    copy.write_row((line, value or None))  # an empty CSV cell is NULL
            params = {"brand_zone": zone, "currency": "USD"}
            ok, value = rule.ok.format(c="c0"), rule.value.format(c="c0")
            for line, cell in enumerate(values):
                # One cell at a time: a cell PostgreSQL cannot read stops its statement,
                # which declines the file (the import then validates it in Python).
                attempt = connection.begin_nested()
                try:
                    row = connection.exec_driver_sql(
                        f"SELECT COALESCE({ok}, false), CASE WHEN COALESCE({ok}, false) "
                        f"THEN {value} END FROM cells WHERE line = {line}",
                        params,
                    ).one()
                except DBAPIError:
                    attempt.rollback()
                    continue
                attempt.commit()
                accepted, converted = row
                if not accepted:
                    continue
                checked += 1
                python = parse(cell)  # raises FieldError if SQL accepted a bad cell
                assert _same(python, converted), (kind, cell, python, converted)
    assert checked > 100


def _staged_by_copy(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """Which kinds the COPY path staged, filled in as an import runs."""
    staged: dict[str, bool] = {}
    original = pg_copy.stage_by_copy

    def spy(connection: Any, spec: Any, *args: Any, **kwargs: Any) -> int | None:
        result = original(connection, spec, *args, **kwargs)
        staged[spec.kind] = result is not None
        return result

    monkeypatch.setattr(pg_copy, "stage_by_copy", spy)
    return staged


def test_ordinary_files_take_the_copy_path(
    pg_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staged = _staged_by_copy(monkeypatch)
    folder = write_store(tmp_path / "store")
    # A BOM and a semicolon-separated file with its columns in another order are fine too.
    header, *rows = [HEADERS["order_items"], *VALID["order_items"]]
    reordered = [";".join(reversed(line.split(","))) for line in [header, *rows]]
    (folder / "order_items.csv").write_text("\ufeff" + "\n".join(reordered), encoding="utf-8")
    run_import(pg_engine, folder)
    assert staged == {
        "products": False,
        "customers": False,
        "orders": True,
        "order_items": True,
        "returns": True,
    }


def test_copy_path_stores_what_the_python_path_stores(
    pg_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same files twice: once through COPY, once (a re-import) forced through Python.

    The second import finds every row identical, so it changes nothing at all.
    """
    folder = write_store(tmp_path / "store")
    run_import(pg_engine, folder)
    first = snapshot(pg_engine)
    monkeypatch.setattr(pg_copy, "stage_by_copy", lambda *a, **k: None)
    report = run_import(pg_engine, folder)
    assert snapshot(pg_engine) == first
    assert all(f.inserted == f.updated == 0 for f in report.files)


BAD_ROWS = {
    "orders": [
        ("O9,C1,,1.00,USD,completed", "orders.csv:5: ordered_at: required"),
        ("O9,C1,2026-02-30,1.00,USD,completed", "orders.csv:5: ordered_at: not an ISO 8601"),
        ("O9,C1,2026-09-01,-1.00,USD,completed", "orders.csv:5: total: must not be negative"),
        ("O9,C1,2026-09-01,1.005,USD,completed", "orders.csv:5: total: not an amount"),
        ("O9,C1,2026-09-01,1.00,US,completed", "orders.csv:5: currency: not a three-letter"),
        ("O9,C1,2026-09-01,1.00,USD,lost", "orders.csv:5: status: unknown order status"),
        (",C1,2026-09-01,1.00,USD,completed", "orders.csv:5: order_id: required"),
        ("O9,C1,2026-09-01,1.00,USD", "orders.csv:5: expected 6 fields, found 5"),
        ("O9," + "C" * 65 + ",2026-09-01,1.00,USD,", "orders.csv:5: customer_id: longer than 64"),
    ],
    "order_items": [
        ("O3,P2,0,1.00", "order_items.csv:6: quantity: must be at least 1"),
        ("O3,P2,two,1.00", "order_items.csv:6: quantity: not a whole number"),
        ("O3,P2,1,1,50", "order_items.csv:6: expected 4 fields, found 5"),
        ('O3,P2,1,"1,50"', "order_items.csv:6: unit_price: not an amount: use a decimal point"),
    ],
    "returns": [
        ("O1,P1,2026-09-10T09:00:00Z,Bad Code!,", "returns.csv:3: reason_code: not a code"),
        ("O1,P1,2026-09-10T25:00:00Z,fit,", "returns.csv:3: returned_at: not an ISO 8601"),
        ("O1,P1,2026-09-10T09:00:00Z,fit," + "x" * 2001, "returns.csv:3: note: longer than"),
    ],
}


@pytest.mark.parametrize(
    ("kind", "row", "expected"), [(k, r, e) for k, cases in BAD_ROWS.items() for r, e in cases]
)
def test_bad_rows_are_declined_and_refused_with_the_python_reasons(
    pg_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    row: str,
    expected: str,
) -> None:
    staged = _staged_by_copy(monkeypatch)
    folder = write_store(tmp_path / "store", {kind: [*VALID[kind], row]})
    with pytest.raises(ImportRejected) as rejected:
        run_import(pg_engine, folder)
    listed = [str(e) for f in rejected.value.report.files for e in f.listed_errors]
    assert len(listed) == 1 and listed[0].startswith(expected), listed
    assert staged[kind] is False


ODD_FILES = {
    "blank line in the middle": "O1,P1,1,14.00\n\nO1,P3,1,38.00\n",
    "trailing blank lines": "O1,P1,1,14.00\nO1,P3,1,38.00\n\n\n",
    "quoted cell": 'O1,"P1",1,14.00\nO1,P3,1,38.00\n',
    "CRLF line ends": "O1,P1,1,14.00\r\nO1,P3,1,38.00\r\n",
    "end-of-data marker": "O1,P1,1,14.00\n\\.\nO1,P3,1,38.00\n",
}


@pytest.mark.parametrize("name", sorted(ODD_FILES))
def test_unusual_files_go_through_python_and_import_the_same(
    pg_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    staged = _staged_by_copy(monkeypatch)
    folder = write_store(tmp_path / "store")
    body = HEADERS["order_items"] + "\n" + ODD_FILES[name]
    (folder / "order_items.csv").write_bytes(body.encode())
    if name == "end-of-data marker":
        with pytest.raises(ImportRejected):
            run_import(pg_engine, folder)
    else:
        run_import(pg_engine, folder)
    assert staged["order_items"] is False


def test_latin1_bytes_are_declined_and_refused_per_line(
    pg_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staged = _staged_by_copy(monkeypatch)
    folder = write_store(tmp_path / "store")
    body = (HEADERS["returns"] + "\n" + VALID["returns"][0] + "\n").encode()
    (folder / "returns.csv").write_bytes(
        body + b"O1,P1,2026-09-11T09:00:00Z,fit,taille trop \xe9troite\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        run_import(pg_engine, folder)
    listed = [str(e) for f in rejected.value.report.files for e in f.listed_errors]
    assert listed == ["returns.csv:3: not valid UTF-8 text (save the file as UTF-8)"]
    assert staged["returns"] is False
