"""The demo store writer: file contract, determinism and the realism segments rely on."""

from __future__ import annotations

import csv
import datetime
import re
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import phonenumbers
import pytest
from email_validator import validate_email

from assistant.demo import catalog, generator
from assistant.demo.generator import HEADERS, DemoSummary, generate_store

AS_OF = datetime.date(2025, 3, 10)
NOW = datetime.datetime(2025, 3, 10, 23, 59, 59, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)
UTC_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
MONEY = re.compile(r"^\d+\.\d\d$")
CANADA = {
    "America/Toronto",
    "America/Vancouver",
    "America/Edmonton",
    "America/Halifax",
    "America/Winnipeg",
}
US = {
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Detroit",
    "America/Anchorage",
    "Pacific/Honolulu",
}
REGION = {z: "US" for z in US} | {z: "CA" for z in CANADA}
REGION |= {
    "Europe/London": "GB",
    "Europe/Dublin": "IE",
    "Europe/Berlin": "DE",
    "Europe/Paris": "FR",
    "Europe/Amsterdam": "NL",
    "Europe/Madrid": "ES",
    "Australia/Sydney": "AU",
    "Australia/Melbourne": "AU",
    "Australia/Brisbane": "AU",
    "Australia/Perth": "AU",
    "Pacific/Auckland": "NZ",
    "Asia/Tokyo": "JP",
    "America/Sao_Paulo": "BR",
    "America/Mexico_City": "MX",
    "Asia/Singapore": "SG",
}


def ts(text: str) -> datetime.datetime:
    assert UTC_Z.match(text), text
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Store:
    summary: DemoSummary
    rows: dict[str, list[dict[str, str]]]
    progress: list[tuple[str, int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.products = {p["product_id"]: p for p in self.rows["products"]}
        self.orders = {o["order_id"]: o for o in self.rows["orders"]}
        self.lines = defaultdict(list)
        for line in self.rows["order_items"]:
            self.lines[line["order_id"]].append(line)
        self.completed = [o for o in self.rows["orders"] if o["status"] == "completed"]

    @property
    def customers(self) -> list[dict[str, str]]:
        return self.rows["customers"]


def load(summary: DemoSummary) -> Store:
    rows = {}
    for kind, path in summary.files.items():
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            assert header == HEADERS[kind].split(","), kind
            body = list(reader)
        assert all(len(r) == len(header) for r in body), f"ragged rows in {kind}"
        rows[kind] = [dict(zip(header, r, strict=True)) for r in body]
    return Store(summary, rows)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    out = tmp_path_factory.mktemp("demo") / "nested" / "store"  # parents are created
    return load(generate_store(out, customers=5000, seed=7, as_of=AS_OF))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """2,000 customers written in chunks of 700, so ids and phones must continue across chunks."""
    progress: list[tuple[str, int, int]] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(generator, "CHUNK", 700)
        summary = generate_store(
            tmp_path_factory.mktemp("small"),
            customers=2000,
            seed=3,
            as_of=AS_OF,
            on_progress=lambda *call: progress.append(call),
        )
    loaded = load(summary)
    loaded.progress = progress
    return loaded


def share(flags: list[bool]) -> float:
    return sum(flags) / len(flags)


@pytest.mark.parametrize("customers", [0, -5])
def test_rejects_fewer_than_one_customer(tmp_path: Path, customers: int) -> None:
    with pytest.raises(ValueError, match="customers must be at least 1"):
        generate_store(tmp_path, customers=customers, seed=1, as_of=AS_OF)


def test_rejects_negative_seed(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="seed"):
        generate_store(tmp_path, customers=10, seed=-1, as_of=AS_OF)


def test_same_inputs_give_byte_identical_files(tmp_path: Path) -> None:
    def run(name: str, seed: int) -> dict[str, bytes]:
        summary = generate_store(tmp_path / name, customers=1500, seed=seed, as_of=AS_OF)
        return {kind: path.read_bytes() for kind, path in summary.files.items()}

    first = run("a", 11)
    assert run("b", 11) == first
    other = run("c", 12)
    assert other["customers"] != first["customers"]
    assert other["products"] == first["products"]  # the catalogue depends on as_of only


def test_summary_counts_match_files(store: Store) -> None:
    s = store.summary
    assert set(s.files) == {"customers", "products", "orders", "order_items", "returns"}
    assert all(p.parent == s.out_dir and p.name == f"{k}.csv" for k, p in s.files.items())
    assert s.customers == len(store.customers) == 5000
    assert s.products == len(store.rows["products"])
    assert s.orders == len(store.rows["orders"])
    assert s.order_items == len(store.rows["order_items"])
    assert s.returns == len(store.rows["returns"])


def test_chunks_continue_ids_and_report_progress(small: Store) -> None:
    assert small.progress == [
        ("products", len(catalog.PRODUCTS), len(catalog.PRODUCTS)),
        ("customers", 700, 2000),
        ("customers", 1400, 2000),
        ("customers", 2000, 2000),
    ]
    ids = [c["customer_id"] for c in small.customers]
    assert ids == [f"C{i:07d}" for i in range(1, 2001)]
    order_ids = [o["order_id"] for o in small.rows["orders"]]
    assert order_ids == [f"O{i:08d}" for i in range(1, len(order_ids) + 1)]


def test_every_phone_is_valid_e164_for_the_customers_country(small: Store) -> None:
    assert set(REGION) == {z.name for z in catalog.ZONES}
    phones = [c["phone"] for c in small.customers if c["phone"]]
    for c in small.customers:
        if c["phone"]:
            number = phonenumbers.parse(c["phone"])
            assert phonenumbers.is_valid_number(number), c["phone"]
            assert phonenumbers.region_code_for_number(number) == REGION[c["timezone"]]
            assert (
                phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                == (c["phone"])
            )
    assert len(set(phones)) == len(phones)
    assert 0.05 < 1 - len(phones) / len(small.customers) < 0.11


def test_phone_prefixes_cannot_collide_across_zones() -> None:
    by_country: defaultdict[str, list[tuple[str, int]]] = defaultdict(list)
    for zone in catalog.ZONES:
        by_country[zone.country_code] += [(p, zone.digits) for p in zone.prefixes]
    for plans in by_country.values():
        for a, da in plans:
            for b, db in plans:
                assert (a, da) == (b, db) or not (a.startswith(b) or b.startswith(a))


def test_emails_are_valid_and_unique(small: Store) -> None:
    emails = [c["email"] for c in small.customers if c["email"]]
    for email in emails:
        assert validate_email(email, check_deliverability=False).normalized == email
    assert len(set(emails)) == len(emails)
    assert 0.005 < 1 - len(emails) / len(small.customers) < 0.04


def test_time_zones_are_iana_and_mostly_but_not_only_us(store: Store) -> None:
    zones = Counter(c["timezone"] for c in store.customers)
    assert set(zones) <= zoneinfo.available_timezones()
    assert len(zones) >= 20
    non_us = sum(n for z, n in zones.items() if z not in US) / len(store.customers)
    assert 0.15 < non_us < 0.4


def test_consent_shares(store: Store) -> None:
    for column in ("sms_consent", "email_consent"):
        assert {c[column] for c in store.customers} == {"true", "false"}
    assert 0.31 < share([c["sms_consent"] == "false" for c in store.customers]) < 0.39
    assert 0.12 < share([c["email_consent"] == "false" for c in store.customers]) < 0.18


def test_customer_columns(store: Store) -> None:
    ids = [c["customer_id"] for c in store.customers]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"C\d{7}", i) for i in ids)
    first_order: dict[str, datetime.datetime] = {}
    for o in store.rows["orders"]:
        t = ts(o["ordered_at"])
        first_order[o["customer_id"]] = min(t, first_order.get(o["customer_id"], t))
    for c in store.customers:
        assert c["first_name"] and c["last_name"]
        created = ts(c["created_at"])
        assert created <= first_order.get(c["customer_id"], NOW)
        if c["birthday"]:
            born = datetime.date.fromisoformat(c["birthday"])
            assert 17 <= (AS_OF - born).days / 365.25 <= 81
        assert c["preferred_size"] in {"", *catalog.SIZES}
    assert 0.25 < share([bool(c["birthday"]) for c in store.customers]) < 0.45
    assert 0.2 < share([bool(c["preferred_size"]) for c in store.customers]) < 0.4


def test_product_catalogue(store: Store) -> None:
    products = store.rows["products"]
    assert 60 <= len(products) <= 150
    position = {p["product_id"]: i for i, p in enumerate(products)}
    assert all(re.fullmatch(r"P\d{4}", p) for p in position) and len(position) == len(products)
    assert {p["category"] for p in products} == {"consumables", "equipment", "apparel"}
    assert all(MONEY.match(p["price"]) and Decimal(p["price"]) > 0 for p in products)
    upgrades = [p for p in products if p["upgrade_product_id"]]
    assert all(p["upgrade_product_id"] in position for p in upgrades)
    assert all(p["upgrade_product_id"] != p["product_id"] for p in upgrades)
    assert sum(p["category"] == "consumables" for p in upgrades) >= 5
    assert any(position[p["upgrade_product_id"]] > position[p["product_id"]] for p in upgrades)
    relaunched = [p for p in products if p["relaunched_at"]]
    assert Counter(p["category"] for p in relaunched)["apparel"] >= 2
    assert Counter(p["category"] for p in relaunched)["equipment"] >= 2
    for p in relaunched:
        assert 0 < (AS_OF - datetime.date.fromisoformat(p["relaunched_at"])).days <= 120
        assert len(p["improvement_note"]) > 15
    assert all(not p["improvement_note"] for p in products if not p["relaunched_at"])


def test_orders_lines_and_totals(store: Store) -> None:
    customers = {c["customer_id"] for c in store.customers}
    assert len(store.orders) == len(store.rows["orders"])
    for o in store.rows["orders"]:
        assert re.fullmatch(r"O\d{8}", o["order_id"]) and o["customer_id"] in customers
        assert o["currency"] == "USD" and MONEY.match(o["total"])
        lines = store.lines[o["order_id"]]
        assert lines and len({line["product_id"] for line in lines}) == len(lines)
        total = sum(Decimal(line["unit_price"]) * int(line["quantity"]) for line in lines)
        assert Decimal(o["total"]) == total
    for line in store.rows["order_items"]:
        assert line["order_id"] in store.orders and MONEY.match(line["unit_price"])
        list_price = Decimal(store.products[line["product_id"]]["price"])
        assert list_price * Decimal("0.79") <= Decimal(line["unit_price"]) <= list_price
    quantities = Counter(int(line["quantity"]) for line in store.rows["order_items"])
    assert set(quantities) == {1, 2, 3} and quantities[1] > 0.6 * quantities.total()
    assert 2.2 < len(store.rows["order_items"]) / len(store.orders) < 2.8
    status = Counter(o["status"] for o in store.rows["orders"])
    assert 0.94 < status["completed"] / len(store.orders) < 0.98
    assert 0.02 < status["cancelled"] / len(store.orders) < 0.04
    assert 0.005 < status["refunded"] / len(store.orders) < 0.02


def test_order_times_span_four_years_up_to_as_of(store: Store) -> None:
    times = [ts(o["ordered_at"]) for o in store.rows["orders"]]
    assert max(times) <= NOW
    assert min(times) >= NOW - 4 * 366 * DAY
    years = Counter(int((NOW - t) / (365 * DAY)) for t in times)
    # A growing store: every year has orders, the latest the most.
    assert all(years[y] > 0.05 * len(times) for y in range(4))
    assert years[0] > years[1] > years[2] > years[3]


def test_frequency_is_long_tailed_with_a_loyal_minority(store: Store) -> None:
    n = len(store.customers)
    counts = Counter(o["customer_id"] for o in store.rows["orders"])
    per_customer = [counts[c["customer_id"]] for c in store.customers]
    assert 0.015 < share([k == 0 for k in per_customer]) < 0.05
    assert 0.42 < share([k == 1 for k in per_customer]) < 0.58
    assert 3.5 < len(store.orders) / n < 4.7
    spend: defaultdict[str, Decimal] = defaultdict(Decimal)
    completed: Counter[str] = Counter()
    first: dict[str, datetime.datetime] = {}
    for o in store.completed:
        c, t = o["customer_id"], ts(o["ordered_at"])
        spend[c] += Decimal(o["total"])
        completed[c] += 1
        first[c] = min(t, first.get(c, t))
    loyal = [c for c in first if (completed[c] >= 10 or spend[c] >= 5000)]
    loyal_tenured = [c for c in loyal if NOW - first[c] >= 730 * DAY]
    assert 0.02 < len(loyal_tenured) / n < 0.1
    assert 0.003 < sum(s >= 5000 for s in spend.values()) / n < 0.03


def test_recent_buyers(store: Store) -> None:
    last: dict[str, datetime.datetime] = {}
    for o in store.completed:
        t = ts(o["ordered_at"])
        last[o["customer_id"]] = max(t, last.get(o["customer_id"], t))
    n = len(store.customers)
    within = {d: sum(NOW - t < d * DAY for t in last.values()) / n for d in (7, 14, 30)}
    assert 0.015 < within[7] < 0.08
    assert within[7] < within[14] < within[30] < 0.25


def test_product_fans_reorder_an_upgradeable_consumable(store: Store) -> None:
    orders_with: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for o in store.completed:
        if NOW - ts(o["ordered_at"]) < 90 * DAY:
            for line in store.lines[o["order_id"]]:
                p = store.products[line["product_id"]]
                if p["category"] == "consumables" and p["upgrade_product_id"]:
                    orders_with[o["customer_id"], p["product_id"]].add(o["order_id"])
    fans = {c for (c, _), orders in orders_with.items() if len(orders) >= 3}
    assert 0.007 < len(fans) / len(store.customers) < 0.03


def test_returns_reference_completed_lines(store: Store) -> None:
    returns = store.rows["returns"]
    keys = {(r["order_id"], r["product_id"]) for r in returns}
    assert len(keys) == len(returns)
    for r in returns:
        order = store.orders[r["order_id"]]
        assert order["status"] == "completed"
        assert r["product_id"] in {line["product_id"] for line in store.lines[r["order_id"]]}
        delay = ts(r["returned_at"]) - ts(order["ordered_at"])
        assert 3 * DAY <= delay <= 30 * DAY and ts(r["returned_at"]) <= NOW
        assert r["reason_code"] in catalog.REASONS
    assert 0.02 < len(returns) / len(store.rows["order_items"]) < 0.04
    assert 0.2 < share([bool(r["note"]) for r in returns]) < 0.7
    by_kind = Counter(
        (store.products[r["product_id"]]["category"], r["reason_code"]) for r in returns
    )
    assert by_kind["apparel", "fit"] + by_kind["apparel", "sizing"] > by_kind["apparel", "quality"]
    assert by_kind["consumables", "fit"] == by_kind["consumables", "sizing"] == 0


def test_some_customers_returned_a_product_before_its_relaunch(store: Store) -> None:
    returners = set()
    for r in store.rows["returns"]:
        relaunched = store.products[r["product_id"]]["relaunched_at"]
        if (
            relaunched
            and r["reason_code"] in {"fit", "sizing", "quality"}
            and ts(r["returned_at"]).date() < datetime.date.fromisoformat(relaunched)
        ):
            returners.add(store.orders[r["order_id"]]["customer_id"])
    assert 0.005 < len(returners) / len(store.customers) < 0.02
