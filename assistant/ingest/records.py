"""Batches of records (the API, connectors) through the CSV import's own path.

A record is a JSON object whose fields are the CSV columns of its kind. Each value is
turned into the cell text a CSV would hold, and the records then go through the very code
a CSV file does: `validated_rows` (the columns' parsers), the staging table, the duplicate
and reference checks and the merge (upsert by external id). So a record and a CSV row with
the same data store the same rows.

Records sharing the same fields are staged together: a field a record leaves out is not
touched on update (as a column a file lacks), while `null` clears it (an empty cell).
Products giving `upgrade_product_id` are merged after those that do not, so an upgrade
may name a product of the same batch.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from assistant.ingest import staging
from assistant.ingest.checks import check_and_merge
from assistant.ingest.fields import FieldError
from assistant.ingest.headers import ColumnNames
from assistant.ingest.reader import ErrorLog, Layout, validated_rows
from assistant.ingest.specs import RECORD_KINDS, FileSpec, configured_specs
from assistant.metrics.pending import CUSTOMER_OF_STAGED_ROW
from assistant.models.base import utcnow
from assistant.models.customer import CUSTOMER_REVOCATION_SOURCES

MAX_RECORDS = 1000

_EVENT_CUSTOMERS = "SELECT c.id FROM {stage} s JOIN customers c ON c.external_id = s.customer_ref"


@dataclass(frozen=True)
class RecordError:
    """One reason one record (its 0-based `index` in the batch) was refused."""

    index: int
    field: str | None
    reason: str


@dataclass
class RecordsReport:
    """What happened to one batch of records."""

    kind: str
    received: int
    inserted: int = 0
    updated: int = 0
    rejected: int = 0
    errors: list[RecordError] = field(default_factory=list)
    # Our customers.id of every stored record's customer (changed or not), for triggers.
    customer_ids: set[int] = field(default_factory=set)
    consent_kept_off: int = 0
    forgotten_skipped: int = 0

    @property
    def unchanged(self) -> int:
        return self.received - self.rejected - self.inserted - self.updated - self.forgotten_skipped


class RecordsRejected(Exception):
    """`atomic` was set and some record was refused: nothing was stored."""

    def __init__(self, report: RecordsReport) -> None:
        super().__init__(f"{report.rejected} record(s) refused; nothing was stored")
        self.report = report


def ingest_records(
    session: Session,
    kind: str,
    records: Sequence[Mapping[str, object]],
    *,
    atomic: bool = False,
    consent_source: str = "import",
    consent_evidence: Mapping[str, Any] | None = None,
) -> RecordsReport:
    """Validate and upsert `records` of `kind` within `session`'s transaction.

    Valid records are stored even when others are refused, unless `atomic`: then any
    refusal rolls the batch back (a savepoint) and raises RecordsRejected. Consent
    changes record `consent_source` as their source; consent the customer withdrew with
    us is never switched back on. The session stays usable after RecordsRejected.
    """
    if kind not in RECORD_KINDS:
        raise ValueError(f"unknown record kind {kind!r} (one of: {', '.join(RECORD_KINDS)})")
    if consent_source in CUSTOMER_REVOCATION_SOURCES:
        raise ValueError(f"{consent_source!r} is the customer's own source, not an import's")
    spec = configured_specs()[kind]
    report = RecordsReport(kind=kind, received=len(records))
    errors = ErrorLog(kind, list_limit=2**62)
    groups = _group(spec, records, errors)
    connection = session.connection()
    savepoint = connection.begin_nested() if atomic else None
    now = utcnow()
    for present, rows in groups:
        staging.create_stage(connection, spec)
        staged = staging.load_stage(connection, spec, rows)
        counts, findings = check_and_merge(
            connection,
            spec,
            present,
            now,
            staged,
            consent_source=consent_source,
            consent_evidence=consent_evidence,
            bulk=False,
        )
        for finding in findings:
            errors.add(finding.line, finding.column, finding.reason)
        report.inserted += counts.inserted
        report.updated += counts.updated
        report.consent_kept_off += counts.consent_kept_off
        report.forgotten_skipped += counts.forgotten_skipped
        report.customer_ids |= _staged_customers(connection, kind)
        staging.drop_stage(connection, spec)
    report.errors = sorted(
        (RecordError(e.line, e.column, e.reason) for e in errors.listed),
        key=lambda e: e.index,
    )
    report.rejected = errors.rejected_rows
    if savepoint is not None:
        if report.rejected:
            savepoint.rollback()
            report.inserted = report.updated = report.consent_kept_off = 0
            report.forgotten_skipped = 0
            report.customer_ids = set()
            raise RecordsRejected(report)
        savepoint.commit()
    return report


def _group(
    spec: FileSpec, records: Sequence[Mapping[str, object]], errors: ErrorLog
) -> list[tuple[frozenset[str], list[tuple[object, ...]]]]:
    """Validated staging rows, grouped by the fields their records give (in batch order)."""
    names = ColumnNames(c.name for c in spec.columns)
    known = {c.name for c in spec.columns}
    json_columns = {c.name for c in spec.columns if c.type == "json"}
    cells_by_fields: dict[frozenset[str], list[tuple[int, dict[str, str], dict[str, str]]]] = {}
    for index, record in enumerate(records):
        converted = _cells(index, record, spec, names, known, json_columns, errors)
        if converted is not None:
            cells, attributes = converted
            cells_by_fields.setdefault(frozenset(cells), []).append((index, cells, attributes))
    validated: list[tuple[frozenset[str], tuple[object, ...]]] = []
    for fields, members in cells_by_fields.items():
        layout, rows = _layout(spec, fields, members)
        present = layout.present(spec)
        validated += [(present, row) for row in validated_rows(_Rows(rows), spec, layout, errors)]
    validated.sort(key=lambda item: cast(int, item[1][0]))
    grouped: dict[frozenset[str], list[tuple[object, ...]]] = {}
    seen: dict[tuple[object, ...], int] = {}
    key_at = _key_positions(spec)
    for present, row in validated:
        key = tuple(row[i] for i in key_at)
        index = cast(int, row[0])
        if all(part is not None for part in key):  # events without an id are always new
            if key in seen:
                shown = " / ".join(str(part) for part in key)
                errors.add(
                    index, _key_label(spec), f"duplicate '{shown}' (first at index {seen[key]})"
                )
                continue
            seen[key] = index
        grouped.setdefault(present, []).append(row)
    # Products that upgrade to another go last, so they can name one from this batch.
    return sorted(grouped.items(), key=lambda group: "upgrade_ref" in group[0])


def _key_positions(spec: FileSpec) -> list[int]:
    names = [name for name, _ in staging.stage_columns(spec)]
    return [names.index(k) for k in spec.key]


def _key_label(spec: FileSpec) -> str:
    return " + ".join(c.name for c in spec.columns if c.stage_name in spec.key)


def _cells(
    index: int,
    record: object,
    spec: FileSpec,
    names: ColumnNames,
    known: set[str],
    json_columns: set[str],
    errors: ErrorLog,
) -> tuple[dict[str, str], dict[str, str]] | None:
    """The record as CSV cells: (known columns, custom attributes); None when refused."""
    if not isinstance(record, Mapping):
        errors.add(index, None, "not a JSON object")
        return None
    cells: dict[str, str] = {}
    attributes: dict[str, str] = {}
    ok = True
    for name, value in record.items():
        name = str(name)
        if name not in known:
            meant = names.column(name) or names.suggestion(name)
            if meant is not None:
                errors.add(index, name, f"unknown field: did you mean {meant}?")
                ok = False
                continue
            if not spec.extra_columns_are_attributes:
                expected = ", ".join(c.name for c in spec.columns)
                errors.add(index, name, f"unknown field (fields: {expected})")
                ok = False
                continue
        try:
            cell = _cell(value, structured=name in json_columns)
        except FieldError as exc:
            errors.add(index, name, str(exc))
            ok = False
            continue
        if name in known:
            cells[name] = cell
        else:
            attributes[name] = cell
    if ok and not any(cell.strip() for cell in (*cells.values(), *attributes.values())):
        errors.add(index, None, "empty record")
        ok = False
    return (cells, attributes) if ok else None


def _cell(value: object, *, structured: bool) -> str:
    """The text a CSV cell holding `value` would have."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FieldError("not a finite number")
        return repr(value)
    if isinstance(value, str):
        _check_text(value)
        return value
    if structured and isinstance(value, dict | list):
        try:
            return json.dumps(value, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            raise FieldError("not a JSON value") from None
    raise FieldError("must be a string, number, boolean or null")


def _check_text(value: str) -> None:
    if "\x00" in value:
        raise FieldError("contains a NUL character")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise FieldError("not valid UTF-8 text") from None


def _layout(
    spec: FileSpec,
    fields: frozenset[str],
    members: list[tuple[int, dict[str, str], dict[str, str]]],
) -> tuple[Layout, list[tuple[int, list[str]]]]:
    """A CSV layout for records giving `fields`, and their rows (index, cells) in it."""
    columns = [c.name for c in spec.columns if c.name in fields]
    attribute_names = sorted({name for _, _, attrs in members for name in attrs})
    width = len(columns) + len(attribute_names)
    position = {name: i for i, name in enumerate(columns)}
    layout = Layout(
        indexes=tuple(position.get(c.name) for c in spec.columns),
        attributes=tuple((len(columns) + i, name) for i, name in enumerate(attribute_names)),
        width=width,
    )
    rows = [
        (
            index,
            [cells[name] for name in columns] + [attrs.get(name, "") for name in attribute_names],
        )
        for index, cells, attrs in members
    ]
    return layout, rows


class _Rows:
    """Record rows read like a CSV file's: `line_num` is the record's index."""

    def __init__(self, rows: list[tuple[int, list[str]]]) -> None:
        self._rows = iter(rows)
        self.line_num = 0
        self.error: str | None = None

    def __iter__(self) -> Iterator[list[str]]:
        return self

    def __next__(self) -> list[str]:
        self.line_num, row = next(self._rows)
        return row


def _staged_customers(connection: Connection, kind: str) -> set[int]:
    """Our ids of the customers of the rows left in `kind`'s staging table."""
    select = _EVENT_CUSTOMERS if kind == "events" else CUSTOMER_OF_STAGED_ROW.get(kind)
    if select is None:
        return set()
    sql = select.format(stage=staging.stage_table(kind))
    found: Any = connection.execute(text(f"SELECT DISTINCT changed.id FROM ({sql}) changed"))
    return {int(customer_id) for (customer_id,) in found}
