"""95% intervals for the variant report: Wilson for rates, normal for means.

Small and dependency-free. The Wilson score interval stays inside [0, 1] and behaves at
0 and n successes, where the plain normal interval does not. The mean's interval is the
normal approximation from the sample variance (Welford's running sums, one pass).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist


@dataclass(frozen=True)
class Interval:
    """An estimate and its interval."""

    estimate: float
    low: float
    high: float

    def overlaps(self, other: Interval) -> bool:
        """Whether the two intervals share any point."""
        return self.low <= other.high and other.low <= self.high


def z_value(level: float = 0.95) -> float:
    """The two-sided standard normal quantile for `level` (1.96 for 95%)."""
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    return NormalDist().inv_cdf(1 - (1 - level) / 2)


def wilson(successes: int, trials: int, level: float = 0.95) -> Interval | None:
    """The Wilson score interval of `successes / trials`; None when there are no trials."""
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError(f"successes {successes} must be between 0 and trials {trials}")
    z = z_value(level)
    p = successes / trials
    z2n = z * z / trials
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * math.sqrt(p * (1 - p) / trials + z2n / (4 * trials)) / (1 + z2n)
    # At 0 (or every) success the bound is exactly 0 (or 1); floats leave a crumb.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return Interval(p, low, high)


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
        """mean ± z·s/√n (s: the sample standard deviation); None below two values."""
        if self.count < 2:
            return None
        spread = math.sqrt(self.squares / (self.count - 1) / self.count)
        half = z_value(level) * spread
        return Interval(self.mean, self.mean - half, self.mean + half)
