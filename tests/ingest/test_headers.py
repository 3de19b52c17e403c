"""Reading a file's layout: delimiter, encoding, and header names as people write them."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from assistant.ingest.headers import ColumnNames, typo_distance
from assistant.ingest.reader import HeaderError, file_format, read_layout
from assistant.ingest.specs import file_specs
from tests.ingest.csvfiles import HEADERS, VALID

SPECS = file_specs(default_region="US", default_currency="USD", brand_zone="America/New_York")
CUSTOMERS = ColumnNames(c.name for c in SPECS["customers"].columns)
ORDERS = ColumnNames(c.name for c in SPECS["orders"].columns)


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("First Name", "first_name"),
        ("first-name", "first_name"),
        ("FIRSTNAME", "first_name"),
        ("firstName", "first_name"),
        (" first_name ", "first_name"),
        ("e-mail", "email"),
        ("E-Mail Address", "email"),
        ("email_address", "email"),
        ("Customer ID", "customer_id"),
        ("customerId", "customer_id"),
        ("phone_number", "phone"),
        ("Phone Number", "phone"),
        ("mobile", "phone"),
        ("Surname", "last_name"),
        ("Time Zone", "timezone"),
        ("SMS Consent", "sms_consent"),
    ],
)
def test_header_spellings_read_as_their_column(header: str, column: str) -> None:
    assert CUSTOMERS.column(header) == column


def test_aliases_only_apply_to_the_file_that_has_the_column() -> None:
    assert ORDERS.column("Order Date") == "ordered_at"
    assert CUSTOMERS.column("Order Date") is None
    assert ORDERS.column("mobile") is None


@pytest.mark.parametrize(
    ("header", "suggestion"),
    [("frist_name", "first_name"), ("emial", "email"), ("phnoe", "phone"), ("timzone", "timezone")],
)
def test_typos_of_a_column_are_suggested_not_mapped(header: str, suggestion: str) -> None:
    assert CUSTOMERS.column(header) is None
    assert CUSTOMERS.suggestion(header) == suggestion


@pytest.mark.parametrize(
    "header", ["birthday", "loyalty_tier", "Loyalty Tier", "shoe_size", "tier", "city", "name"]
)
def test_custom_columns_are_neither_mapped_nor_suggested(header: str) -> None:
    assert (CUSTOMERS.column(header), CUSTOMERS.suggestion(header)) == (None, None)


def test_a_swap_of_neighbouring_letters_is_one_edit() -> None:
    assert typo_distance("emial", "email") == 1
    assert typo_distance("fristname", "firstname") == 1
    assert typo_distance("phone", "phone") == 0
    assert typo_distance("phone", "phonenumber") > 2


def test_layout_maps_spellings_and_keeps_custom_columns_as_attributes() -> None:
    header = ["Customer ID", "First Name", "E-Mail Address", "email_consent", "Loyalty Tier"]

    layout = read_layout(header, SPECS["customers"])

    columns = [c.name for c in SPECS["customers"].columns]
    assert layout.indexes[columns.index("customer_id")] == 0
    assert layout.indexes[columns.index("email")] == 2
    assert layout.indexes[columns.index("email_consent")] == 3
    assert layout.renamed == (
        ("Customer ID", "customer_id"),
        ("First Name", "first_name"),
        ("E-Mail Address", "email"),
    )
    assert layout.attributes == ((4, "Loyalty Tier"),)


@pytest.mark.parametrize(
    ("kind", "header", "message"),
    [
        (
            "customers",
            "customer_id,frist_name,emial,birthday",
            "unknown column 'frist_name': did you mean first_name?; "
            "unknown column 'emial': did you mean email?",
        ),
        (
            "orders",
            "order_id,customer_id,ordered_at,totl",
            "unknown column 'totl': did you mean total?",
        ),
        (
            "customers",
            "customer_id,Email,E-Mail Address",
            "columns 'Email' and 'E-Mail Address' both read as email; keep one",
        ),
        ("customers", "customer_id,email,EMAIL", "column 'email' appears twice"),
        ("orders", "Order ID,Customer ID,Order Date", "missing required column(s): total"),
    ],
)
def test_header_mistakes_are_refused(kind: str, header: str, message: str) -> None:
    with pytest.raises(HeaderError) as refused:
        read_layout(header.split(","), SPECS[kind])
    assert str(refused.value).startswith(message)


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "customers.csv"
    path.write_bytes(data)
    return path


def _body(delimiter: str = ",") -> str:
    lines = [HEADERS["customers"], *VALID["customers"]]
    return "\n".join(line.replace(",", delimiter) for line in lines) + "\n"


@pytest.mark.parametrize(
    ("delimiter", "note"),
    [
        (",", None),
        (";", "read as semicolon-separated, not comma-separated"),
        ("\t", "read as tab-separated, not comma-separated"),
    ],
)
def test_the_delimiter_is_taken_from_the_header_line(
    tmp_path: Path, delimiter: str, note: str | None
) -> None:
    found = file_format(_write(tmp_path, codecs.BOM_UTF8 + _body(delimiter).encode()))
    assert (found.delimiter, found.note) == (delimiter, note)


def test_a_one_column_file_and_semicolons_in_cells_stay_comma_separated(tmp_path: Path) -> None:
    assert file_format(_write(tmp_path, b"customer_id\nC1;C2\n")).delimiter == ","
    header = b'customer_id,first_name,"notes; more"\nC1,Ana;Bea,x;y;z\n'
    assert file_format(_write(tmp_path, header)).delimiter == ","


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_body().encode("utf-16"), "it is UTF-16"),
        (_body().encode("utf-16-le"), "it is UTF-16"),  # no byte order mark
        (
            (_body() + "C8,José,Núñez,,,,,,\nC9,Zoé,Martin,,,,,,\n").encode("latin-1"),
            "it looks like Latin-1 or Windows-1252",
        ),
    ],
)
def test_a_file_in_another_encoding_is_refused_naming_utf8(
    tmp_path: Path, data: bytes, message: str
) -> None:
    with pytest.raises(HeaderError) as refused:
        file_format(_write(tmp_path, data))
    assert message in str(refused.value)
    assert "save it as UTF-8" in str(refused.value)


def test_one_undecodable_row_among_utf8_text_is_left_to_the_row_checks(tmp_path: Path) -> None:
    """A mostly right file is not refused whole: --skip-invalid can import the other rows."""
    mixed = _body().encode() + "C8,Zoé,Martin,,,,,,\n".encode("latin-1")
    assert file_format(_write(tmp_path, mixed)).delimiter == ","
    one_bad_line = f"{HEADERS['customers']}\nC8,Zoé,Martin,,,,,,\n".encode("latin-1")
    assert file_format(_write(tmp_path, one_bad_line)).delimiter == ","
