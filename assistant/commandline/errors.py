"""Errors a person at the terminal can fix, and how other errors read as one line."""

from __future__ import annotations

import sys


class UserError(Exception):
    """A mistake in setup or input: printed as one line, exit code 2, no traceback."""


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0].strip()


def settings_error_message(exc: BaseException) -> str | None:
    """One line naming each invalid setting, for a pydantic ValidationError from Settings."""
    errors = getattr(exc, "errors", None)
    title = getattr(exc, "title", "")
    if errors is None or not str(title).endswith("Settings"):
        return None
    parts = []
    for error in errors():
        name = ".".join(str(part) for part in error.get("loc", ())) or str(title)
        got = error.get("input")
        shown = f" (got {got!r})" if isinstance(got, str | int | float) else ""
        parts.append(f"{name}: {error.get('msg', 'invalid')}{shown}")
    return "invalid setting " + "; ".join(parts) + " (see .env.example)"


def database_error_message(exc: BaseException) -> str | None:
    """One line for SQLAlchemy's connection and URL errors, without the SQL or a password."""
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, sa_exc.ArgumentError | sa_exc.NoSuchModuleError):
        return (
            f"ASSISTANT_DATABASE_URL is not a usable database URL ({_first_line(str(exc))}); "
            "use e.g. sqlite:///./assistant.db or postgresql+psycopg://USER@HOST:5432/NAME"
        )
    if isinstance(exc, sa_exc.OperationalError):
        reason = _first_line(str(exc.orig) if exc.orig is not None else str(exc))
        return (
            f"cannot use the database in ASSISTANT_DATABASE_URL: {reason}; check that the "
            "server runs, the database exists and the URL is right (`assistant doctor`)"
        )
    if isinstance(exc, sa_exc.ProgrammingError | sa_exc.NoSuchTableError):
        return (
            "the database is missing tables this version needs; run `assistant db upgrade` "
            f"({_first_line(str(getattr(exc, 'orig', None) or exc))})"
        )
    return None


def friendly_message(exc: BaseException) -> str | None:
    """The one line to print for `exc`, or None when it is a bug worth its traceback."""
    if isinstance(exc, UserError):
        return str(exc)
    for describe in (settings_error_message, database_error_message):
        message = describe(exc)
        if message:
            return message
    return None
