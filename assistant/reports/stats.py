"""Small, exact statistics for comparing a treated group with its holdout; no numpy/scipy.

- `proportion_diff`: the difference p1 - p2 of two proportions with Newcombe's hybrid score
  interval (method 10 of Newcombe 1998): each proportion's Wilson score interval, combined
  by square-and-add. It keeps its coverage for small groups and rates near 0, where the
  Wald interval is too narrow.
- `mean_diff`: the difference of two means with Welch's normal interval,
  (m1 - m2) +- z * sqrt(v1/n1 + v2/n2), from sample variances.
- `RunningMean`: a mean and its normal interval, one value at a time (Welford's sums).
- `prob_greater`: P(p1 > p2) when p1 ~ Beta(1 + x1, 1 + n1 - x1) and p2 likewise (uniform
  priors), computed exactly by Evan Miller's closed form, summed in log space.

Undefined inputs (a group of 0) give None rather than a number that means nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist


@dataclass(frozen=True)
class Interval:
    """An estimate and its interval [low, high]."""

    estimate: float
    low: float
    high: float

    def overlaps(self, other: Interval) -> bool:
        """Whether the two intervals share any point."""
        return self.low <= other.high and other.low <= self.high


def z_value(level: float = 0.95) -> float:
    """The two-sided standard normal quantile for `level` (1.959964 for 0.95)."""
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (got {level})")
    return NormalDist().inv_cdf(0.5 + level / 2)


def wilson(x: int, n: int, level: float = 0.95) -> Interval | None:
    """The Wilson score interval of the proportion x/n (None when n is 0)."""
    _counts(x, n)
    if n == 0:
        return None
    z = z_value(level)
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if x == 0 else max(0.0, centre - half)  # exact at the ends, no rounding
    high = 1.0 if x == n else min(1.0, centre + half)
    return Interval(p, low, high)


def proportion_diff(x1: int, n1: int, x2: int, n2: int, level: float = 0.95) -> Interval | None:
    """p1 - p2 (x1 of n1 against x2 of n2) with Newcombe's hybrid score interval; None when
    either group is empty."""
    first, second = wilson(x1, n1, level), wilson(x2, n2, level)
    if first is None or second is None:
        return None
    p1, p2 = first.estimate, second.estimate
    estimate = p1 - p2
    low = estimate - math.sqrt((p1 - first.low) ** 2 + (second.high - p2) ** 2)
    high = estimate + math.sqrt((first.high - p1) ** 2 + (p2 - second.low) ** 2)
    return Interval(estimate, low, high)


def mean_diff(
    mean1: float,
    var1: float,
    n1: int,
    mean2: float,
    var2: float,
    n2: int,
    level: float = 0.95,
) -> Interval | None:
    """mean1 - mean2 with Welch's normal interval (sample variances); None when a group is
    empty. With one member a group's variance is taken as given (0 if unknown)."""
    if n1 < 0 or n2 < 0 or var1 < 0 or var2 < 0:
        raise ValueError("counts and variances must not be negative")
    if n1 == 0 or n2 == 0:
        return None
    estimate = mean1 - mean2
    half = z_value(level) * math.sqrt(var1 / n1 + var2 / n2)
    return Interval(estimate, estimate - half, estimate + half)


@dataclass
class RunningMean:
    """Count, mean and sum of squared deviations, one value at a time (Welford)."""

    count: int = 0
    mean: float = 0.0
    squares: float = 0.0

    def add(self, value: float) -> None:
        self.count += 1
        delta = value - self.mean
        self.mean += delta / self.count
        self.squares += delta * (value - self.mean)

    def interval(self, level: float = 0.95) -> Interval | None:
        """mean +- z * s / sqrt(n) (s: the sample standard deviation); None below two values."""
        if self.count < 2:
            return None
        half = z_value(level) * math.sqrt(self.squares / (self.count - 1) / self.count)
        return Interval(self.mean, self.mean - half, self.mean + half)


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def prob_greater(x1: int, n1: int, x2: int, n2: int) -> float:
    """P(p1 > p2) with p1 ~ Beta(1 + x1, 1 + n1 - x1), p2 ~ Beta(1 + x2, 1 + n2 - x2).

    Evan Miller's closed form: with (a1, b1), (a2, b2) the posteriors' parameters,
    P(p2 > p1) = sum_{i=0}^{a2-1} B(a1 + i, b1 + b2) / ((b2 + i) B(1 + i, b2) B(a1, b1));
    each term is computed in log space. Empty groups are allowed (their posterior is the
    uniform prior).
    """
    _counts(x1, n1)
    _counts(x2, n2)
    a1, b1 = 1 + x1, 1 + n1 - x1
    a2, b2 = 1 + x2, 1 + n2 - x2
    total = 0.0
    for i in range(a2):
        total += math.exp(
            _log_beta(a1 + i, b1 + b2) - math.log(b2 + i) - _log_beta(1 + i, b2) - _log_beta(a1, b1)
        )
    return min(1.0, max(0.0, 1.0 - total))


def _counts(x: int, n: int) -> None:
    if n < 0 or x < 0 or x > n:
        raise ValueError(f"need 0 <= successes <= trials (got {x} of {n})")
