"""PostgreSQL fast path: `COPY` a file as text, validate and convert it in set-based SQL.

The Python validator (`reader.validated_rows`) costs a few microseconds per cell; on files
of millions of order lines that is most of an import. Here the file's bytes go straight
into a temporary text table with `COPY`, and one SQL pass checks every cell against strict
rules that accept only the ordinary forms (`O123`, `2025-05-22T21:48:28Z`, `12.50`, `USD`),
whose conversion is the same as the Python parser's. The converted rows fill the same
staging table the Python path fills, so duplicate and reference checks and the merge are
shared.

The rules never judge a row bad: a row they do not accept, or anything unusual about the
file (a quote, a carriage return, a blank line, a byte that is not UTF-8, a row of the
wrong width), makes `stage_by_copy` return None after rolling back to its savepoint, and
the caller stages the file through the Python validator, which names each bad line with
the usual reason. So results and messages are the Python path's, only faster.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from assistant.ingest import staging
from assistant.ingest.reader import Layout
from assistant.ingest.specs import FileSpec
from assistant.models.order import ORDER_STATUSES

CHUNK_BYTES = 1 << 20
RAW_TABLE = "import_raw_text"

# Regular expressions as they appear in rule templates (braces doubled for str.format).
# Printable ASCII without leading or trailing spaces (a bounded repeat is far slower).
_ASCII_TRIMMED = "^[!-~]([ -~]*[!-~])?$"
_DATE = r"(19|20|21)[0-9]{{2}}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{{1,6}})?"
_OFFSET = r"(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])"  # PostgreSQL takes up to 15:59
# Printable ASCII and Latin letters (all printable to Python), trimmed; for free text.
_LATIN_TRIMMED = "^[!-~\u00c0-\u024f]([ -~\u00c0-\u024f]*[!-~\u00c0-\u024f])?$"
_STATUS_ALIASES = {"canceled": "cancelled", "complete": "completed", "fulfilled": "completed"}


@dataclass(frozen=True)
class Rule:
    """How one column is checked (`ok`) and converted (`value`) in SQL; `{c}` is the cell."""

    ok: str
    value: str


def _identifier() -> Rule:
    return Rule(f"({{c}} ~ '{_ASCII_TRIMMED}' AND length({{c}}) <= 64)", "{c}")


def _timestamp(*, required: bool) -> Rule:
    # Days 29 to 31 only where the month has them (the cast is of a well-formed month).
    valid_day = (
        "(substr({c}, 9, 2) < '29' OR substr({c}, 9, 2)::int <= extract(day from "
        "(substr({c}, 1, 8) || '01')::date + interval '1 month' - interval '1 day'))"
    )
    # The usual export form (`2025-05-22T21:48:28Z`) is checked by printing back what
    # PostgreSQL read, a third of the cost of the patterns: a value it cannot read stops
    # the statement (so the file goes to Python), one it reads otherwise (24:00, a leap
    # second) does not print back the same. CASE, not AND: the day check's casts must
    # never meet a cell the patterns refused.
    ok = (
        "CASE WHEN length({c}) = 20 AND substr({c}, 11, 1) = 'T' AND right({c}, 1) = 'Z' "
        """THEN {c} = to_char({c}::timestamp, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') """
        f"WHEN {{c}} ~ '^{_DATE}[T ]{_TIME}{_OFFSET}?$' OR {{c}} ~ '^{_DATE}$' "
        f"THEN {valid_day} ELSE false END"
    )
    if not required:
        ok = f"({{c}} IS NULL OR {ok})"
    value = (
        "CASE WHEN {c} IS NULL THEN NULL "
        "WHEN length({c}) = 10 THEN ({c}::date + time '12:00') AT TIME ZONE %(brand_zone)s "
        "WHEN right({c}, 1) = 'Z' THEN {c}::timestamptz "
        f"WHEN {{c}} ~ '{_OFFSET}$' THEN {{c}}::timestamptz "
        "ELSE {c}::timestamp AT TIME ZONE 'UTC' END"
    )
    return Rule(ok, value)


def _money(*, required: bool) -> Rule:
    ok = "{c} ~ '^[0-9]{{1,10}}(\\.[0-9]{{1,2}})?$'"
    return Rule(ok if required else f"({{c}} IS NULL OR {ok})", "{c}::numeric(12, 2)")


_QUANTITY = Rule(
    "({c} IS NULL OR CASE WHEN {c} ~ '^[0-9]{{1,7}}$' "
    "THEN {c}::int BETWEEN 1 AND 1000000 ELSE false END)",
    "COALESCE({c}::bigint, 1)",
)
_CURRENCY = Rule("({c} IS NULL OR {c} ~ '^[A-Za-z]{{3}}$')", "COALESCE(upper({c}), %(currency)s)")
_SLUG = Rule("({c} IS NULL OR {c} ~ '^[A-Za-z0-9][A-Za-z0-9_-]{{0,31}}$')", "lower({c})")
_NOTE = Rule(f"({{c}} IS NULL OR ({{c}} ~ '{_LATIN_TRIMMED}' AND length({{c}}) <= 2000))", "{c}")


def _status() -> Rule:
    known = {**{s: s for s in ORDER_STATUSES}, **_STATUS_ALIASES}
    listed = ", ".join(f"'{name}'" for name in sorted(known))
    cases = " ".join(f"WHEN '{name}' THEN '{status}'" for name, status in sorted(known.items()))
    return Rule(
        f"({{c}} IS NULL OR ({{c}} ~ '^[A-Za-z]+$' AND lower({{c}}) IN ({listed})))",
        f"CASE lower(COALESCE({{c}}, 'completed')) {cases} END",
    )


# The kinds whose every column has a rule, by CSV column name.
RULES: dict[str, dict[str, Rule]] = {
    "orders": {
        "order_id": _identifier(),
        "customer_id": _identifier(),
        "ordered_at": _timestamp(required=True),
        "total": _money(required=True),
        "currency": _CURRENCY,
        "status": _status(),
    },
    "order_items": {
        "order_id": _identifier(),
        "product_id": _identifier(),
        "quantity": _QUANTITY,
        "unit_price": _money(required=False),
    },
    "returns": {
        "order_id": _identifier(),
        "product_id": _identifier(),
        "returned_at": _timestamp(required=True),
        "reason_code": _SLUG,
        "note": _NOTE,
    },
}


class _Declined(Exception):
    """Something about the file the fast path does not handle: use the Python path."""


def stage_by_copy(
    connection: Connection,
    spec: FileSpec,
    path: Path,
    delimiter: str,
    layout: Layout,
    *,
    brand_zone: str,
    default_currency: str,
    on_bytes: Any = None,
) -> int | None:
    """Fill `spec`'s staging table from `path`; the row count, or None to use the Python path.

    On None nothing it did remains (its savepoint is rolled back).
    """
    rules = RULES.get(spec.kind)
    if (
        connection.dialect.name != "postgresql"
        or rules is None
        or spec.extra_columns_are_attributes
    ):
        return None
    savepoint = connection.begin_nested()
    try:
        staged = _stage(connection, spec, path, delimiter, layout, on_bytes)
        params = {"brand_zone": brand_zone, "currency": default_currency}
        if _convert(connection, spec, layout, rules, params) != staged:
            raise _Declined  # some row broke a rule
    except (_Declined, DBAPIError, psycopg.Error):
        savepoint.rollback()
        return None
    savepoint.commit()
    return staged


def _stage(
    connection: Connection,
    spec: FileSpec,
    path: Path,
    delimiter: str,
    layout: Layout,
    on_bytes: Any,
) -> int:
    cells = ", ".join(f"c{i} TEXT" for i in range(layout.width))
    connection.execute(text(f"DROP TABLE IF EXISTS {RAW_TABLE}"))
    connection.execute(
        text(f"CREATE TEMPORARY TABLE {RAW_TABLE} (line BIGSERIAL, {cells}) ON COMMIT DROP")
    )
    raw: Any = connection.connection.driver_connection
    names = ", ".join(f"c{i}" for i in range(layout.width))
    options = f"FORMAT csv, DELIMITER '{delimiter}', ENCODING 'UTF8'"
    lines = 0
    with path.open("rb") as source, raw.cursor() as cursor:
        body = _after_header(source)
        with cursor.copy(f"COPY {RAW_TABLE} ({names}) FROM STDIN WITH ({options})") as copy:
            ends_with_newline = True
            chunk = body
            while chunk:
                if b'"' in chunk or b"\r" in chunk:
                    raise _Declined  # quoting and line ends the csv module reads its own way
                lines += chunk.count(b"\n")
                ends_with_newline = chunk.endswith(b"\n")
                copy.write(chunk)
                if on_bytes:
                    on_bytes(source.tell())
                chunk = source.read(CHUNK_BYTES)
        copied = cursor.rowcount
    expected = lines + (0 if ends_with_newline else 1)
    if copied != expected:
        raise _Declined  # a `\.` line or anything else that is not one row per line
    return int(copied)


def _after_header(source: Any) -> bytes:
    """The first chunk of the file after its BOM and header line."""
    start: bytes = source.read(CHUNK_BYTES)
    start = start.removeprefix(b"\xef\xbb\xbf")
    end = start.find(b"\n")
    if end < 0 or b'"' in start[:end] or b"\r" in start[:end]:
        raise _Declined
    return start[end + 1 :]


def _cells(spec: FileSpec, layout: Layout) -> list[tuple[str, str, str]]:
    """(CSV column, staging column, SQL cell expression) per spec column."""
    return [
        (column.name, column.stage_name, f"c{index}" if index is not None else "NULL::text")
        for column, index in zip(spec.columns, layout.indexes, strict=True)
    ]


def _convert(
    connection: Connection,
    spec: FileSpec,
    layout: Layout,
    rules: dict[str, Rule],
    params: dict[str, str],
) -> int:
    """Fill the staging table with the converted rows every rule accepts; how many."""
    name = staging.create_stage(connection, spec)
    cells = _cells(spec, layout)
    columns = ", ".join(["line"] + [stage for _, stage, _ in cells])
    values = ", ".join(["line + 1"] + [rules[csv].value.format(c=cell) for csv, _, cell in cells])
    # One pass: a row some rule refuses is left out, and the caller sees the count fall short.
    checks = " AND ".join(rules[csv].ok.format(c=cell) for csv, _, cell in cells)
    result = connection.exec_driver_sql(
        f"INSERT INTO {name} ({columns}) SELECT {values} FROM {RAW_TABLE} "
        f"WHERE COALESCE(({checks}), false)",
        params,
    )
    connection.execute(text(f"DROP TABLE {RAW_TABLE}"))
    connection.execute(text(f"ANALYZE {name}"))
    return int(result.rowcount)
