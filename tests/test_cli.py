"""The `assistant` command: import, its exit codes and output, and the schema commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect

from assistant.config import get_settings
from assistant.db import build_engine, get_engine
from assistant.models import Base
from tests.clitools import invoke
from tests.ingest.csvfiles import VALID, write_store
from tests.ingest.dbstate import counts, snapshot


def _summary(output: str, name: str) -> tuple[int, ...]:
    """rows, inserted, updated, unchanged, rejected of file `name` in the summary table."""
    for line in output.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃|]", line) if c.strip()]
        if cells and cells[0] == name:
            return tuple(int(c.replace(",", "")) for c in cells[1:6])
    raise AssertionError(f"no row for {name} in:\n{output}")


def test_import_of_a_valid_folder_exits_0_and_prints_the_summary(
    engine: Engine, tmp_path: Path
) -> None:
    folder = write_store(tmp_path / "store")

    result = invoke("import", str(folder))

    assert result.exit_code == 0, result.output
    assert "Import" in result.output
    for column in ("file", "rows", "inserted", "updated", "unchanged", "rejected"):
        assert column in result.output
    assert _summary(result.output, "customers.csv") == (3, 3, 0, 0, 0)
    assert _summary(result.output, "order_items.csv") == (4, 4, 0, 0, 0)
    assert counts(engine)["order_items"] == 4

    again = invoke("import", str(folder))
    assert again.exit_code == 0, again.output
    assert _summary(again.output, "customers.csv") == (3, 0, 0, 3, 0)


def test_import_of_a_bad_file_exits_1_lists_locations_and_writes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    invoke("import", str(write_store(tmp_path / "valid")))
    before = snapshot(engine)
    customers = [
        VALID["customers"][0],
        "C2,Ben,Ng,ben@example.com,555-01,America/New_York,2024-05-01,false,yes",
        "C3,Chloé,Martin,,+33612345678,Europe/Atlantis,,,",
        "C4,Dee,Park,dee@example.com,,,,,",
    ]
    folder = write_store(tmp_path / "bad", {"customers": customers})

    result = invoke("import", str(folder))

    assert result.exit_code == 1, result.output
    assert "customers.csv:3: phone:" in result.output
    assert "customers.csv:4: timezone: not an IANA time zone" in result.output
    assert "Nothing was imported" in result.output
    assert "2 problem(s)" in result.output
    assert snapshot(engine) == before  # new customer C4 (line 5) was rolled back


def test_import_of_a_missing_path_exits_2(engine: Engine, tmp_path: Path) -> None:
    before = snapshot(engine)
    result = invoke("import", str(tmp_path / "nowhere"))
    assert result.exit_code == 2, result.output
    assert "no such file or folder" in result.output
    assert snapshot(engine) == before


def test_import_of_an_unrecognised_file_name_exits_2(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "clients.csv"
    path.write_text("customer_id\nC1\n", encoding="utf-8")
    result = invoke("import", str(path))
    assert result.exit_code == 2, result.output
    assert "cannot tell what this file holds" in result.output
    assert counts(engine)["customers"] == 0


def test_a_folder_names_the_csv_files_it_skips(engine: Engine, tmp_path: Path) -> None:
    folder = write_store(tmp_path / "store")
    (folder / "customer.csv").write_text("customer_id\nC9\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not data\n", encoding="utf-8")
    result = invoke("import", str(folder))
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "customer.csv" in result.output
    assert "notes.txt" not in result.output
    assert counts(engine)["customers"] == len(VALID["customers"])


def _use(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_db_upgrade_then_downgrade_to_base(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(database_url, monkeypatch)
    engine = build_engine(database_url)
    try:
        up = invoke("db", "upgrade")
        assert up.exit_code == 0, up.output
        assert "is at revision" in up.output
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())

        down = invoke("db", "downgrade", "base")
        assert down.exit_code == 0, down.output
        assert "now at revision None" in down.output
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
        get_engine.cache_clear()


def test_import_into_an_unmigrated_database(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The embedded SQLite creates its schema; a server database must be upgraded first."""
    _use(database_url, monkeypatch)
    result = invoke("import", str(write_store(tmp_path / "store")))
    engine = build_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        if engine.dialect.name == "sqlite":
            assert result.exit_code == 0, result.output
            assert "customers" in tables
        else:
            assert result.exit_code == 2, result.output
            assert "has no schema yet; run `assistant db upgrade`" in result.output
            assert "customers" not in tables
    finally:
        engine.dispose()
        get_engine.cache_clear()
