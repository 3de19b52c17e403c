"""Streaming CSV reading: header checks, per-row validation, error collection."""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol, TextIO

from assistant.ingest.fields import FieldError
from assistant.ingest.headers import ColumnNames
from assistant.ingest.specs import FileSpec

# Errors shown to a person per file; all of them still go to the rejects file.
MAX_LISTED_ERRORS = 1000


@dataclass(frozen=True)
class RowError:
    """One reason one row (or the header, line 1) was refused."""

    file: str
    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return (
            f"{where}: {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"
        )


@dataclass
class ErrorLog:
    """The refused rows of one file: every line's reasons, and the first few in full."""

    file: str
    by_line: dict[int, list[str]] = field(default_factory=dict)
    listed: list[RowError] = field(default_factory=list)
    count: int = 0
    list_limit: int = MAX_LISTED_ERRORS

    def add(self, line: int, column: str | None, reason: str) -> None:
        self.count += 1
        self.by_line.setdefault(line, []).append(f"{column}: {reason}" if column else reason)
        if len(self.listed) < self.list_limit:
            self.listed.append(RowError(self.file, line, column, reason))

    @property
    def rejected_rows(self) -> int:
        return len(self.by_line)


class HeaderError(ValueError):
    """The file cannot be read as this kind at all."""


@dataclass(frozen=True)
class Layout:
    """Where each known column sits in this file, and which columns are attributes."""

    indexes: tuple[int | None, ...]  # per spec column, None when absent
    attributes: tuple[tuple[int, str], ...]
    width: int
    # (header as written, column) for headers read as a column under another spelling
    renamed: tuple[tuple[str, str], ...] = ()

    def present(self, spec: FileSpec) -> frozenset[str]:
        """Staging names of the columns this file has (`attributes` when it has extra ones)."""
        names = {
            c.stage_name for c, i in zip(spec.columns, self.indexes, strict=True) if i is not None
        }
        if spec.extra_columns_are_attributes and self.attributes:
            names.add("attributes")
        return frozenset(names)


# Enough of a file to tell its encoding and delimiter; the header row is within it.
PROBE_BYTES = 64 * 1024

# Delimiters a spreadsheet may write instead of commas (a European Excel export uses `;`).
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}

_NOT_UTF8 = (
    "file is not UTF-8 text ({found}); save it as UTF-8 (in Excel: Save As > "
    "'CSV UTF-8 (Comma delimited)') and import again"
)


@dataclass(frozen=True)
class FileFormat:
    """How a file's text is laid out: its delimiter, and a note when it is not a comma."""

    delimiter: str = ","

    @property
    def note(self) -> str | None:
        if self.delimiter == ",":
            return None
        return f"read as {_DELIMITER_NAMES[self.delimiter]}-separated, not comma-separated"


def file_format(path: Path) -> FileFormat:
    """The file's delimiter, from its header line; HeaderError when it is not UTF-8 text."""
    with path.open("rb") as probe:
        start = probe.read(PROBE_BYTES)
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(start):
        raise HeaderError(_NOT_UTF8.format(found="it is UTF-16"))
    text = start.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    if _only_single_byte_accents(text):
        raise HeaderError(_NOT_UTF8.format(found="it looks like Latin-1 or Windows-1252"))
    header_line = text.split("\n", 1)[0].rstrip("\r")
    widths = {d: _width(header_line, d) for d in _DELIMITER_NAMES}
    # The comma wins ties; another delimiter only when it splits the header into more names.
    best = max(_DELIMITER_NAMES, key=lambda d: (widths[d], d == ","))
    return FileFormat(best if widths[best] > 1 else ",")


def _width(line: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=delimiter), []))
    except csv.Error:  # a header with a quoted line break: leave it to the reader
        return 0


def _looks_utf16(start: bytes) -> bool:
    """UTF-16 without a byte order mark: about every other byte of ASCII text is NUL."""
    sample = start[:1024]
    return len(sample) >= 8 and sample.count(0) >= len(sample) // 3


def _only_single_byte_accents(text: str) -> bool:
    """Undecodable bytes on several lines and no valid UTF-8 beyond ASCII: a legacy encoding.

    A file that also holds valid UTF-8, or one bad line, is mostly right: its bad rows are
    refused one by one (and with --skip-invalid the others are imported).
    """
    if text.isascii():
        return False
    bad_lines = 0
    for line in text.split("\n")[:-1]:  # the last may be cut inside a character
        if line.isascii():
            continue
        if not all(ch.isascii() or "\udc80" <= ch <= "\udcff" for ch in line):
            return False  # valid UTF-8 beyond ASCII
        bad_lines += 1
    return bad_lines >= 2


def open_csv(path: Path) -> TextIO:
    """Open as UTF-8 text (after a BOM); undecodable bytes are kept as surrogates, refused per row.

    Call `file_format` first: it refuses files in other encodings as a whole.
    """
    return path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")


def read_layout(header: list[str] | None, spec: FileSpec) -> Layout:
    """Check the header row against the kind's columns; map names people write to them."""
    expected = ", ".join(c.name for c in spec.columns)
    if not header or not any(h.strip() for h in header):
        raise HeaderError(f"empty file: expected a header row ({expected})")
    problem = _row_problem(header)
    if problem:
        raise HeaderError(f"header row: {problem}")
    names = ColumnNames(c.name for c in spec.columns)
    position: dict[str, int] = {}  # column -> index in the row
    written: dict[str, str] = {}  # column -> the header that named it
    renamed: list[tuple[str, str]] = []
    unknown: list[tuple[int, str]] = []
    seen: set[str] = set()
    for index, cell in enumerate(header):
        text = cell.strip()
        if not text:
            raise HeaderError("a column has an empty name in the header row")
        if text.lower() in seen:
            raise HeaderError(f"column '{text.lower()}' appears twice in the header row")
        seen.add(text.lower())
        column = names.column(text)
        if column is None:
            unknown.append((index, text))
        elif column in written:
            raise HeaderError(
                f"columns '{written[column]}' and '{text}' both read as {column}; keep one"
            )
        else:
            position[column], written[column] = index, text
            if text.lower() != column:
                renamed.append((text, column))
    typos = [(text, names.suggestion(text)) for _, text in unknown]
    if any(guess for _, guess in typos):
        raise HeaderError(
            "; ".join(f"unknown column '{t}': did you mean {g}?" for t, g in typos if g)
            + f" (expected columns: {expected})"
        )
    missing = [r for r in spec.required if r not in position]
    if missing:
        raise HeaderError(
            f"missing required column(s): {', '.join(missing)} (expected columns: {expected})"
        )
    if unknown and not spec.extra_columns_are_attributes:
        raise HeaderError(
            f"unknown column(s): {', '.join(t for _, t in unknown)} (expected columns: {expected})"
        )
    return Layout(
        indexes=tuple(position.get(c.name) for c in spec.columns),
        attributes=tuple(unknown),
        width=len(header),
        renamed=tuple(renamed),
    )


def _row_problem(row: list[str]) -> str | None:
    """Why the cells of `row` cannot be stored as text at all (None when they can)."""
    joined = "".join(row)
    if "\x00" in joined:
        # No database text column takes NUL; it usually means a UTF-16 or binary file.
        return "contains a NUL character (save the file as UTF-8 text)"
    if joined.isascii():
        return None
    try:
        joined.encode("utf-8")
    except UnicodeEncodeError:
        return "not valid UTF-8 text (save the file as UTF-8)"
    return None


def validated_rows(
    reader: RowReader, spec: FileSpec, layout: Layout, errors: ErrorLog
) -> Iterator[tuple[object, ...]]:
    """Yield `(line, *staging values)` for every valid row; log every invalid one."""
    plan = [
        (index, column.name, column.parse)
        for column, index in zip(spec.columns, layout.indexes, strict=True)
    ]
    attributes = layout.attributes
    width = layout.width
    for row in reader:
        line = reader.line_num
        if reader.error is not None:
            errors.add(line, None, f"not a readable CSV row: {reader.error}")
            continue
        if len(row) != width:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            errors.add(line, None, f"expected {width} fields, found {len(row)}")
            continue
        problem = _row_problem(row)
        if problem:
            errors.add(line, None, problem)
            continue
        values: list[object] = [line]
        ok = True
        for index, name, parse in plan:
            try:
                values.append(parse(row[index] if index is not None else ""))
            except FieldError as exc:
                errors.add(line, name, str(exc))
                ok = False
        if spec.extra_columns_are_attributes:
            attrs = {name: row[i].strip() for i, name in attributes if row[i].strip()}
            values.append(
                json.dumps(attrs, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                if attrs
                else None
            )
        if ok:
            yield tuple(values)


class RowReader(Protocol):
    """A csv reader: rows, the physical line the last row ended on, and why it was unreadable."""

    @property
    def line_num(self) -> int: ...

    @property
    def error(self) -> str | None: ...

    def __iter__(self) -> Iterator[list[str]]: ...

    def __next__(self) -> list[str]: ...


class _Rows:
    """csv.reader over a file whose rows may be unreadable (a field over the size limit).

    Such a row comes back empty with `error` set, so one bad row is listed like any other
    instead of aborting the load (and, on PostgreSQL, the transaction) mid-stream. An
    unreadable header row still raises csv.Error.
    """

    def __init__(self, handle: IO[str], delimiter: str) -> None:
        self._reader = csv.reader(handle, delimiter=delimiter)
        self._started = False
        self.error: str | None = None

    @property
    def line_num(self) -> int:
        return self._reader.line_num

    def __iter__(self) -> Iterator[list[str]]:
        return self

    def __next__(self) -> list[str]:
        self.error = None
        try:
            row = next(self._reader)
        except csv.Error as exc:
            if not self._started:
                raise
            self.error = str(exc)
            row = []
        self._started = True
        return row


def csv_reader(handle: IO[str], delimiter: str = ",") -> RowReader:
    """A csv reader over `handle` that reports unreadable rows (see `_Rows`)."""
    return _Rows(handle, delimiter)
