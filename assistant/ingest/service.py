"""Import CSV files: validate every row, stage, check, merge; all or nothing by default.

Files are imported in dependency order (products, customers, orders, order_items, returns)
inside the caller's unit of work. A file's valid rows are merged even when others were
refused, so that later files are checked against the right references; if any row was
refused and `skip_invalid` is off, `ImportRejected` is raised and the caller's rollback
leaves the database exactly as it was.
"""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from assistant.config import get_settings
from assistant.ingest import merge as merging
from assistant.ingest import staging
from assistant.ingest.checks import check_and_merge
from assistant.ingest.parallel import validated_rows_in_workers
from assistant.ingest.reader import (
    ErrorLog,
    FileFormat,
    HeaderError,
    Layout,
    RowError,
    csv_reader,
    file_format,
    open_csv,
    read_layout,
    validated_rows,
)
from assistant.ingest.specs import KIND_ORDER, FileSpec, configured_specs, kind_of
from assistant.models.base import utcnow

logger = logging.getLogger(__name__)

# Below this size, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 4 * 1024 * 1024


class ImportProgress(Protocol):
    """Where an import reports how far it got (a progress bar, a log, nothing)."""

    def file_started(self, kind: str, path: Path, total_bytes: int) -> None: ...

    def advanced(self, bytes_read: int) -> None: ...

    def phase(self, description: str) -> None: ...

    def file_finished(self) -> None: ...


class _Silent:
    def file_started(self, kind: str, path: Path, total_bytes: int) -> None:
        pass

    def advanced(self, bytes_read: int) -> None:
        pass

    def phase(self, description: str) -> None:
        pass

    def file_finished(self) -> None:
        pass


@dataclass
class FileReport:
    """What happened to one file."""

    kind: str
    path: Path
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    rejected: int = 0
    consent_kept_off: int = 0
    forgotten_skipped: int = 0
    seconds: float = 0.0
    errors: ErrorLog | None = None
    rejects_path: Path | None = None
    # Read with another delimiter, headers under other spellings, no rows: for the person.
    notes: list[str] = field(default_factory=list)
    # The file could not be read at all (encoding, empty, header); none of its rows counted.
    unreadable: bool = False
    delimiter: str = ","

    @property
    def unchanged(self) -> int:
        return self.rows - self.rejected - self.inserted - self.updated - self.forgotten_skipped

    @property
    def listed_errors(self) -> list[RowError]:
        return self.errors.listed if self.errors else []

    @property
    def error_count(self) -> int:
        return self.errors.count if self.errors else 0


@dataclass
class ImportReport:
    """What happened to every file of one import."""

    files: list[FileReport] = field(default_factory=list)
    skip_invalid: bool = False
    # Set when ImportRejected is raised: the transaction is rolled back, nothing was written.
    refused: bool = False

    @property
    def error_count(self) -> int:
        return sum(f.error_count for f in self.files)

    @property
    def accepted(self) -> bool:
        """Whether the import may be committed."""
        return self.skip_invalid or self.error_count == 0

    @property
    def written(self) -> int:
        """Rows inserted or updated (0 for a refused import)."""
        return sum(f.inserted + f.updated for f in self.files)


class ImportRejected(Exception):
    """Some rows were invalid and --skip-invalid was not given: nothing was imported."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{report.error_count} problem(s) found; nothing was imported")
        self.report = report


class ImportUsageError(ValueError):
    """The paths given cannot be imported (missing, not CSV, unknown kind)."""


def discover(paths: Iterable[Path]) -> list[tuple[str, Path]]:
    """(kind, path) for each CSV given or found in a given folder, in import order."""
    found: list[tuple[str, Path]] = []
    for path in paths:
        if not path.exists():
            raise ImportUsageError(f"{path}: no such file or folder")
        if path.is_dir():
            candidates = sorted(p for p in path.iterdir() if p.is_file())
            matched = [(kind_of(p.name), p) for p in candidates]
            found += [(k, p) for k, p in matched if k is not None]
            for kind, file in matched:
                if kind is None and _looks_importable(file):
                    logger.warning("skipped %s: cannot tell what it holds from its name", file)
            if not any(k for k, _ in matched):
                raise ImportUsageError(
                    f"{path}: no importable CSV files (expected names like "
                    f"{', '.join(k + '.csv' for k in KIND_ORDER)})"
                )
        else:
            kind = kind_of(path.name)
            if kind is None:
                raise ImportUsageError(
                    f"{path}: cannot tell what this file holds from its name; name it one of "
                    f"{', '.join(k + '.csv' for k in KIND_ORDER)} (or e.g. orders_2024.csv)"
                )
            found.append((kind, path))
    return sorted(found, key=lambda item: (KIND_ORDER.index(item[0]), str(item[1])))


def _looks_importable(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(".csv") and not name.endswith(".rejects.csv")


def import_files(
    session: Session,
    paths: Iterable[Path],
    *,
    skip_invalid: bool = False,
    progress: ImportProgress | None = None,
) -> ImportReport:
    """Import the CSV files at `paths` (files or folders) within `session`'s transaction.

    Raises ImportRejected (after listing every problem) unless all rows are valid or
    `skip_invalid` is set; the caller's unit of work then rolls everything back.
    """
    progress = progress or _Silent()
    specs = configured_specs()
    report = ImportReport(skip_invalid=skip_invalid)
    connection = session.connection()
    _tune_for_bulk(connection)
    now = utcnow()
    for kind, path in discover(paths):
        report.files.append(_import_file(connection, specs[kind], path, now, progress))
    if not report.accepted:
        raise ImportRejected(_refused(report))
    if skip_invalid:
        for file_report in report.files:
            if file_report.errors and file_report.errors.by_line:
                file_report.rejects_path = write_rejects(file_report)
    return report


def _refused(report: ImportReport) -> ImportReport:
    """`report` of an import about to be rolled back: no file wrote anything."""
    report.refused = True
    for file_report in report.files:
        file_report.inserted = file_report.updated = file_report.consent_kept_off = 0
        file_report.forgotten_skipped = 0
    return report


def _tune_for_bulk(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # For this transaction only: joins of million-row files hash in memory instead of
        # spilling to disk, and index and constraint builds sort in memory.
        connection.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '1GB'")
        # Compiling the import's large statements took longer than running them (0.2 s
        # of a 1.1 s consent-ledger insert at 100k customers); they are run once each.
        connection.exec_driver_sql("SET LOCAL jit = off")
        return
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        assert raw is not None
        # A large page cache keeps index pages of million-row tables in memory during the
        # merge (staging tables live in SQLite's temp file, so memory stays bounded).
        raw.execute("PRAGMA cache_size=-1048576")


def _import_file(
    connection: Connection, spec: FileSpec, path: Path, now: datetime, progress: ImportProgress
) -> FileReport:
    started = time.perf_counter()
    settings = get_settings().app
    report = FileReport(kind=spec.kind, path=path, errors=ErrorLog(path.name))
    errors = report.errors
    assert errors is not None
    progress.file_started(spec.kind, path, path.stat().st_size)
    try:
        layout_format = file_format(path)
    except HeaderError as exc:
        return _unreadable(report, str(exc), progress)
    report.delimiter = layout_format.delimiter
    with open_csv(path) as handle:
        reader = csv_reader(handle, layout_format.delimiter)
        try:
            layout = read_layout(next(reader, None), spec)
        except HeaderError as exc:
            return _unreadable(report, str(exc), progress)
        except csv.Error as exc:
            return _unreadable(report, f"not a readable CSV file: {exc}", progress)
        report.notes += _header_notes(layout_format, layout)
        staging.create_stage(connection, spec)
        raw_file = handle.buffer  # byte position for the progress bar

        def on_batch(_loaded: int) -> None:
            progress.advanced(raw_file.tell())

        rows = (
            validated_rows_in_workers(
                reader,
                spec,
                layout,
                errors,
                default_region=settings.default_phone_region,
                default_currency=settings.default_currency,
                brand_zone=settings.brand_timezone,
            )
            if spec.costly_checks and path.stat().st_size >= PARALLEL_MIN_BYTES
            else validated_rows(reader, spec, layout, errors)
        )
        try:
            staged = staging.load_stage(connection, spec, rows, on_batch)
        except csv.Error as exc:
            errors.add(reader.line_num, None, f"not a readable CSV row: {exc}")
            staged = 0
    present = layout.present(spec)
    counts, findings = check_and_merge(
        connection,
        spec,
        present,
        now,
        staged,
        phase=progress.phase,
        consent_evidence={"file": path.name},
    )
    for finding in findings:
        errors.add(finding.line, finding.column, finding.reason)
    staging.drop_stage(connection, spec)
    report.rejected = errors.rejected_rows
    report.rows = staged + _python_rejected(errors, findings)
    report.inserted, report.updated = counts.inserted, counts.updated
    report.consent_kept_off = counts.consent_kept_off
    report.forgotten_skipped = counts.forgotten_skipped
    report.seconds = time.perf_counter() - started
    if report.rows == 0:
        report.notes.append("has a header row but no data rows; nothing to import from it")
    progress.file_finished()
    return report


def _unreadable(report: FileReport, reason: str, progress: ImportProgress) -> FileReport:
    """`report` of a file refused as a whole, at line 1."""
    assert report.errors is not None
    report.errors.add(1, None, reason)
    report.unreadable = True
    progress.file_finished()
    return report


def _header_notes(layout_format: FileFormat, layout: Layout) -> list[str]:
    notes = [layout_format.note] if layout_format.note else []
    if layout.renamed:
        read_as = ", ".join(f"'{header}' as {column}" for header, column in layout.renamed)
        notes.append(f"read column {read_as}")
    if layout.attributes:
        kept = ", ".join(f"'{name}'" for _, name in layout.attributes)
        notes.append(f"kept column {kept} as custom attribute(s)")
    return notes


def _python_rejected(errors: ErrorLog, findings: list[merging.Finding]) -> int:
    """Rows refused before staging (they are not in the staged count)."""
    sql_lines = {f.line for f in findings}
    return sum(1 for line in errors.by_line if line not in sql_lines)


def write_rejects(report: FileReport) -> Path:
    """Write the refused rows of a file, with their reasons, next to it as NAME.rejects.csv.

    It keeps the file's delimiter, so that it opens like the file did. A file refused as a
    whole (not UTF-8, empty, a bad header) gets just its reason: its text cannot be copied.
    """
    path, errors, delimiter = report.path, report.errors, report.delimiter
    assert errors is not None
    target = path.with_name(path.name[: -len(".csv")] + ".rejects.csv")
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        if report.unreadable:
            writer.writerows([["line", "error"], [1, "; ".join(errors.by_line[1])]])
            return target
        with open_csv(path) as source:
            reader = csv_reader(source, delimiter)
            header = next(reader, None) or []
            writer.writerow([*header, "line", "error"])
            for row in reader:
                reasons = errors.by_line.get(reader.line_num)
                if reasons:
                    safe = [v.encode("utf-8", "replace").decode("utf-8") for v in row]
                    writer.writerow([*safe, reader.line_num, "; ".join(reasons)])
    return target
