"""Levenshtein distance on characters, checked against the textbook recurrence."""

from __future__ import annotations

import random

import pytest

from assistant.review.editdistance import levenshtein


def reference(a: str, b: str) -> int:
    """The full dynamic programme, no shortcuts."""
    table = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            table[i][j] = min(
                table[i - 1][j] + 1,
                table[i][j - 1] + 1,
                table[i - 1][j - 1] + (a[i - 1] != b[j - 1]),
            )
    return table[len(a)][len(b)]


@pytest.mark.parametrize(
    ("before", "after", "distance"),
    [
        ("", "", 0),
        ("kitten", "sitting", 3),
        ("", "abc", 3),
        ("abc", "", 3),
        ("same text", "same text", 0),
        ("Hi Maya, enjoy!", "Hey Maya, enjoy!", 2),
        ("café", "cafe", 1),
        ("a😀b", "ab", 1),
        ("aaaa", "aa", 2),
    ],
)
def test_known_distances(before: str, after: str, distance: int) -> None:
    assert levenshtein(before, after) == distance == levenshtein(after, before)


def test_agrees_with_the_reference_on_random_edits() -> None:
    rng = random.Random(5)
    alphabet = "ab c\né"
    for _ in range(400):
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        b = list(a)
        for _ in range(rng.randint(0, 4)):
            position = rng.randint(0, len(b))
            kind = rng.choice("ids")
            if kind == "i":
                b.insert(position, rng.choice(alphabet))
            elif b and position < len(b):
                if kind == "d":
                    del b[position]
                else:
                    b[position] = rng.choice(alphabet)
        after = "".join(b)
        assert levenshtein(a, after) == reference(a, after)


def test_a_long_draft_with_a_small_edit_is_quick() -> None:
    text = "Thank you for being with us. " * 200
    edited = text[:3000] + "really " + text[3000:]
    assert levenshtein(text, edited) == 7
