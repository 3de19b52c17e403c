"""Import mistakes people make: other delimiters and encodings, header spellings and typos,
empty and header-only files, and what the summary says when nothing was imported.
"""

from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from assistant.db import unit_of_work
from assistant.ingest.service import ImportRejected, ImportReport, import_files
from assistant.models import Customer, Order
from tests.clitools import invoke
from tests.ingest.csvfiles import HEADERS, VALID, write_store
from tests.ingest.dbstate import by_kind, counts, run_import

EMPTY = {"customers": 0, "products": 0, "orders": 0, "order_items": 0, "returns": 0}


def _reject(engine: Engine, *paths: Path, skip_invalid: bool = False) -> ImportReport:
    with pytest.raises(ImportRejected) as caught, unit_of_work(engine) as session:
        import_files(session, list(paths), skip_invalid=skip_invalid)
    return caught.value.report


def _table_row(output: str, name: str) -> list[str]:
    """The cells of file `name`'s row in the summary table."""
    for line in output.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃|]", line) if c.strip()]
        if cells and cells[0] == name:
            return cells
    raise AssertionError(f"no row for {name} in:\n{output}")


def _stored(engine: Engine) -> dict[str, int]:
    return {k: v for k, v in counts(engine).items() if k in EMPTY}


# --- delimiters and encodings -------------------------------------------------------------


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolon"), ("\t", "tab")])
def test_a_semicolon_or_tab_separated_file_is_imported_and_said_so(
    engine: Engine, tmp_path: Path, delimiter: str, name: str
) -> None:
    """A European Excel export: `;` between cells, a BOM, CRLF line ends."""
    folder = write_store(tmp_path / "store")
    lines = [HEADERS["customers"], *VALID["customers"]]
    body = "\r\n".join(line.replace(",", delimiter) for line in lines) + "\r\n"
    (folder / "customers.csv").write_bytes(codecs.BOM_UTF8 + body.encode())

    report = run_import(engine, folder)

    customers = by_kind(report)["customers"]
    assert (customers.rows, customers.inserted, customers.rejected) == (3, 3, 0)
    assert customers.notes == [f"read as {name}-separated, not comma-separated"]
    assert by_kind(report)["orders"].notes == []
    with Session(engine) as session:
        ana = session.scalars(select(Customer).where(Customer.external_id == "C1")).one()
        assert (ana.first_name, ana.email, ana.phone) == ("Ana", "ana@example.com", "+14155552671")


def test_rejects_of_a_semicolon_file_keep_its_delimiter(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    rows = [r.replace(",", ";") for r in (HEADERS["products"], VALID["products"][1])]
    rows.append("P8;Thing;;12,50;;;")  # a decimal comma, as such a spreadsheet writes it
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")

    report = run_import(engine, path, skip_invalid=True)

    assert (report.files[0].inserted, report.files[0].rejected) == (1, 1)
    with (tmp_path / "products.rejects.csv").open(encoding="utf-8", newline="") as handle:
        rejects = list(csv.reader(handle, delimiter=";"))
    assert rejects[0] == [*HEADERS["products"].split(","), "line", "error"]
    assert rejects[1][:-1] == ["P8", "Thing", "", "12,50", "", "", "", "3"]
    assert rejects[1][-1] == "price: not an amount: use a decimal point (12.50, not 12,50)"


def test_a_latin1_file_is_refused_as_a_whole_naming_the_encoding(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [*VALID["customers"][:2], "C4,José,Núñez,,,,,,", "C5,Zoé,Müller,,,,,,"]
    folder = write_store(tmp_path / "store", {"customers": [], "orders": [], "order_items": []})
    text = "\n".join([HEADERS["customers"], *rows]) + "\n"
    (folder / "customers.csv").write_bytes(text.encode("latin-1"))

    report = _reject(engine, folder)

    (error,) = by_kind(report)["customers"].listed_errors
    assert (error.line, error.column) == (1, None)
    assert "not UTF-8 text (it looks like Latin-1 or Windows-1252); save it as UTF-8" in str(error)
    assert _stored(engine) == EMPTY


# --- header names -------------------------------------------------------------------------

SPELLED = (
    "Customer ID,First Name,last-name,E-Mail Address,Phone Number,Time Zone,createdAt,"
    "SMS_Consent,email consent,Loyalty Tier"
)


def test_header_spellings_are_read_as_their_columns_and_reported(
    engine: Engine, tmp_path: Path
) -> None:
    folder = write_store(tmp_path / "store")
    (folder / "customers.csv").write_text(
        "\n".join([SPELLED, *(f"{row},gold" for row in VALID["customers"])]) + "\n",
        encoding="utf-8",
    )
    orders = [r.split(",") for r in VALID["orders"]]
    (folder / "orders.csv").write_text(
        "Order ID,Customer ID,Order Date,Order Total\n"
        + "\n".join(",".join(r[:4]) for r in orders)
        + "\n",
        encoding="utf-8",
    )

    report = run_import(engine, folder)

    files = by_kind(report)
    assert (files["customers"].inserted, files["orders"].inserted) == (3, 3)
    assert files["customers"].notes == [
        "read column 'Customer ID' as customer_id, 'First Name' as first_name, "
        "'last-name' as last_name, 'E-Mail Address' as email, 'Phone Number' as phone, "
        "'Time Zone' as timezone, 'createdAt' as created_at, 'email consent' as email_consent",
        "kept column 'Loyalty Tier' as custom attribute(s)",
    ]
    assert files["orders"].notes == [
        "read column 'Order ID' as order_id, 'Customer ID' as customer_id, "
        "'Order Date' as ordered_at, 'Order Total' as total"
    ]
    with Session(engine) as session:
        ana = session.scalars(select(Customer).where(Customer.external_id == "C1")).one()
        assert (ana.first_name, ana.last_name, ana.email) == ("Ana", "Lopez", "ana@example.com")
        assert (ana.phone, ana.timezone, ana.sms_consent) == (
            "+14155552671",
            "America/Los_Angeles",
            True,
        )
        assert ana.attributes == {"Loyalty Tier": "gold"}
        assert len(session.scalars(select(Order)).all()) == 3


def test_cli_reports_the_delimiter_and_header_mapping(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    lines = ["Customer ID;First Name;phone_number;birthday", "C1;Ana;+14155552671;1990-04-01"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = invoke("import", str(path))

    assert result.exit_code == 0, result.output
    assert "customers.csv: read as semicolon-separated, not comma-separated" in result.output
    assert (
        "customers.csv: read column 'Customer ID' as customer_id, 'First Name' as first_name, "
        "'phone_number' as phone" in result.output
    )
    assert "customers.csv: kept column 'birthday' as custom attribute(s)" in result.output
    with Session(engine) as session:
        (ana,) = session.scalars(select(Customer)).all()
        assert (ana.first_name, ana.phone) == ("Ana", "+14155552671")
        assert ana.attributes == {"birthday": "1990-04-01"}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("customer_id,frist_name,email", "unknown column 'frist_name': did you mean first_name?"),
        ("customer_id,first_name,emial", "unknown column 'emial': did you mean email?"),
        (
            "customer_id,email,E-Mail Address",
            "columns 'email' and 'E-Mail Address' both read as email; keep one",
        ),
    ],
)
def test_a_mistyped_or_doubled_header_is_refused_not_kept_as_an_attribute(
    engine: Engine, tmp_path: Path, header: str, message: str
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(f"{header}\nC1,Ana,ana@example.com\n", encoding="utf-8")

    result = invoke("import", str(path))

    assert result.exit_code == 1, result.output
    assert f"customers.csv:1: {message}" in result.output
    assert "Nothing was imported" in result.output
    assert _stored(engine) == EMPTY


# --- what the summary says when nothing went in ------------------------------------------


def test_a_refused_import_reports_nothing_written(engine: Engine, tmp_path: Path) -> None:
    """Four files were merged before returns.csv failed; the report must not say so."""
    returns = [*VALID["returns"], "O1,P1,yesterday,fit,"]
    folder = write_store(tmp_path / "store", {"returns": returns})

    report = _reject(engine, folder)

    assert report.refused
    assert report.written == 0
    assert [(f.kind, f.rows, f.inserted, f.updated, f.rejected) for f in report.files] == [
        ("products", 3, 0, 0, 0),
        ("customers", 3, 0, 0, 0),
        ("orders", 3, 0, 0, 0),
        ("order_items", 4, 0, 0, 0),
        ("returns", 2, 0, 0, 1),
    ]
    assert _stored(engine) == EMPTY


def test_cli_refused_import_shows_no_inserted_counts(engine: Engine, tmp_path: Path) -> None:
    returns = [*VALID["returns"], "O1,P1,yesterday,fit,"]
    folder = write_store(tmp_path / "store", {"returns": returns})

    result = invoke("import", str(folder))

    assert result.exit_code == 1, result.output
    assert "Import refused: nothing was imported" in result.output
    assert "inserted" not in result.output and "updated" not in result.output
    products = _table_row(result.output, "products.csv")
    assert (products[1:3], products[-1]) == (["3", "0"], "not imported")  # rows, rejected
    assert _table_row(result.output, "returns.csv")[1:3] == ["2", "1"]
    assert _table_row(result.output, "returns.csv")[-1] == "refused: 1 problem(s)"
    assert "returns.csv:3: returned_at: not an ISO 8601 date" in result.output
    assert "Nothing was imported: 1 problem(s)" in result.output
    assert _stored(engine) == EMPTY


def test_cli_skip_invalid_counts_only_what_went_in(engine: Engine, tmp_path: Path) -> None:
    orders = [*VALID["orders"][:2], "O3,C1,2026-10-01,ten,USD,"]  # O3 refused: its line too
    folder = write_store(tmp_path / "store", {"orders": orders})

    result = invoke("import", str(folder), "--skip-invalid")

    assert result.exit_code == 0, result.output
    stored = _stored(engine)
    assert stored == {"customers": 3, "products": 3, "orders": 2, "order_items": 3, "returns": 1}
    for kind, number in stored.items():
        row = _table_row(result.output, f"{kind}.csv")
        assert int(row[2]) == number, row  # inserted
    assert "Nothing was imported" not in result.output


def test_cli_skip_invalid_with_every_row_refused_says_nothing_was_imported(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(f"{HEADERS['orders']}\nO1,C404,2026-09-01,1.00,USD,\n", encoding="utf-8")

    result = invoke("import", str(path), "--skip-invalid")

    assert result.exit_code == 0, result.output
    assert _table_row(result.output, "orders.csv")[1:6] == ["1", "0", "0", "0", "1"]
    assert "Nothing was imported: no file had a valid row." in result.output
    assert _stored(engine) == EMPTY


# --- empty and header-only files ---------------------------------------------------------


def test_a_header_only_file_is_noted_and_the_others_imported(
    engine: Engine, tmp_path: Path
) -> None:
    folder = write_store(tmp_path / "store", {"returns": []})

    report = run_import(engine, folder)
    assert by_kind(report)["returns"].rows == 0
    assert by_kind(report)["returns"].notes == [
        "has a header row but no data rows; nothing to import from it"
    ]
    assert by_kind(report)["orders"].notes == []

    (folder / "orders.csv").write_text(HEADERS["orders"] + "\r\n\r\n", encoding="utf-8")
    result = invoke("import", str(folder / "orders.csv"), str(folder / "returns.csv"))
    assert result.exit_code == 0, result.output
    assert "orders.csv: has a header row but no data rows" in result.output
    assert "returns.csv: has a header row but no data rows" in result.output
    assert "Nothing was imported: no file had any data rows." in result.output
    assert _stored(engine)["returns"] == 0 and _stored(engine)["orders"] == 3


def test_cli_header_only_file_beside_others_exits_0(engine: Engine, tmp_path: Path) -> None:
    folder = write_store(tmp_path / "store", {"returns": []})

    result = invoke("import", str(folder))

    assert result.exit_code == 0, result.output
    assert "returns.csv: has a header row but no data rows" in result.output
    assert "Nothing was imported" not in result.output
    assert _stored(engine)["orders"] == 3


@pytest.mark.parametrize("skip_invalid", [False, True])
def test_cli_empty_file_is_an_error_naming_it(
    engine: Engine, tmp_path: Path, skip_invalid: bool
) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    (folder / "products.csv").write_text(
        "\n".join([HEADERS["products"], *VALID["products"]]) + "\n", encoding="utf-8"
    )
    (folder / "customers.csv").write_bytes(b"")

    result = invoke("import", str(folder), *(["--skip-invalid"] if skip_invalid else []))

    assert "customers.csv:1: empty file: expected a header row (customer_id, first_name" in (
        result.output
    )
    if skip_invalid:
        assert result.exit_code == 0, result.output
        assert "the reason customers.csv was refused written to" in result.output
        assert _stored(engine)["products"] == 3
    else:
        assert result.exit_code == 1, result.output
        assert "Nothing was imported: 1 problem(s)" in result.output
        assert _stored(engine) == EMPTY
