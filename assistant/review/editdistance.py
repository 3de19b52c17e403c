"""Levenshtein distance on characters, for how much a reviewer changed a draft."""

from __future__ import annotations


def levenshtein(before: str, after: str) -> int:
    """Insertions, deletions and substitutions (of Unicode code points) turning one into the other.

    Reviewers usually change a few words, so the common prefix and suffix are cut first and
    the quadratic part only runs over the edited middle.
    """
    start = 0
    limit = min(len(before), len(after))
    while start < limit and before[start] == after[start]:
        start += 1
    end_a, end_b = len(before), len(after)
    while end_a > start and end_b > start and before[end_a - 1] == after[end_b - 1]:
        end_a -= 1
        end_b -= 1
    a, b = before[start:end_a], after[start:end_b]
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(
                    previous[j] + 1,  # deletion
                    current[j - 1] + 1,  # insertion
                    previous[j - 1] + (char_a != char_b),  # substitution
                )
            )
        previous = current
    return previous[-1]
