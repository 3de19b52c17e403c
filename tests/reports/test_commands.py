"""`assistant report review`, run as a person would: a table, JSON, one-line errors."""

from __future__ import annotations

import json

from sqlalchemy import Engine

from tests.clitools import invoke
from tests.reports.helpers import ANA, decided_store


def test_the_table_shows_each_reviewer(engine: Engine) -> None:
    decided_store(engine)
    result = invoke("report", "review", "--by", "reviewer")
    assert result.exit_code == 0, result.output
    assert "Review by reviewer" in result.output
    ana = next(line for line in result.output.splitlines() if ANA.id in line)
    assert "4 (2 / 2)" in ana and "80% / 40% / 20%" in ana and "too pushy 1" in ana


def test_json_has_the_numbers(engine: Engine) -> None:
    decided_store(engine)
    result = invoke("report", "review", "--by", "week", "--until", "2026-11-29", "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert (body["by"], body["since"], body["until"]) == ("week", None, "2026-11-29")
    week = {group["key"]: group for group in body["groups"]}["2026-W48"]
    assert (week["decided"], week["edited"], week["median_edit_distance"]) == (5, 2, 4.0)


def test_an_empty_window_says_so(engine: Engine) -> None:
    result = invoke("report", "review", "--since", "2026-12-01")
    assert result.exit_code == 0, result.output
    assert "No drafts from 2026-12-01 to now." in result.output


def test_bad_input_is_one_line_and_exit_2(engine: Engine) -> None:
    for args, said in (
        (("--by", "flavour"), "unknown --by 'flavour'"),
        (("--since", "monday"), "--since 'monday' is not a date"),
        (("--since", "2026-12-02", "--until", "2026-12-01"), "is after --until"),
    ):
        result = invoke("report", "review", *args)
        assert result.exit_code == 2, result.output
        assert said in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1
