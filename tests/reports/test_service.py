"""Review analytics over drafts decided through the real review service (tests/reports/helpers)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.reports.service import BadReportInput, ReviewRow, review_analytics
from tests.reports.helpers import ANA, BEN, decided_store


def _report(engine: Engine, **options: object) -> dict[str, ReviewRow]:
    with unit_of_work(engine) as session:
        rows = review_analytics(session, **options)  # type: ignore[arg-type]
    return {row.key: row for row in rows}


def test_by_reviewer_counts_rates_medians_and_reasons(engine: Engine) -> None:
    decided_store(engine)
    rows = _report(engine, by="reviewer")
    assert sorted(rows) == ["(undecided)", ANA.id, BEN.id]
    ana, ben, undecided = rows[ANA.id], rows[BEN.id], rows["(undecided)"]
    assert (ana.drafted, ana.decided, ana.approved, ana.approved_unchanged) == (5, 5, 4, 2)
    assert (ana.edited, ana.rejected, ana.regenerated, ana.overridden) == (2, 1, 1, 0)
    assert (ana.approval_rate, ana.edit_rate, ana.rejection_rate) == (0.8, 0.4, 0.2)
    assert ana.median_minutes_to_decision == 30
    assert (ana.mean_edit_distance, ana.median_edit_distance) == (4.0, 4.0)
    assert ana.rejection_reasons == {"too pushy": 1}
    assert (ben.drafted, ben.decided, ben.approved, ben.approved_unchanged) == (4, 4, 2, 1)
    assert (ben.edited, ben.rejected, ben.regenerated, ben.overridden) == (1, 2, 0, 1)
    assert (ben.approval_rate, ben.edit_rate, ben.rejection_rate) == (0.5, 0.25, 0.5)
    assert ben.median_minutes_to_decision == 80
    assert (ben.mean_edit_distance, ben.median_edit_distance) == (10.0, 10)
    assert ben.rejection_reasons == {"(no reason given)": 1, "too pushy": 1}
    assert ben.findings["intrusive_location"] == 1
    assert (undecided.drafted, undecided.decided, undecided.approval_rate) == (1, 0, None)
    assert undecided.median_minutes_to_decision is None


def test_by_playbook_totals_everything(engine: Engine) -> None:
    decided_store(engine)
    (row,) = _report(engine, by="playbook").values()
    assert row.key == "check_in"
    assert (row.drafted, row.decided, row.approved, row.approved_unchanged, row.edited) == (
        10,
        9,
        6,
        3,
        3,
    )
    assert (row.rejected, row.regenerated, row.overridden) == (3, 1, 1)
    assert (row.approval_rate, row.edit_rate, row.rejection_rate) == (0.6667, 0.3333, 0.3333)
    assert row.median_minutes_to_decision == 50
    assert (row.mean_edit_distance, row.median_edit_distance) == (6.0, 7)
    assert row.rejection_reasons == {"too pushy": 2, "(no reason given)": 1}
    assert row.findings == {"intrusive_location": 1}


def test_by_week_splits_at_the_iso_week_of_the_decision(engine: Engine) -> None:
    decided_store(engine)
    rows = _report(engine, by="week")
    assert sorted(rows) == ["(undecided)", "2026-W48", "2026-W49"]
    assert (rows["2026-W48"].decided, rows["2026-W48"].approved) == (5, 4)
    assert (rows["2026-W49"].decided, rows["2026-W49"].rejected) == (4, 2)
    assert rows["(undecided)"].drafted == 1


def test_the_window_takes_the_decision_day_or_for_the_undecided_the_creation_day(
    engine: Engine,
) -> None:
    decided_store(engine)
    later = _report(engine, by="week", since=date(2026, 11, 30))
    assert list(later) == ["2026-W49"] and later["2026-W49"].decided == 4
    earlier = _report(engine, by="week", until=date(2026, 11, 29))
    assert sorted(earlier) == ["(undecided)", "2026-W48"]
    assert _report(engine, by="model", since=date(2026, 12, 1)) == {}


def test_other_dimensions_group_by_the_stored_column(engine: Engine) -> None:
    store = decided_store(engine)
    assert list(_report(engine, by="campaign")) == [str(store.campaign_id)]
    assert list(_report(engine, by="trigger")) == ["(none)"]
    versions = _report(engine, by="prompt_version")  # regeneration writes the current one
    assert {key: row.drafted for key, row in versions.items()} == {"1": 9, "check_in-1": 1}
    assert _report(engine, by="model")["offline"].decided == 9


def test_bad_input_is_refused(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        with pytest.raises(BadReportInput, match="unknown grouping 'flavour'"):
            review_analytics(session, by="flavour")
        with pytest.raises(BadReportInput, match="after"):
            review_analytics(session, since=date(2026, 12, 2), until=date(2026, 12, 1))
