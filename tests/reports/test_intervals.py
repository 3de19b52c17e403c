"""The interval helpers against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from assistant.reports.stats import Interval, RunningMean, wilson, z_value


def test_wilson_matches_the_textbook_values() -> None:
    one_in_four = wilson(1, 4)
    assert one_in_four is not None
    assert one_in_four.estimate == 0.25
    assert (round(one_in_four.low, 4), round(one_in_four.high, 4)) == (0.0456, 0.6994)
    half = wilson(50, 100)
    assert half is not None
    assert (round(half.low, 4), round(half.high, 4)) == (0.4038, 0.5962)


def test_wilson_stays_inside_zero_and_one_and_needs_trials() -> None:
    none, every = wilson(0, 10), wilson(10, 10)
    assert none is not None and every is not None
    assert none.low == 0.0 and 0 < none.high < 0.35
    assert every.high == 1.0 and 0.65 < every.low < 1
    assert wilson(0, 0) is None
    with pytest.raises(ValueError):
        wilson(5, 4)


def test_the_mean_interval_uses_the_sample_variance() -> None:
    running = RunningMean()
    for value in (40.0, 0.0, 0.0, 0.0):
        running.add(value)
    found = running.interval()
    assert found is not None
    # mean 10, sample variance 400, standard error 20 / 2 = 10.
    assert found.estimate == pytest.approx(10.0)
    assert found.high - found.estimate == pytest.approx(z_value() * 10.0)
    assert math.isclose(z_value(), 1.959964, rel_tol=1e-6)
    single = RunningMean()
    single.add(5.0)
    assert single.interval() is None


def test_overlap() -> None:
    assert Interval(0.2, 0.1, 0.3).overlaps(Interval(0.35, 0.3, 0.4))
    assert not Interval(0.2, 0.1, 0.29).overlaps(Interval(0.35, 0.3, 0.4))
