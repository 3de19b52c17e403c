"""Hand-built stores for segment tests, written as CSV files and imported like a brand's data.

The fixture store is evaluated as of 2026-11-20 (brand zone America/New_York). Each
customer exists for one or two edge cases, named in the comment beside their rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, delete, select

from assistant.db import unit_of_work
from assistant.metrics.service import refresh
from assistant.models import Customer, CustomerCLV
from tests.ingest.dbstate import run_import

AS_OF = date(2026, 11, 20)

HEADERS = {
    "customers": (
        "customer_id,first_name,last_name,email,phone,timezone,created_at,"
        "sms_consent,email_consent,tier"
    ),
    "products": "product_id,name,category,price,relaunched_at,improvement_note,upgrade_product_id",
    "orders": "order_id,customer_id,ordered_at,total,currency,status",
    "order_items": "order_id,product_id,quantity,unit_price",
    "returns": "order_id,product_id,returned_at,reason_code,note",
}

PRODUCTS = [
    "P1,House Blend 250g,coffee,14.00,,,P2",
    "P2,Reserve Single-Origin 1kg,coffee,42.50,,,",
    "P3,Linen Apron,apparel,38.00,2026-10-01T12:00:00Z,Longer straps and a true-to-size fit,",
    "P4,Stoneware Mug,home,20.00,,,",
    "P5,Canvas Tote,apparel,30.00,2026-12-15T12:00:00Z,Stronger handles,",
    "P6,Espresso Machine,equipment,,,,",
]

# customer_id,first_name,timezone,created_at,sms,email,tier (the rest is filled in below)
_PEOPLE = [
    ("C01", "Ana", "America/Los_Angeles", "", "true", "true", "gold"),  # 23:59 local on as_of
    ("C02", "Ben", "America/Los_Angeles", "", "false", "true", "silver"),  # 23:59, 7 days ago
    ("C03", "Cleo", "", "", "true", "false", ""),  # only cancelled or refunded orders
    ("C04", "Dev", "America/New_York", "", "true", "true", ""),  # no orders
    ("C05", "Eve", "", "", "false", "false", "gold"),  # one order, 20 days ago
    ("C06", "Finn", "America/New_York", "", "true", "true", ""),  # 3 orders of P1 on one day
    ("C07", "Gia", "America/New_York", "", "true", "true", ""),  # P1 on 3 days in 90
    ("C08", "Hal", "America/New_York", "", "true", "true", ""),  # P4 (no upgrade) on 3 days
    ("C09", "Ivy", "America/New_York", "", "true", "true", ""),  # P1 on 3 days, one too old
    ("C10", "Jon", "America/New_York", "", "true", "true", ""),  # fit return before relaunch
    ("C11", "Kim", "America/New_York", "", "true", "true", ""),  # fit return after relaunch
    ("C12", "Lou", "America/New_York", "", "true", "true", ""),  # changed_mind return
    ("C13", "Max", "America/New_York", "", "true", "true", ""),  # relaunch after as_of
    ("C14", "Nia", "America/New_York", "", "true", "true", ""),  # crossed $5,000 recently
    ("C15", "Oli", "America/New_York", "", "true", "true", ""),  # crossed $5,000 long ago
    ("C16", "Pia", "America/New_York", "", "true", "true", ""),  # 10th order recently
    ("C17", "Quin", "Europe/London", "2024-11-10T09:00:00Z", "true", "true", ""),  # 2 years
    ("C18", "Ray", "Europe/London", "2023-05-01T09:00:00Z", "true", "true", ""),  # long ago
    ("C19", "Sam", "America/New_York", "", "true", "true", ""),  # high value, lapsed
    ("C20", "Tao", "Asia/Tokyo", "", "true", "true", ""),  # order on the day after as_of
    ("C21", "Uma", "America/New_York", "", "true", "true", ""),  # crossed on as_of - 30
    ("C22", "Vera", "America/New_York", "", "true", "true", ""),  # crossed on as_of - 29
    ("C23", "Wes", "America/New_York", "", "true", "true", ""),  # returned the first $5,500
    ("C24", "Xia", "America/New_York", "", "true", "true", "platinum"),  # the VIP
    ("C25", "Yan", "Europe/London", "2024-10-21T10:00:00Z", "true", "true", ""),  # as_of - 30
    ("C26", "Zed", "Europe/London", "2024-10-22T10:00:00Z", "true", "true", ""),  # as_of - 29
]
CUSTOMERS = [
    f"{cid},{name},Test,{name.lower()}@example.com,,{zone},{since},{sms},{email},{tier}"
    for cid, name, zone, since, sms, email, tier in _PEOPLE
]

# (order id, customer, ordered_at, status, [(product, quantity, unit price)])
_ORDERS: list[tuple[str, str, str, str, list[tuple[str, int, str]]]] = [
    ("O01-1", "C01", "2026-11-20T23:59:00-08:00", "completed", [("P4", 1, "20.00")]),
    ("O02-1", "C02", "2026-11-13T23:59:00-08:00", "completed", [("P4", 1, "20.00")]),
    ("O03-1", "C03", "2026-11-18T15:00:00Z", "cancelled", [("P4", 1, "20.00")]),
    ("O03-2", "C03", "2026-11-10T15:00:00Z", "refunded", [("P1", 1, "14.00")]),
    ("O05-1", "C05", "2026-10-31T15:00:00Z", "completed", [("P2", 1, "45.00")]),
    ("O06-1", "C06", "2026-11-18T14:00:00Z", "completed", [("P1", 1, "14.00")]),
    ("O06-2", "C06", "2026-11-18T16:00:00Z", "completed", [("P1", 1, "14.00")]),
    ("O06-3", "C06", "2026-11-18T19:00:00Z", "completed", [("P1", 1, "14.00")]),
    ("O07-1", "C07", "2026-09-01T15:00:00Z", "completed", [("P1", 1, "14.00")]),
    ("O07-2", "C07", "2026-10-01T15:00:00Z", "completed", [("P1", 1, "14.00")]),
    ("O07-3", "C07", "2026-11-01T15:00:00Z", "completed", [("P1", 1, "14.00")]),
    ("O08-1", "C08", "2026-09-05T15:00:00Z", "completed", [("P4", 1, "12.00")]),
    ("O08-2", "C08", "2026-10-05T15:00:00Z", "completed", [("P4", 1, "12.00")]),
    ("O08-3", "C08", "2026-11-05T15:00:00Z", "completed", [("P4", 1, "12.00")]),
    ("O09-1", "C09", "2026-08-01T15:00:00Z", "completed", [("P1", 1, "14.00")]),
    ("O09-2", "C09", "2026-10-01T15:00:00Z", "completed", [("P1", 1, "14.00")]),
    ("O09-3", "C09", "2026-11-01T15:00:00Z", "completed", [("P1", 1, "14.00")]),
    ("O10-1", "C10", "2026-09-01T15:00:00Z", "completed", [("P3", 1, "38.00")]),
    ("O11-1", "C11", "2026-10-05T15:00:00Z", "completed", [("P3", 1, "38.00")]),
    ("O12-1", "C12", "2026-09-01T15:00:00Z", "completed", [("P3", 1, "38.00")]),
    ("O13-1", "C13", "2026-09-01T15:00:00Z", "completed", [("P5", 1, "30.00")]),
    ("O14-1", "C14", "2026-03-01T15:00:00Z", "completed", [("P6", 1, "4000.00")]),
    ("O14-2", "C14", "2026-11-10T15:00:00Z", "completed", [("P6", 1, "1200.00")]),
    ("O15-1", "C15", "2025-01-05T15:00:00Z", "completed", [("P6", 1, "6000.00")]),
    ("O15-2", "C15", "2026-11-15T15:00:00Z", "completed", [("P2", 1, "100.00")]),
    *[
        (f"O16-{m}", "C16", f"2026-{m:02d}-15T15:00:00Z", "completed", [("P4", 1, "20.00")])
        for m in range(1, 10)
    ],
    ("O16-10", "C16", "2026-11-12T15:00:00Z", "completed", [("P4", 1, "20.00")]),
    ("O19-1", "C19", "2026-02-01T15:00:00Z", "completed", [("P6", 1, "1500.00")]),
    ("O19-2", "C19", "2026-06-01T15:00:00Z", "completed", [("P6", 1, "1500.00")]),
    ("O20-1", "C20", "2026-11-21T00:30:00+09:00", "completed", [("P4", 1, "20.00")]),
    ("O21-1", "C21", "2026-01-10T15:00:00Z", "completed", [("P6", 1, "4500.00")]),
    ("O21-2", "C21", "2026-10-21T15:00:00Z", "completed", [("P6", 1, "600.00")]),
    ("O22-1", "C22", "2026-01-10T15:00:00Z", "completed", [("P6", 1, "4500.00")]),
    ("O22-2", "C22", "2026-10-22T15:00:00Z", "completed", [("P6", 1, "600.00")]),
    ("O23-1", "C23", "2026-05-01T15:00:00Z", "completed", [("P6", 1, "5500.00")]),
    ("O23-2", "C23", "2026-11-01T15:00:00Z", "completed", [("P6", 1, "5100.00")]),
    *[
        (f"O24-{m}", "C24", f"2026-{m:02d}-15T15:00:00Z", "completed", [("P6", 1, "3000.00")])
        for m in range(8, 12)
    ],
]


def _total(lines: Sequence[tuple[str, int, str]]) -> str:
    return str(sum((Decimal(price) * quantity for _, quantity, price in lines), Decimal("0")))


ORDERS = [
    f"{oid},{cid},{at},{_total(lines)},USD,{status}" for oid, cid, at, status, lines in _ORDERS
]
ORDER_ITEMS = [
    f"{oid},{product},{quantity},{price}"
    for oid, _, _, _, lines in _ORDERS
    for product, quantity, price in lines
]
RETURNS = [
    "O10-1,P3,2026-09-10T15:00:00Z,fit,too short",
    "O11-1,P3,2026-10-15T15:00:00Z,fit,still too short",
    "O12-1,P3,2026-09-12T15:00:00Z,changed_mind,",
    "O13-1,P5,2026-09-15T15:00:00Z,quality,handle tore",
    "O23-1,P6,2026-05-10T15:00:00Z,changed_mind,",
]

FIXTURE = {
    "customers": CUSTOMERS,
    "products": PRODUCTS,
    "orders": ORDERS,
    "order_items": ORDER_ITEMS,
    "returns": RETURNS,
}

# Predicted CLV is the metrics' model output; the store pins it so tiers are hand-computed.
PINNED_CLV = {"C15": "3000.00", "C24": "9000.00", "C14": "2500.00", "C19": "700.00"}


def write_csvs(folder: Path, rows: Mapping[str, Sequence[str]]) -> Path:
    """Write one CSV per kind into `folder` (every kind, empty ones with a header only)."""
    folder.mkdir(parents=True, exist_ok=True)
    for kind, header in HEADERS.items():
        body = "\n".join([header, *rows.get(kind, [])]) + "\n"
        (folder / f"{kind}.csv").write_text(body, encoding="utf-8")
    return folder


def load_store(
    engine: Engine,
    folder: Path,
    rows: Mapping[str, Sequence[str]],
    as_of: date = AS_OF,
    clv: Mapping[str, str] | None = None,
) -> None:
    """Import `rows` as CSV files, refresh metrics as of `as_of`, pin CLV if given."""
    run_import(engine, write_csvs(folder, rows))
    with unit_of_work(engine) as session:
        refresh(session, as_of)
        if clv is not None:
            session.execute(delete(CustomerCLV))
            for external_id, value in clv.items():
                customer = session.scalars(
                    select(Customer.id).where(Customer.external_id == external_id)
                ).one()
                session.add(CustomerCLV(customer_id=customer, clv_12m=Decimal(value)))
