"""Wilson score intervals for a proportion and Newcombe's interval for a difference of two.

Newcombe (1998), method 10: the difference of two independent proportions gets an interval
built from each one's Wilson interval; it stays inside [-1, 1] and behaves at 0 and n small,
where the plain normal (Wald) interval does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import sqrt
from statistics import NormalDist


@dataclass(frozen=True)
class Bounds:
    """An estimate with its lower and upper confidence bounds."""

    estimate: float
    low: float
    high: float


def _z(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2)


def wilson(successes: int, trials: int, level: float = 0.95) -> Bounds | None:
    """The proportion successes/trials with its Wilson score interval (None for no trials)."""
    if trials <= 0:
        return None
    z = _z(level)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return Bounds(p, max(0.0, centre - half), min(1.0, centre + half))


def difference(x1: int, n1: int, x2: int, n2: int, level: float = 0.95) -> Bounds | None:
    """p1 - p2 with Newcombe's hybrid score interval (None when either arm is empty)."""
    first, second = wilson(x1, n1, level), wilson(x2, n2, level)
    if first is None or second is None:
        return None
    p1, p2 = first.estimate, second.estimate
    low = p1 - p2 - sqrt((p1 - first.low) ** 2 + (second.high - p2) ** 2)
    high = p1 - p2 + sqrt((first.high - p1) ** 2 + (p2 - second.low) ** 2)
    return Bounds(p1 - p2, max(-1.0, low), min(1.0, high))
