"""`assistant segments list | count | members` on the fixture store."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from assistant.config import get_settings
from assistant.db import get_engine
from assistant.segments import commands
from tests.clitools import invoke
from tests.segments.conftest import StoreDb


@pytest.fixture
def cli_store(store: StoreDb, monkeypatch: pytest.MonkeyPatch) -> StoreDb:
    """The fixture store made the configured database, with a wide terminal."""
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", store.url)
    monkeypatch.setattr(commands.console, "width", 240)
    monkeypatch.setattr(commands.errors, "width", 240)
    get_settings.cache_clear()
    get_engine.cache_clear()
    return store


def test_list_shows_builtins_user_segments_and_broken_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "gold.yaml").write_text(
        "name: gold\ndescription: Gold tier members\nwhere: {attribute: tier, eq: gold}\n"
    )
    monkeypatch.setenv("ASSISTANT_SEGMENTS_DIR", str(folder))
    monkeypatch.setattr(commands.console, "width", 240)
    get_settings.cache_clear()
    result = invoke("segments", "list")
    assert result.exit_code == 0, result.output
    lines = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if "│" in line}
    assert {"vip", "milestone", "product_fans", "lapsed_high_value", "gold"} <= set(lines)
    assert "user" in lines["gold"] and "Gold tier members" in lines["gold"]
    assert "builtin" in lines["vip"] and "min_rfm_score=4" in lines["vip"]

    (folder / "bad.yaml").write_text("name: bad\nwhere: {metric: clv, gte: 1}\n")
    result = invoke("segments", "list")
    assert result.exit_code == 1
    assert "bad.yaml: where.metric: unknown metric 'clv'" in result.stderr


def test_count_prints_the_number_with_params_and_as_of(cli_store: StoreDb) -> None:
    result = invoke("segments", "count", "recent_buyers_7d")
    assert result.exit_code == 0, result.output
    assert result.stdout == "4\n"
    assert "recent_buyers_7d as of 2026-11-20 (days=7)" in result.stderr
    assert invoke("segments", "count", "recent_buyers_7d", "--param", "days=14").stdout == "7\n"
    assert invoke("segments", "count", "recent_buyers_7d", "--as-of", "2026-11-14").stdout == "3\n"
    spend = invoke("segments", "count", "milestone", "-p", "min_spend=5150", "-p", "min_years=3")
    assert spend.stdout == "2\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("count", "vips"),
            "unknown segment 'vips' (did you mean 'vip'?); known: lapsed_high_value, milestone,",
        ),
        (("count", "milestone", "--param", "min_spend=lots"), "where.any[0].milestone."),
        (("count", "milestone", "--param", "spend=1"), "unknown param 'spend' for segment"),
        (("count", "milestone", "--param", "spend"), "expected name=value"),
        (("members", "vips", "--format", "csv"), "unknown segment 'vips'"),
        (("members", "vip", "--format", "xml"), "--format must be table or csv"),
    ],
)
def test_unknown_segments_and_bad_params_exit_2(
    cli_store: StoreDb, args: tuple[str, ...], message: str
) -> None:
    result = invoke("segments", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stdout == ""


def test_members_csv_streams_members_with_qualifier_and_metrics(cli_store: StoreDb) -> None:
    result = invoke(
        "segments", "members", "product_fans", "--format", "csv", "-p", "min_purchases=2"
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == list(commands.CSV_COLUMNS)
    assert [(r["customer_id"], r["first_name"]) for r in rows] == [("C07", "Gia"), ("C09", "Ivy")]
    qualifier = json.loads(rows[1]["qualifier"])
    assert qualifier["product_repeat"]["product_id"] == "P1"
    assert qualifier["product_repeat"]["upgrade_product_id"] == "P2"
    assert qualifier["product_repeat"]["purchases"] == 2
    assert (rows[0]["orders_count"], rows[0]["lifetime_spend"], rows[0]["aov"]) == (
        "3",
        "42.00",
        "14.00",
    )
    assert rows[0]["last_order_at"] == "2026-11-01T15:00:00Z"

    limited = invoke("segments", "members", "recent_buyers_30d", "--format", "csv", "--limit", "2")
    assert [r["customer_id"] for r in csv.DictReader(io.StringIO(limited.stdout))] == ["C01", "C02"]


def test_members_table_shows_a_page_and_says_how_many_more(cli_store: StoreDb) -> None:
    result = invoke("segments", "members", "recent_buyers_14d", "--limit", "3")
    assert result.exit_code == 0, result.output
    assert "recent_buyers_14d as of 2026-11-20" in result.stdout
    for shown in ("C01", "C02", "C06", "O06-3"):
        assert shown in result.stdout
    assert "C14" not in result.stdout
    assert "showing 3 of 7" in result.stderr
