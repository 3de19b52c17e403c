"""Validation in worker processes gives exactly what validation in-process gives."""

from __future__ import annotations

from pathlib import Path

from assistant.ingest.parallel import validated_rows_in_workers
from assistant.ingest.reader import ErrorLog, csv_reader, open_csv, read_layout, validated_rows
from assistant.ingest.specs import file_specs

HEADER = "customer_id,first_name,email,phone,timezone,created_at,sms_consent,shoe_size\n"


def _write(path: Path) -> None:
    rows = []
    for n in range(1, 4501):
        email = f"user{n}@example.com" if n % 97 else "not-an-email"
        phone = f"+1415555{n % 10000:04d}" if n % 89 else "12"
        zone = "Europe/Paris" if n % 83 else "Mars/Olympus"
        rows.append(f"C{n},Name{n},{email},{phone},{zone},2024-01-0{1 + n % 9},true,{n % 7}\n")
    rows.insert(1000, "C-broken,too,few\n")
    path.write_text(HEADER + "".join(rows), encoding="utf-8")


def _run(path: Path, parallel: bool) -> tuple[list[tuple[object, ...]], dict[int, list[str]]]:
    spec = file_specs(default_region="US", default_currency="USD", brand_zone="UTC")["customers"]
    errors = ErrorLog(path.name)
    with open_csv(path) as handle:
        reader = csv_reader(handle)
        layout = read_layout(next(reader), spec)
        rows = (
            validated_rows_in_workers(
                reader,
                spec,
                layout,
                errors,
                default_region="US",
                default_currency="USD",
                brand_zone="UTC",
                workers=2,
            )
            if parallel
            else validated_rows(reader, spec, layout, errors)
        )
        return list(rows), errors.by_line


def test_workers_match_in_process_validation(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    _write(path)
    serial_rows, serial_errors = _run(path, parallel=False)
    parallel_rows, parallel_errors = _run(path, parallel=True)
    assert parallel_rows == serial_rows
    assert parallel_errors == serial_errors
    # The file really had problems of each kind, each on its own line.
    reasons = " ".join(r for rs in serial_errors.values() for r in rs)
    assert "email" in reasons and "phone" in reasons and "timezone" in reasons
    assert "expected 8 fields, found 3" in reasons
    assert len(serial_rows) + len(serial_errors) == 4501
