"""Assignment: a stable hash of (playbook, customer id), split by weight; promotion wins."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

from assistant.drafting.prompts import PromptTemplate
from assistant.variants.assign import Arm, VariantPlan, assign

TEMPLATE = PromptTemplate("recognition", "v1", "system", "user")


def test_a_customer_gets_the_same_variant_every_time_and_in_every_process() -> None:
    weights = [("a", 1.0), ("b", 1.0), ("c", 2.0)]
    here = [assign("recognition", customer, weights) for customer in range(1, 200)]
    assert here == [assign("recognition", customer, weights) for customer in range(1, 200)]
    # A new interpreter (another hash seed) assigns the same: sha256, not hash().
    code = (
        "from assistant.variants.assign import assign; "
        "print(','.join(assign('recognition', c, [('a', 1.0), ('b', 1.0), ('c', 2.0)]) "
        "for c in range(1, 200)))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345"},
    )
    assert other.stdout.strip().split(",") == here


def test_the_playbook_is_part_of_the_hash() -> None:
    weights = [("a", 1.0), ("b", 1.0)]
    one = [assign("recognition", c, weights) for c in range(1000)]
    two = [assign("upsell", c, weights) for c in range(1000)]
    assert one != two


def test_shares_follow_the_weights() -> None:
    counts = Counter(assign("upsell", c, [("a", 1.0), ("b", 3.0)]) for c in range(1, 20_001))
    # 25% and 75%: a binomial share of 20,000 is within ±1.5 points far beyond 4 sigma.
    assert abs(counts["a"] / 20_000 - 0.25) < 0.015
    equal = Counter(assign("upsell", c, [("x", 1), ("y", 1), ("z", 1)]) for c in range(1, 30_001))
    assert all(abs(n / 30_000 - 1 / 3) < 0.015 for n in equal.values())


def test_a_promoted_variant_is_the_only_one_picked() -> None:
    arms = (Arm("a", TEMPLATE), Arm("b", TEMPLATE))
    testing = VariantPlan("recognition", arms)
    assert {testing.pick(c).name for c in range(100)} == {"a", "b"}
    decided = VariantPlan("recognition", arms, promoted="b")
    assert {decided.pick(c).name for c in range(100)} == {"b"}
    # Unpromoted again: every customer is back on their own variant.
    assert [testing.pick(c).name for c in range(100)] == [
        VariantPlan("recognition", arms).pick(c).name for c in range(100)
    ]
