"""`assistant report` without a report's name: outcomes, holdout and review at a glance."""

from __future__ import annotations

from sqlalchemy import Engine

from assistant.db import unit_of_work
from tests.clitools import invoke
from tests.reports.holdout_store import holdout_store


def test_the_overview_prints_outcomes_holdout_and_review(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        store = holdout_store(session)
    result = invoke("report")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Outcomes by playbook" in out and "Holdouts by playbook" in out
    assert "Review by playbook" in out and "1/4 25.0%" in out  # check_in's treated side
    one = invoke("report", "--campaign", str(store.b))
    assert one.exit_code == 0, one.output
    assert "Holdouts by campaign" in one.output and "1/4 25.0%" not in one.output
    empty = invoke("report", "--since", "2030-01-01")
    assert empty.exit_code == 0 and "No campaigns with a holdout in this window." in empty.output


def test_overview_options_before_a_report_name_and_bad_days_are_one_line_errors(
    engine: Engine,
) -> None:
    for args, said in (
        (("report", "--since", "2026-01-01", "review"), "go after the report's name"),
        (("report", "--since", "nope"), "--since 'nope' is not a date"),
        (("report", "--since", "2026-02-01", "--until", "2026-01-01"), "after"),
    ):
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert said in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1
