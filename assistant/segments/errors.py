"""Segment errors, and pydantic errors rendered as `where.all[2].metric: message` lines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from assistant.segments.schemas import KINDS


class SegmentError(ValueError):
    """A problem with a segment a person must fix; `problems` are `path: message` lines."""

    def __init__(self, problems: Sequence[str], *, prefix: str = "") -> None:
        self.problems = [f"{prefix}{p}" for p in problems]
        super().__init__("; ".join(self.problems))


class DefinitionError(SegmentError):
    """A definition file (or text) is not a valid segment definition."""


class ParamError(SegmentError):
    """A param given for one call is unknown or makes the definition invalid."""


class UnknownSegment(LookupError):
    """No built-in or user segment has this name."""

    def __init__(self, name: str, known: Sequence[str], problems: Sequence[str] = ()) -> None:
        self.name = name
        self.known = list(known)
        from assistant.suggest import did_you_mean

        hint = did_you_mean(name, self.known)
        message = f"unknown segment {name!r}{hint}; known: {', '.join(self.known)}"
        if problems:
            message += f"; {len(problems)} problem(s) in user segment files: " + "; ".join(problems)
        super().__init__(message)


def render_path(loc: Sequence[str | int], *, tagged: bool = True) -> str:
    """`('where', 'all', 2, 'metric', 'metric')` as `where.all[2].metric`.

    In pydantic's locations (`tagged`) a condition's union tag (its kind key) follows
    `where`, `not` and an index in `all` or `any`; it repeats the key that follows it, so it
    is left out. Paths into the raw document have no tags.
    """
    parts: list[str] = []
    expects_tag = False
    previous: str | int | None = None
    for item in loc:
        if expects_tag and isinstance(item, str) and item in KINDS:
            expects_tag = False
            continue
        expects_tag = tagged and (
            item in ("where", "not") or (isinstance(item, int) and previous in ("all", "any"))
        )
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(f".{item}" if parts else item)
        previous = item
    return "".join(parts)


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "condition_kind":
        value = error.get("input")
        got = f"got keys {', '.join(map(str, value))}" if isinstance(value, dict) else "got "
        got += "" if isinstance(value, dict) else repr(value)
        return f"expected one condition key of {', '.join(KINDS)}; {got}"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def format_errors(exc: ValidationError, prefix: Sequence[str | int] = ()) -> list[str]:
    """Each error of `exc` as one `path: message` line, its location under `prefix`."""
    lines = []
    for error in exc.errors(include_url=False):
        loc: list[str | int] = [*prefix, *error["loc"]]
        field = (error.get("ctx") or {}).get("field")
        if field:
            loc.append(field)
        path = render_path(loc)
        lines.append(f"{path}: {_message(error)}" if path else _message(error))
    return lines
