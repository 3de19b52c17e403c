"""Which variant a customer gets: a stable hash of (playbook, customer id), split by weight.

The same customer always gets the same variant of a playbook, across campaigns, reruns and
regenerations, on every machine (sha256, not Python's salted `hash`). A promoted variant is
the only one assigned while the promotion stands.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.drafting.prompts import PromptTemplate

_SCALE = float(1 << 64)


def hash_point(playbook: str, customer_id: int) -> float:
    """The customer's point in [0, 1) for this playbook's test."""
    digest = hashlib.sha256(f"variant\x1f{playbook}\x1f{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def assign(playbook: str, customer_id: int, weights: Sequence[tuple[str, float]]) -> str:
    """The variant name whose share of the weights holds the customer's point."""
    if not weights:
        raise ValueError("assign needs at least one variant")
    total = sum(weight for _, weight in weights)
    target = hash_point(playbook, customer_id) * total
    running = 0.0
    for name, weight in weights:
        running += weight
        if target < running:
            return name
    return weights[-1][0]  # rounding at the very top of the range


@dataclass(frozen=True)
class Arm:
    """A variant ready to draft with: its name, template, instruction and weight."""

    name: str
    template: PromptTemplate
    instruction: str | None = None
    weight: float = 1.0


@dataclass(frozen=True)
class VariantPlan:
    """The variants one run drafts with, and the promoted one when the test is decided."""

    playbook: str
    arms: tuple[Arm, ...]
    promoted: str | None = None

    def named(self, name: str) -> Arm | None:
        """The arm called `name`, or None when the configuration no longer has it."""
        return next((arm for arm in self.arms if arm.name == name), None)

    def pick(self, customer_id: int) -> Arm:
        """The customer's arm: the promoted one if any, else by hash and weight."""
        if self.promoted is not None and (winner := self.named(self.promoted)) is not None:
            return winner
        chosen = assign(self.playbook, customer_id, [(a.name, a.weight) for a in self.arms])
        found = self.named(chosen)
        assert found is not None
        return found
