""" "Did you mean …?" for names a person types: segments, playbooks, states, columns."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest known names, or "" when none is close."""
    choices = list(known)
    lowered = {choice.lower(): choice for choice in choices}
    matches = get_close_matches(name.lower().replace("-", "_"), list(lowered), n=2, cutoff=0.6)
    if not matches:
        return ""
    quoted = " or ".join(repr(lowered[m]) for m in matches)
    return f" (did you mean {quoted}?)"
