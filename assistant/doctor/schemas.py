"""What one check found."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["ok", "problem", "warning", "skipped"]


@dataclass(frozen=True)
class Check:
    """One line of the doctor's table: what was checked, how it went, and the fix."""

    name: str
    status: Status
    detail: str
    fix: str = ""

    @classmethod
    def ok(cls, name: str, detail: str) -> Check:
        return cls(name, "ok", detail)

    @classmethod
    def problem(cls, name: str, detail: str, fix: str) -> Check:
        return cls(name, "problem", detail, fix)

    @classmethod
    def warning(cls, name: str, detail: str, fix: str) -> Check:
        """Works, but falls short of a standard; does not fail the doctor."""
        return cls(name, "warning", detail, fix)

    @classmethod
    def skipped(cls, name: str, detail: str) -> Check:
        return cls(name, "skipped", detail)


def first_line(error: BaseException) -> str:
    """An exception as one short line, for a table cell (no secrets are in our messages)."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:200]}" if text else type(error).__name__
