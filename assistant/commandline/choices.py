"""Checking a value against its choices, with a "did you mean" for a near miss."""

from __future__ import annotations

from collections.abc import Sequence
from difflib import get_close_matches

from assistant.commandline.errors import UserError


def choose(value: str, choices: Sequence[str], *, what: str) -> str:
    """`value` if it is one of `choices`, else a UserError naming a close one and all."""
    if value in choices:
        return value
    close = get_close_matches(value, choices, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise UserError(f"unknown {what} {value!r}; {hint}choose one of: {', '.join(choices)}")
