"""Checking a value against its choices, with a "did you mean" for a near miss."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.commandline.errors import UserError
from assistant.suggest import did_you_mean


def choose(value: str, choices: Sequence[str], *, what: str) -> str:
    """`value` if it is one of `choices`, else a UserError naming a close one and all."""
    if value in choices:
        return value
    hint = did_you_mean(value, choices)
    raise UserError(f"unknown {what} {value!r}{hint}; choose one of: {', '.join(choices)}")
