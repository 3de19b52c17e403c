"""The opt-out rules on at least 150 labelled inbound texts: ≥ 99 % of opt-outs caught,
≤ 1 % false opt-outs (the figures in docs/conversations.md come from here)."""

from __future__ import annotations

import pytest

from assistant.conversations.keywords import classify
from tests.conversations.opt_out_figures import LABELS, Row, load, measure


def test_the_corpus_is_large_labelled_and_bilingual() -> None:
    rows = load()
    assert len(rows) >= 150
    assert {row.label for row in rows} == set(LABELS)
    assert {row.language for row in rows} == {"en", "es"}
    assert len({row.text for row in rows}) == len(rows)  # no duplicates inflating figures
    for label in LABELS:
        for language in ("en", "es"):
            assert any(r.label == label and r.language == language for r in rows)


def test_recall_and_false_opt_out_rate_meet_the_bar(capsys: pytest.CaptureFixture[str]) -> None:
    figures = measure(load())
    with capsys.disabled():
        print("\n" + "\n".join(figures.lines()))
    assert figures.recall >= 0.99, figures.missed
    assert figures.false_opt_out_rate <= 0.01, figures.wrongly_opted_out


def test_possible_opt_outs_are_flagged_for_staff() -> None:
    figures = measure(load())
    assert figures.flagged == figures.possible


@pytest.mark.parametrize("row", [r for r in load() if r.label == "opt_out"], ids=lambda r: r.text)
def test_an_opt_out_is_read_in_its_language(row: Row) -> None:
    match = classify(row.text)
    assert match is not None and match.language == row.language
