"""Print the corpus rates and every miss: `python -m tests.drafting.guardrails.corpus`."""

from __future__ import annotations

from tests.drafting.guardrails.corpus import let_through, wrongly_blocked
from tests.drafting.guardrails.corpus.bad import BAD
from tests.drafting.guardrails.corpus.good import GOOD


def main() -> None:
    """Good-pass and bad-block rates with the corpus sizes, then the misses."""
    blocked_good = wrongly_blocked(GOOD)
    passed_bad = let_through(BAD)
    good_rate = 1 - len(blocked_good) / len(GOOD)
    bad_rate = 1 - len(passed_bad) / len(BAD)
    print(f"good pass: {len(GOOD) - len(blocked_good)}/{len(GOOD)} = {good_rate:.1%}")
    print(f"bad blocked: {len(BAD) - len(passed_bad)}/{len(BAD)} = {bad_rate:.1%}")
    for line in blocked_good:
        print("wrongly blocked:", line)
    for line in passed_bad:
        print("let through:", line)


main()
