"""A clock for code that waits: `sleep` records the wait and moves the clock on, at once."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SleepingClock:
    """Seconds since the epoch that only sleeping moves; every wait is recorded in `slept`."""

    now: float = 1_800_000_000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds
