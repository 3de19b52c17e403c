"""Write a realistic, deterministic synthetic store as the five import CSVs."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from assistant.demo import catalog
from assistant.demo.behaviour import (
    STATUS,
    Catalog,
    Clock,
    Lines,
    Orders,
    People,
    Returns,
    draw_created_at,
    draw_lines,
    draw_orders,
    draw_people,
    draw_returns,
)
from assistant.demo.identity import Identity, draw_identity

# Chunks bound memory and fix the random streams: output depends on (customers, seed, as_of).
CHUNK = 50_000

HEADERS = {
    "customers": "customer_id,first_name,last_name,email,phone,timezone,created_at,"
    "sms_consent,email_consent,birthday,preferred_size",
    "products": "product_id,name,short_name,category,price,relaunched_at,improvement_note,"
    "upgrade_product_id",
    "orders": "order_id,customer_id,ordered_at,total,currency,status",
    "order_items": "order_id,product_id,quantity,unit_price",
    "returns": "order_id,product_id,returned_at,reason_code,note",
}
_BOOL = ("false", "true")


@dataclass(frozen=True)
class DemoSummary:
    """What generate_store wrote: row counts per file and the file paths."""

    out_dir: Path
    customers: int
    products: int
    orders: int
    order_items: int
    returns: int
    files: dict[str, Path]


def generate_store(
    out_dir: Path,
    *,
    customers: int,
    seed: int,
    as_of: datetime.date,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> DemoSummary:
    """Write customers, products, orders, order_items and returns CSVs into out_dir."""
    if customers < 1:
        raise ValueError(f"customers must be at least 1, got {customers}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {kind: out_dir / f"{kind}.csv" for kind in HEADERS}
    cat = Catalog.build(as_of)
    clock = Clock.build(as_of)
    _write_products(files["products"], as_of)
    if on_progress:
        on_progress("products", len(catalog.PRODUCTS), len(catalog.PRODUCTS))

    counts = dict.fromkeys(("orders", "order_items", "returns"), 0)
    streamed = ("customers", "orders", "order_items", "returns")
    outs = {kind: files[kind].open("w", encoding="utf-8", newline="") for kind in streamed}
    try:
        for kind, out in outs.items():
            out.write(HEADERS[kind] + "\n")
        # One phone-number offset per zone for the whole file keeps numbers unique across chunks.
        phone_offsets = np.random.Generator(np.random.PCG64(seed)).integers(
            0, 10**9, size=len(catalog.ZONES)
        )
        for index, first in enumerate(range(0, customers, CHUNK)):
            rng = np.random.Generator(
                np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(index,)))
            )
            people = draw_people(rng, first, min(CHUNK, customers - first), cat)
            orders = draw_orders(rng, people, clock)
            lines = draw_lines(rng, people, orders, cat)
            returns = draw_returns(rng, orders, lines, cat, clock)
            created = draw_created_at(rng, people, orders, clock)
            who = draw_identity(rng, people, as_of, phone_offsets)
            _write_customers(outs["customers"], people, created, who)
            first_order_id = counts["orders"] + 1
            _write_orders(outs["orders"], orders, lines, people.index, first_order_id)
            _write_lines(outs["order_items"], lines, cat, first_order_id)
            _write_returns(outs["returns"], returns, lines, first_order_id)
            counts["orders"] += len(orders.customer)
            counts["order_items"] += len(lines.order)
            counts["returns"] += len(returns.line)
            if on_progress:
                on_progress("customers", first + people.count, customers)
    finally:
        for out in outs.values():
            out.close()
    return DemoSummary(
        out_dir=out_dir,
        customers=customers,
        products=len(catalog.PRODUCTS),
        files=files,
        **counts,
    )


def _write_rows(out: IO[str], template: str, rows: Iterable[tuple[object, ...]]) -> None:
    # One %-format per row over pre-converted Python values is the fastest pure-Python route.
    text = "\n".join(map(template.__mod__, rows))
    if text:
        out.write(text + "\n")


def _iso(seconds: np.ndarray) -> list[str]:
    """UTC epoch seconds -> 'YYYY-MM-DDTHH:MM:SS' strings (the caller appends 'Z')."""
    text: list[str] = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s").tolist()
    return text


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _write_products(path: Path, as_of: datetime.date) -> None:
    ids = {p.name: f"P{i + 1:04d}" for i, p in enumerate(catalog.PRODUCTS)}
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADERS["products"].split(","))
        for p in catalog.PRODUCTS:
            relaunched = ""
            if p.relaunch_days_ago:
                relaunched = (as_of - datetime.timedelta(days=p.relaunch_days_ago)).isoformat()
            writer.writerow(
                [
                    ids[p.name],
                    p.name,
                    catalog.SHORT_NAMES.get(p.name, ""),
                    catalog.KIND_NAMES[p.kind],
                    _money(p.price_cents),
                    relaunched,
                    p.improvement_note,
                    ids[p.upgrade_to] if p.upgrade_to else "",
                ]
            )


def _write_customers(out: IO[str], people: People, created: np.ndarray, who: Identity) -> None:
    _write_rows(
        out,
        "C%07d,%s,%s,%s,%s,%s,%sZ,%s,%s,%s,%s",
        zip(
            (people.index + 1).tolist(),
            who.first_name,
            who.last_name,
            who.email,
            who.phone,
            [catalog.ZONES[z].name for z in people.zone.tolist()],
            _iso(created),
            [_BOOL[b] for b in people.sms_consent.tolist()],
            [_BOOL[b] for b in people.email_consent.tolist()],
            who.birthday,
            who.preferred_size,
            strict=True,
        ),
    )


def _write_orders(
    out: IO[str], orders: Orders, lines: Lines, customer_index: np.ndarray, first_id: int
) -> None:
    dollars, cents = np.divmod(lines.order_totals(len(orders.customer)), 100)
    _write_rows(
        out,
        "O%08d,C%07d,%sZ,%d.%02d,USD,%s",
        zip(
            range(first_id, first_id + len(orders.customer)),
            (customer_index[orders.customer] + 1).tolist(),
            _iso(orders.at),
            dollars.tolist(),
            cents.tolist(),
            [STATUS[s] for s in orders.status.tolist()],
            strict=True,
        ),
    )


def _write_lines(out: IO[str], lines: Lines, cat: Catalog, first_id: int) -> None:
    prices = cat.price_text[lines.product, lines.discount].tolist()
    _write_rows(
        out,
        "O%08d,P%04d,%d,%s",
        zip(
            (lines.order + first_id).tolist(),
            (lines.product + 1).tolist(),
            lines.quantity.tolist(),
            prices,
            strict=True,
        ),
    )


def _write_returns(out: IO[str], returns: Returns, lines: Lines, first_id: int) -> None:
    _write_rows(
        out,
        "O%08d,P%04d,%sZ,%s,%s",
        zip(
            (lines.order[returns.line] + first_id).tolist(),
            (lines.product[returns.line] + 1).tolist(),
            _iso(returns.at),
            [catalog.REASONS[r] for r in returns.reason.tolist()],
            returns.note,
            strict=True,
        ),
    )
