"""assistant.reports.stats against hand-computed values and edge cases."""

from __future__ import annotations

import pytest

from assistant.reports.stats import mean_diff, prob_greater, proportion_diff, wilson, z_value


def test_z_for_95_percent() -> None:
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    with pytest.raises(ValueError):
        z_value(1.0)


def test_wilson_of_nothing_in_ten() -> None:
    # p = 0, z^2 = 3.841459: centre = (z^2/20) / (1 + z^2/10) = 0.192073 / 1.384146 = 0.138767
    # and half width = z * sqrt(z^2/400) / 1.384146 = the same, so [0, 0.277533].
    found = wilson(0, 10)
    assert found is not None
    assert (found.estimate, found.low) == (0.0, 0.0)
    assert found.high == pytest.approx(0.277533, abs=1e-6)


def test_newcombe_interval_matches_the_paper() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 - 48/80 = 0.2000,
    # method 10 (hybrid score): 0.0524 to 0.3339.
    found = proportion_diff(56, 70, 48, 80)
    assert found is not None
    assert found.estimate == pytest.approx(0.2)
    assert found.low == pytest.approx(0.0524, abs=1e-4)
    assert found.high == pytest.approx(0.3339, abs=1e-4)


def test_a_difference_with_an_empty_group_is_undefined() -> None:
    assert proportion_diff(0, 0, 3, 10) is None
    assert proportion_diff(3, 10, 0, 0) is None
    with pytest.raises(ValueError):
        proportion_diff(11, 10, 0, 10)


def test_welch_interval_by_hand() -> None:
    # 10 - 8 = 2; se = sqrt(4/100 + 9/100) = sqrt(0.13) = 0.3605551;
    # z * se = 1.959964 * 0.3605551 = 0.706675.
    found = mean_diff(10, 4, 100, 8, 9, 100)
    assert found is not None
    assert found.estimate == pytest.approx(2)
    assert found.low == pytest.approx(2 - 0.706675, abs=1e-6)
    assert found.high == pytest.approx(2 + 0.706675, abs=1e-6)
    assert mean_diff(1, 0, 0, 1, 0, 5) is None


def test_probability_of_a_greater_rate_by_hand() -> None:
    # 1 of 1 against 0 of 1: p1 ~ Beta(2, 1) (density 2p), p2 ~ Beta(1, 2) (density 2(1-q)).
    # P(p1 > p2) = int_0^1 2p * int_0^p 2(1-q) dq dp = int_0^1 2p (2p - p^2) dp
    #            = 4/3 - 1/2 = 5/6.
    assert prob_greater(1, 1, 0, 1) == pytest.approx(5 / 6, abs=1e-12)
    # p1 ~ Beta(1, 2) against a uniform p2 (no data): P(p2 < p1) = E[p1] = 1/3.
    assert prob_greater(0, 1, 0, 0) == pytest.approx(1 / 3, abs=1e-12)
    # Nothing known on either side: a coin flip.
    assert prob_greater(0, 0, 0, 0) == pytest.approx(0.5, abs=1e-12)
    # 1 of 4 against 1 of 2: a = (2, 4), (2, 2); Miller's sum for P(p2 > p1) has two terms,
    # B(2,6) / (2 B(1,2) B(2,4)) = (1/42) / (1/20) = 10/21 and
    # B(3,6) / (3 B(2,2) B(2,4)) = (1/168) / (1/40) = 5/21: P(p1 > p2) = 1 - 15/21 = 2/7.
    assert prob_greater(1, 4, 1, 2) == pytest.approx(2 / 7, abs=1e-12)


def test_probabilities_of_the_two_orders_add_up_to_one() -> None:
    for x1, n1, x2, n2 in ((30, 400, 18, 410), (3, 40, 9, 41), (250, 1000, 240, 1000)):
        forward, backward = prob_greater(x1, n1, x2, n2), prob_greater(x2, n2, x1, n1)
        assert forward + backward == pytest.approx(1, abs=1e-9)
    assert prob_greater(30, 400, 18, 410) > 0.9
