"""CSV import: happy path, normalisation, idempotence, updates, consent, discovery."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from assistant.ingest.service import ImportUsageError, discover, import_files
from assistant.ingest.specs import kind_of
from assistant.models import ConsentEvent, Customer, Order, OrderItem, Product, Return
from tests.ingest.csvfiles import HEADERS, VALID, write_store
from tests.ingest.dbstate import by_kind, counts, run_import, snapshot

KINDS = ("products", "customers", "orders", "order_items", "returns")


def _customers(session: Session) -> dict[str, Customer]:
    return {c.external_id: c for c in session.scalars(select(Customer))}


def _products(session: Session) -> dict[str, Product]:
    return {p.external_id: p for p in session.scalars(select(Product))}


def _orders(session: Session) -> dict[str, Order]:
    return {o.external_id: o for o in session.scalars(select(Order))}


def _is_utc(value: datetime | None) -> bool:
    return value is not None and value.tzinfo is not None and value.utcoffset() == timedelta(0)


def _replace(rows: list[str], old: str, new: str) -> list[str]:
    """`rows` with the row starting `old,` replaced by `new`."""
    assert any(r.startswith(old + ",") for r in rows)
    return [new if r.startswith(old + ",") else r for r in rows]


# --- happy path -------------------------------------------------------------------------


def test_valid_store_is_imported_and_counted(engine: Engine, tmp_path: Path) -> None:
    report = run_import(engine, write_store(tmp_path / "store"))

    assert [f.kind for f in report.files] == list(KINDS)
    files = by_kind(report)
    for kind in KINDS:
        n, f = len(VALID[kind]), files[kind]
        assert (f.rows, f.inserted, f.updated, f.unchanged, f.rejected) == (n, n, 0, 0, 0)
        assert f.listed_errors == []
    assert report.error_count == 0
    assert counts(engine) == {
        "customers": 3,
        "products": 3,
        "orders": 3,
        "order_items": 4,
        "returns": 1,
        "consent_events": 3,  # each granted consent, recorded for its address
    }


def test_values_are_normalised(engine: Engine, tmp_path: Path) -> None:
    customers = _replace(
        VALID["customers"],
        "C1",
        " C1 , Ana ,Lopez, ana@EXAMPLE.com ,+1 415-555-2671,America/Los_Angeles,"
        "2023-01-02T10:00:00Z,TRUE,Yes",
    )
    run_import(engine, write_store(tmp_path / "store", {"customers": customers}))

    with Session(engine) as session:
        customers = _customers(session)
        ana, ben, chloe = customers["C1"], customers["C2"], customers["C3"]
        assert ben.phone == "+12125550143"  # (212) 555-0143 in the default region US
        assert ana.phone == "+14155552671"
        assert ben.email == "ben@example.com"
        assert ana.email == "ana@example.com"  # trimmed, domain lower-cased
        assert ana.first_name == "Ana"
        assert chloe.email is None
        assert chloe.first_name == "Chloé"
        assert (ana.timezone, chloe.timezone) == ("America/Los_Angeles", "Europe/Paris")
        assert all(_is_utc(c.customer_since) for c in (ana, ben, chloe))
        assert ana.customer_since == datetime(2023, 1, 2, 10, tzinfo=UTC)
        # A date is a calendar day: midday in the brand's zone (New York, EDT), not UTC midnight.
        assert ben.customer_since == datetime(2024, 5, 1, 16, tzinfo=UTC)
        assert chloe.customer_since == datetime(2022, 3, 4, 7, tzinfo=UTC)  # +01:00 converted
        # Consent: true/yes/false, and an empty cell means "not given" (no source).
        assert (ana.sms_consent, ana.sms_consent_source) == (True, "import")
        assert _is_utc(ana.sms_consent_at)
        assert (ben.sms_consent, ben.email_consent) == (False, True)
        assert (chloe.sms_consent, chloe.sms_consent_source, chloe.sms_consent_at) == (
            False,
            None,
            None,
        )
        assert (chloe.email_consent, chloe.email_consent_source) == (False, "import")
        assert all(c.attributes == {} for c in customers.values())
        assert all(_is_utc(c.created_at) and _is_utc(c.updated_at) for c in customers.values())

        orders = _orders(session)
        assert orders["O2"].ordered_at == datetime(2026, 9, 5, 10, tzinfo=UTC)  # 12:00+02:00
        assert _is_utc(orders["O2"].ordered_at)
        assert orders["O2"].status == "cancelled"  # "canceled" in the file
        assert orders["O2"].currency == "USD"  # empty cell: the default currency
        assert orders["O1"].total == Decimal("52.00")
        assert orders["O1"].customer_id == ana.id
        assert orders["O2"].customer_id == ben.id

        products = _products(session)
        assert products["P2"].price == Decimal("42.50")
        assert products["P1"].category == "coffee"
        # P1's upgrade (P2) is listed after it in the same file.
        assert products["P1"].upgrade_product_id == products["P2"].id
        assert products["P2"].upgrade_product_id is None
        assert products["P3"].relaunched_at == datetime(2026, 10, 1, 16, tzinfo=UTC)  # midday EDT
        assert products["P3"].improvement_note == "Longer straps and a true-to-size fit"

        items = session.scalars(select(OrderItem)).all()
        assert len(items) == 4
        by_id = {o.id: o for o in orders.values()}
        for item in items:
            order = by_id[item.order_id]
            assert (item.customer_id, item.ordered_at) == (order.customer_id, order.ordered_at)
            assert _is_utc(item.ordered_at)
        assert sorted((by_id[i.order_id].external_id, i.quantity, i.unit_price) for i in items) == [
            ("O1", 1, Decimal("14.00")),
            ("O1", 1, Decimal("38.00")),
            ("O2", 1, Decimal("38.00")),
            ("O3", 1, Decimal("14.00")),
        ]

        (ret,) = session.scalars(select(Return)).all()
        assert ret.order_id == orders["O1"].id
        assert ret.product_id == products["P3"].id
        assert ret.customer_id == ana.id
        assert ret.returned_at == datetime(2026, 9, 10, 9, tzinfo=UTC)
        assert (ret.reason_code, ret.note) == ("fit", "too short")


def test_unknown_customer_columns_become_attributes(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "store"
    write_store(folder)
    (folder / "customers.csv").write_text(
        HEADERS["customers"]
        + ",Loyalty Tier,shoe_size\n"
        + "\n".join(
            [
                VALID["customers"][0] + ",gold,38",
                VALID["customers"][1] + ",,",
                VALID["customers"][2] + ",silver,",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    run_import(engine, folder)

    with Session(engine) as session:
        customers = _customers(session)
        assert customers["C1"].attributes == {"Loyalty Tier": "gold", "shoe_size": "38"}
        assert customers["C2"].attributes == {}  # empty cells add nothing
        assert customers["C3"].attributes == {"Loyalty Tier": "silver"}


def test_changed_attributes_are_merged_on_reimport(engine: Engine, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    header = HEADERS["customers"] + ",tier,size"
    (first / "customers.csv").write_text(
        f"{header}\n{VALID['customers'][0]},gold,38\n", encoding="utf-8"
    )
    (second / "customers.csv").write_text(
        f"{header}\n{VALID['customers'][0]},platinum,\n", encoding="utf-8"
    )
    run_import(engine, first)

    report = run_import(engine, second)

    assert by_kind(report)["customers"].updated == 1
    with Session(engine) as session:
        # The new value replaces the old one; an empty cell keeps what was stored.
        assert _customers(session)["C1"].attributes == {"tier": "platinum", "size": "38"}
    before = snapshot(engine)
    again = run_import(engine, second)
    assert (by_kind(again)["customers"].updated, by_kind(again)["customers"].unchanged) == (0, 1)
    assert snapshot(engine) == before


def test_excel_style_file_with_bom_crlf_and_header_case_is_read(
    engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    write_store(folder)
    header = (
        "Customer_ID, First_Name,Last_Name,EMAIL,Phone,TimeZone,Created_At,SMS_Consent,"
        "Email_Consent"
    )
    body = "\r\n".join([header, *VALID["customers"], ""]) + "\r\n"  # and a blank last line
    (folder / "customers.csv").write_bytes(codecs.BOM_UTF8 + body.encode("utf-8"))

    report = run_import(engine, folder)

    assert by_kind(report)["customers"].inserted == 3
    with Session(engine) as session:
        assert sorted(_customers(session)) == ["C1", "C2", "C3"]


# --- idempotence and updates ------------------------------------------------------------


def test_reimporting_the_same_files_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    folder = write_store(tmp_path / "store")
    run_import(engine, folder)
    before = snapshot(engine)

    report = run_import(engine, folder)

    for f in report.files:
        assert (f.inserted, f.updated, f.rejected) == (0, 0, 0), f.kind
        assert f.unchanged == f.rows == len(VALID[f.kind])
    after = snapshot(engine)
    for table, rows in before.items():
        assert after[table] == rows, table  # including every updated_at


def test_a_changed_cell_updates_that_row_only(engine: Engine, tmp_path: Path) -> None:
    run_import(engine, write_store(tmp_path / "a"))
    with Session(engine) as session:
        old = {k: c.updated_at for k, c in _customers(session).items()}
    customers = _replace(
        VALID["customers"],
        "C2",
        "C2,Ben,Ngata,ben@example.com,(212) 555-0143,America/New_York,2024-05-01,false,yes",
    )
    products = _replace(
        VALID["products"],
        "P3",
        "P3,Linen Apron,apparel,39.50,2026-10-01,Longer straps and a true-to-size fit,",
    )

    report = run_import(
        engine, write_store(tmp_path / "b", {"customers": customers, "products": products})
    )

    files = by_kind(report)
    assert (files["customers"].updated, files["customers"].unchanged) == (1, 2)
    assert (files["products"].updated, files["products"].unchanged) == (1, 2)
    assert all(files[k].updated == 0 for k in ("orders", "order_items", "returns"))
    with Session(engine) as session:
        stored = _customers(session)
        assert stored["C2"].last_name == "Ngata"
        assert stored["C2"].updated_at > old["C2"]
        assert stored["C1"].updated_at == old["C1"]
        assert _products(session)["P3"].price == Decimal("39.50")
        # Consent did not change: only the first import's grants are in the ledger.
        assert len(session.scalars(select(ConsentEvent)).all()) == 3


def test_a_consent_change_is_recorded(engine: Engine, tmp_path: Path) -> None:
    run_import(engine, write_store(tmp_path / "a"))
    customers = _replace(
        VALID["customers"],
        "C2",
        "C2,Ben,Ng,ben@example.com,(212) 555-0143,America/New_York,2024-05-01,true,no",
    )

    report = run_import(engine, write_store(tmp_path / "b", {"customers": customers}))

    assert by_kind(report)["customers"].updated == 1
    with Session(engine) as session:
        ben = _customers(session)["C2"]
        assert (ben.sms_consent, ben.sms_consent_source) == (True, "import")
        assert ben.email_consent is False
        events = session.scalars(
            select(ConsentEvent).where(ConsentEvent.customer_id == ben.id).order_by(ConsentEvent.id)
        ).all()
        # The first import's email grant, then the second import's changes.
        assert [(e.channel, e.consented, e.source) for e in events] == [
            ("email", True, "import"),
            ("sms", True, "import"),
            ("email", False, "import"),
        ]
        assert [e.destination for e in events] == [
            "ben@example.com",
            "+12125550143",
            "ben@example.com",
        ]
        assert events[2].evidence == {"import": "import", "file": "customers.csv", "row": 3}
        events = sorted(events[1:], key=lambda e: e.channel)
        assert all(_is_utc(e.occurred_at) for e in events)
        assert ben.sms_consent_at == events[0].occurred_at


def test_consent_never_given_can_be_given_by_a_later_import(engine: Engine, tmp_path: Path) -> None:
    run_import(engine, write_store(tmp_path / "a"))  # C3's sms_consent cell is empty
    with Session(engine) as session:
        assert _customers(session)["C3"].sms_consent_source is None
    customers = _replace(
        VALID["customers"],
        "C3",
        "C3,Chloé,Martin,,+33612345678,Europe/Paris,2022-03-04T08:00:00+01:00,true,false",
    )

    report = run_import(engine, write_store(tmp_path / "b", {"customers": customers}))

    with Session(engine) as session:
        chloe = _customers(session)["C3"]
        assert (chloe.sms_consent, chloe.sms_consent_source) == (True, "import")
        events = session.scalars(
            select(ConsentEvent).where(ConsentEvent.customer_id == chloe.id)
        ).all()
        assert [(e.channel, e.consented, e.destination) for e in events] == [
            ("sms", True, "+33612345678")
        ]
    assert (by_kind(report)["customers"].updated, report.files[1].consent_kept_off) == (1, 0)


def test_changing_only_the_upgrade_product_counts_as_an_update(
    engine: Engine, tmp_path: Path
) -> None:
    run_import(engine, write_store(tmp_path / "a"))
    products = _replace(VALID["products"], "P1", "P1,House Blend 250g,coffee,14.00,,,P3")

    report = run_import(engine, write_store(tmp_path / "b", {"products": products}))

    with Session(engine) as session:
        stored = _products(session)
        assert stored["P1"].upgrade_product_id == stored["P3"].id
    assert by_kind(report)["products"].updated == 1
    assert by_kind(report)["products"].unchanged == 2


def test_moving_an_order_updates_its_lines_and_returns(engine: Engine, tmp_path: Path) -> None:
    run_import(engine, write_store(tmp_path / "a"))
    orders = _replace(VALID["orders"], "O1", "O1,C2,2026-09-02T12:00:00Z,52.00,USD,completed")

    report = run_import(engine, write_store(tmp_path / "b", {"orders": orders}))

    assert by_kind(report)["orders"].updated == 1
    with Session(engine) as session:
        ben = _customers(session)["C2"]
        o1 = _orders(session)["O1"]
        assert (o1.customer_id, o1.ordered_at) == (ben.id, datetime(2026, 9, 2, 12, tzinfo=UTC))
        lines = session.scalars(select(OrderItem).where(OrderItem.order_id == o1.id)).all()
        assert len(lines) == 2
        assert all((i.customer_id, i.ordered_at) == (ben.id, o1.ordered_at) for i in lines)
        (ret,) = session.scalars(select(Return)).all()
        assert ret.customer_id == ben.id


def test_absent_optional_columns_keep_stored_values(engine: Engine, tmp_path: Path) -> None:
    run_import(engine, write_store(tmp_path / "a"))
    before = snapshot(engine)
    second = tmp_path / "b"
    second.mkdir()
    (second / "customers.csv").write_text(
        "customer_id,first_name\nC2,Benjamin\nC1,Ana\n", encoding="utf-8"
    )
    (second / "products.csv").write_text("product_id,name\nP1,House Blend 250g\n", encoding="utf-8")
    (second / "orders.csv").write_text(
        "order_id,customer_id,ordered_at,total\nO2,C2,2026-09-05T10:00:00Z,38.00\n",
        encoding="utf-8",
    )
    (second / "order_items.csv").write_text("order_id,product_id\nO1,P3\n", encoding="utf-8")

    report = run_import(engine, second)

    files = by_kind(report)
    assert (files["customers"].updated, files["customers"].unchanged) == (1, 1)
    assert (files["products"].updated, files["orders"].updated, files["order_items"].updated) == (
        0,
        0,
        0,
    )
    with Session(engine) as session:
        ben = _customers(session)["C2"]
        assert ben.first_name == "Benjamin"
        assert (ben.last_name, ben.email, ben.phone, ben.timezone) == (
            "Ng",
            "ben@example.com",
            "+12125550143",
            "America/New_York",
        )
        assert (ben.sms_consent, ben.email_consent, ben.email_consent_source) == (
            False,
            True,
            "import",
        )
        p1 = _products(session)["P1"]
        assert (p1.price, p1.category, p1.upgrade_product_id) == (
            Decimal("14.00"),
            "coffee",
            _products(session)["P2"].id,
        )
        o2 = _orders(session)["O2"]
        assert (o2.status, o2.currency) == ("cancelled", "USD")
    after = snapshot(engine)
    for table in ("products", "orders", "order_items", "returns", "consent_events"):
        assert after[table] == before[table], table


@pytest.mark.parametrize(
    ("channel", "revoked_by", "cells"),
    [("sms", "sms_keyword", "true,true"), ("email", "email_unsubscribe", "true,true")],
)
def test_import_never_reopts_in_a_customer_who_opted_out(
    engine: Engine, tmp_path: Path, channel: str, revoked_by: str, cells: str
) -> None:
    run_import(engine, write_store(tmp_path / "a"))
    with Session(engine) as session, session.begin():
        session.execute(
            update(Customer)
            .where(Customer.external_id == "C1")
            .values({f"{channel}_consent": False, f"{channel}_consent_source": revoked_by})
        )
    before = snapshot(engine)
    customers = _replace(
        VALID["customers"],
        "C1",
        f"C1,Ana,Lopez,ana@example.com,+14155552671,America/Los_Angeles,2023-01-02T10:00:00Z,{cells}",
    )

    report = run_import(engine, write_store(tmp_path / "b", {"customers": customers}))

    files = by_kind(report)
    assert files["customers"].consent_kept_off == 1
    assert files["customers"].updated == 0
    with Session(engine) as session:
        ana = _customers(session)["C1"]
        assert getattr(ana, f"{channel}_consent") is False
        assert getattr(ana, f"{channel}_consent_source") == revoked_by
        assert len(session.scalars(select(ConsentEvent)).all()) == 3  # the first import's
    assert snapshot(engine) == before


def test_a_single_file_may_reference_rows_already_imported(engine: Engine, tmp_path: Path) -> None:
    run_import(engine, write_store(tmp_path / "store"))
    orders = tmp_path / "orders_2027.csv"
    orders.write_text(
        HEADERS["orders"] + "\nO4,C3,2027-01-05T09:00:00Z,42.50,EUR,shipped\n", encoding="utf-8"
    )
    items = tmp_path / "order_items_2027.csv"
    items.write_text(HEADERS["order_items"] + "\nO4,P2,1,42.50\n", encoding="utf-8")
    returns = tmp_path / "returns_2027.csv"
    returns.write_text(HEADERS["returns"] + "\nO4,P2,2027-01-20,quality,\n", encoding="utf-8")

    report = run_import(engine, returns, orders, items)  # discovery puts them in order

    assert [(f.kind, f.inserted, f.rejected) for f in report.files] == [
        ("orders", 1, 0),
        ("order_items", 1, 0),
        ("returns", 1, 0),
    ]
    with Session(engine) as session:
        o4 = _orders(session)["O4"]
        chloe = _customers(session)["C3"]
        assert (o4.customer_id, o4.currency, o4.status) == (chloe.id, "EUR", "shipped")
        (item,) = session.scalars(select(OrderItem).where(OrderItem.order_id == o4.id)).all()
        assert (item.product_id, item.customer_id) == (_products(session)["P2"].id, chloe.id)
        (ret,) = session.scalars(select(Return).where(Return.order_id == o4.id)).all()
        assert (ret.reason_code, ret.customer_id) == ("quality", chloe.id)
    assert counts(engine)["orders"] == 4


# --- which files are imported -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("customers.csv", "customers"),
        ("Customers.CSV", "customers"),
        ("orders.csv", "orders"),
        ("orders_2024.csv", "orders"),
        ("orders-2024-06.csv", "orders"),
        ("order_items.csv", "order_items"),
        ("order_items_2024.csv", "order_items"),
        ("products.csv", "products"),
        ("returns.csv", "returns"),
        ("customers.rejects.csv", None),
        ("orders_2024.rejects.csv", None),
        ("ordersheet.csv", None),
        ("customer.csv", None),
        ("orders.txt", None),
        ("notes.csv", None),
    ],
)
def test_kind_is_taken_from_the_file_name(name: str, kind: str | None) -> None:
    assert kind_of(name) == kind


def test_folder_discovery_picks_importable_files_in_dependency_order(tmp_path: Path) -> None:
    for name in (
        "returns.csv",
        "orders_2024.csv",
        "order_items.csv",
        "customers.csv",
        "customers.rejects.csv",
        "products.csv",
        "orders_2023.csv",
        "README.txt",
    ):
        (tmp_path / name).write_text("x\n", encoding="utf-8")
    (tmp_path / "archive").mkdir()

    found = discover([tmp_path])

    assert [(kind, path.name) for kind, path in found] == [
        ("products", "products.csv"),
        ("customers", "customers.csv"),
        ("orders", "orders_2023.csv"),
        ("orders", "orders_2024.csv"),
        ("order_items", "order_items.csv"),
        ("returns", "returns.csv"),
    ]


def test_two_files_of_one_kind_are_both_imported(engine: Engine, tmp_path: Path) -> None:
    folder = write_store(tmp_path / "store", {"orders": VALID["orders"][:2]})
    (folder / "orders_2026-10.csv").write_text(
        HEADERS["orders"] + "\n" + VALID["orders"][2] + "\n", encoding="utf-8"
    )

    report = run_import(engine, folder)

    assert [(f.path.name, f.inserted) for f in report.files if f.kind == "orders"] == [
        ("orders.csv", 2),
        ("orders_2026-10.csv", 1),
    ]
    assert by_kind(report)["order_items"].inserted == 4


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing.csv", "no such file"),
        ("customer_list.csv", "cannot tell what this file holds"),
        ("orders.xlsx", "cannot tell what this file holds"),
        ("empty-folder", "no importable CSV files"),
    ],
)
def test_paths_that_cannot_be_imported_are_usage_errors(
    engine: Engine, tmp_path: Path, name: str, message: str
) -> None:
    if name == "empty-folder":
        (tmp_path / name).mkdir()
        (tmp_path / name / "notes.csv").write_text("a\n1\n", encoding="utf-8")
    elif name != "missing.csv":
        (tmp_path / name).write_text(HEADERS["orders"] + "\n", encoding="utf-8")
    before = snapshot(engine)

    with Session(engine) as session, pytest.raises(ImportUsageError, match=message):
        import_files(session, [tmp_path / name])

    assert snapshot(engine) == before


def test_short_names_are_imported_and_kept_when_the_column_is_absent(
    engine: Engine, tmp_path: Path
) -> None:
    first = tmp_path / "a"
    first.mkdir()
    (first / "products.csv").write_text(
        "product_id,name,short_name\n"
        "P1,House Blend Whole Bean 250g,House Blend\n"
        "P2,Oat Milk 6-pack 1L,\n",
        encoding="utf-8",
    )
    run_import(engine, first)
    second = tmp_path / "b"
    second.mkdir()
    (second / "products.csv").write_text(
        "product_id,name\nP1,House Blend Whole Bean 250g\n", encoding="utf-8"
    )
    run_import(engine, second)
    with Session(engine) as session:
        products = _products(session)
        assert (products["P1"].short_name, products["P2"].short_name) == ("House Blend", None)
