"""What each CSV kind looks like: its columns, how each cell is parsed, its key.

The column names are a published contract (README.md, "Importing your data").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from assistant.config import get_settings
from assistant.ingest import fields
from assistant.models.order import ORDER_STATUSES

# Staging column types: text, int, bool, ts (naive-UTC ISO text), num (money), json (a JSON
# object as canonical text; the one type a record may give as an object, not a scalar).
ColumnType = str


@dataclass(frozen=True)
class Column:
    """One CSV column and the staging column it lands in."""

    name: str
    parse: Callable[[str], object]
    type: ColumnType = "text"
    required: bool = False
    stage: str = ""

    @property
    def stage_name(self) -> str:
        return self.stage or self.name


@dataclass(frozen=True)
class FileSpec:
    """One kind of import file."""

    kind: str
    columns: tuple[Column, ...]
    # Staging columns that identify a row within the file (duplicates are refused).
    key: tuple[str, ...]
    # customers.csv only: unknown columns become custom attributes.
    extra_columns_are_attributes: bool = False
    # Row checks cost far more than reading (email, phone): validate in worker processes.
    costly_checks: bool = False

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


# Files import in this order so that references resolve against what came before.
KIND_ORDER = ("products", "customers", "orders", "order_items", "returns")
# Kinds a batch of records (the API) may hold: the files' and behavioural events.
RECORD_KINDS = (*KIND_ORDER, "events")


def file_specs(
    *, default_region: str, default_currency: str, brand_zone: str
) -> dict[str, FileSpec]:
    """Every import kind, with parsers bound to the brand's defaults."""
    text = fields.text
    timestamp = partial(fields.timestamp, date_zone=brand_zone)
    return {
        "products": FileSpec(
            kind="products",
            key=("external_id",),
            columns=(
                Column("product_id", fields.identifier, required=True, stage="external_id"),
                Column("name", _required(partial(text, max_length=200)), required=True),
                Column("short_name", partial(text, max_length=80)),
                Column("category", partial(text, max_length=100)),
                Column("price", fields.money, type="num"),
                Column("relaunched_at", timestamp, type="ts"),
                Column("improvement_note", partial(text, max_length=2000)),
                Column("upgrade_product_id", partial(text, max_length=64), stage="upgrade_ref"),
            ),
        ),
        "customers": FileSpec(
            kind="customers",
            key=("external_id",),
            extra_columns_are_attributes=True,
            costly_checks=True,
            columns=(
                Column("customer_id", fields.identifier, required=True, stage="external_id"),
                Column("first_name", partial(text, max_length=100)),
                Column("last_name", partial(text, max_length=100)),
                Column("email", fields.email),
                Column("phone", partial(fields.phone, default_region=default_region)),
                Column("timezone", fields.timezone),
                Column("created_at", timestamp, type="ts", stage="customer_since"),
                Column("sms_consent", fields.boolean, type="bool"),
                Column("email_consent", fields.boolean, type="bool"),
                # When the consent was given or withdrawn (else the import's time).
                Column("sms_consent_at", timestamp, type="ts"),
                Column("email_consent_at", timestamp, type="ts"),
                # Consent to AI-drafted messages, for the phone and email of the row.
                Column("ai_consent", fields.boolean, type="bool"),
            ),
        ),
        "orders": FileSpec(
            kind="orders",
            key=("external_id",),
            columns=(
                Column("order_id", fields.identifier, required=True, stage="external_id"),
                Column("customer_id", fields.identifier, required=True, stage="customer_ref"),
                Column("ordered_at", _required(timestamp), type="ts", required=True),
                Column("total", _required(fields.money), type="num", required=True),
                Column("currency", partial(fields.currency, default=default_currency)),
                Column("status", _status),
            ),
        ),
        "order_items": FileSpec(
            kind="order_items",
            key=("order_ref", "product_ref"),
            columns=(
                Column("order_id", fields.identifier, required=True, stage="order_ref"),
                Column("product_id", fields.identifier, required=True, stage="product_ref"),
                Column("quantity", fields.quantity, type="int"),
                Column("unit_price", fields.money, type="num"),
            ),
        ),
        "returns": FileSpec(
            kind="returns",
            key=("order_ref", "product_ref", "returned_at"),
            columns=(
                Column("order_id", fields.identifier, required=True, stage="order_ref"),
                Column("product_id", fields.identifier, required=True, stage="product_ref"),
                Column("returned_at", _required(timestamp), type="ts", required=True),
                Column("reason_code", fields.slug),
                Column("note", partial(text, max_length=2000)),
            ),
        ),
        # Records only (the API, connectors): behavioural events for segments.
        "events": FileSpec(
            kind="events",
            key=("external_id",),
            columns=(
                Column("event_id", partial(text, max_length=64), stage="external_id"),
                Column("customer_id", fields.identifier, required=True, stage="customer_ref"),
                Column("kind", _required(partial(fields.slug, max_length=64)), required=True),
                Column("occurred_at", _required(timestamp), type="ts", required=True),
                Column("product_id", partial(text, max_length=64), stage="product_ref"),
                Column("properties", fields.json_object, type="json"),
            ),
        ),
    }


def configured_specs() -> dict[str, FileSpec]:
    """Every kind's spec with the configured brand's defaults (region, currency, zone)."""
    settings = get_settings().app
    return file_specs(
        default_region=settings.default_phone_region,
        default_currency=settings.default_currency,
        brand_zone=settings.brand_timezone,
    )


def _required(parse: Callable[[str], object | None]) -> Callable[[str], object]:
    def parse_required(value: str) -> object:
        parsed = parse(value)
        if parsed is None:
            raise fields.FieldError("required")
        return parsed

    return parse_required


_STATUS_ALIASES = {"canceled": "cancelled", "complete": "completed", "fulfilled": "completed"}
_STATUSES = frozenset(ORDER_STATUSES)


def _status(value: str) -> str:
    value = value.strip().lower()
    if not value:
        return "completed"
    value = _STATUS_ALIASES.get(value, value)
    if value not in _STATUSES:
        raise fields.FieldError(f"unknown order status (one of: {', '.join(sorted(_STATUSES))})")
    return value


def kind_of(filename: str) -> str | None:
    """The import kind a file name stands for: `orders.csv`, `orders_2024-06.csv`, ..."""
    stem = filename.lower()
    if not stem.endswith(".csv") or stem.endswith(".rejects.csv"):
        return None
    stem = stem[: -len(".csv")]
    # Longest first, so order_items_*.csv is never taken for orders.
    for kind in sorted(KIND_ORDER, key=len, reverse=True):
        if stem == kind or (stem.startswith(kind) and stem[len(kind)] in "_-. "):
            return kind
    return None
