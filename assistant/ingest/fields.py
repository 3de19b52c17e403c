"""Parsers for one CSV cell each: they return the normalised value or raise FieldError.

They run once per cell on files of millions of rows, so they stay small and avoid
allocations on the common path.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from assistant.ingest import fastcheck
from assistant.values import clean_text


class FieldError(ValueError):
    """A cell that cannot be used, with a reason a person can act on."""


_MONEY = re.compile(r"\d{1,10}(?:\.\d{1,2})?")
_SLUG = re.compile(r"[a-z0-9][a-z0-9_\-]*")
# A JSON object cell (event properties), as canonical text.
MAX_JSON_CHARS = 4096
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})


def text(value: str, max_length: int) -> str | None:
    """Trimmed text without control characters (`clean_text`), or None when empty."""
    value = clean_text(value).strip()
    if not value:
        return None
    if len(value) > max_length:
        raise FieldError(f"longer than {max_length} characters")
    return value


def identifier(value: str) -> str:
    """A required external id (control characters taken out)."""
    value = clean_text(value).strip()
    if not value:
        raise FieldError("required")
    if len(value) > 64:
        raise FieldError("longer than 64 characters")
    return value


def timestamp(value: str, date_zone: str = "UTC") -> str | None:
    """An ISO 8601 date or datetime as naive-UTC ISO text; a datetime without an offset is UTC.

    A date alone is a calendar day, not UTC midnight: it is kept as midday of that day in
    `date_zone` (the brand's), so it stays the same day in every zone within 12 hours of it.
    """
    value = value.strip()
    if not value:
        return None
    ordinary = fastcheck.utc_timestamp(value)
    if ordinary is not None:
        return ordinary
    if len(value) <= 10 and "T" not in value and ":" not in value:
        return _midday(value, date_zone)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise FieldError("not an ISO 8601 date or datetime (e.g. 2025-03-01T14:30:00Z)") from None
    if parsed.tzinfo is not None:
        try:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            raise FieldError("out of range (years 1 to 9999 in UTC)") from None
    return parsed.isoformat(" ", "microseconds")


@lru_cache(maxsize=4096)
def _midday(value: str, zone: str) -> str:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise FieldError("not an ISO 8601 date or datetime (e.g. 2025-03-01T14:30:00Z)") from None
    try:
        midday = datetime.combine(day, time(12), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    except OverflowError:
        raise FieldError("out of range (years 1 to 9999 in UTC)") from None
    return midday.replace(tzinfo=None).isoformat(" ", "microseconds")


def money(value: str) -> str | None:
    """A non-negative amount in major units with at most two decimals, as canonical text."""
    value = value.strip()
    if not value:
        return None
    if _MONEY.fullmatch(value) is None:
        if value.startswith("-"):
            raise FieldError("must not be negative")
        if "," in value and _MONEY.fullmatch(value.replace(",", ".")):
            # A spreadsheet set to a European locale writes 12,50 (often in a ';' file).
            point = value.replace(",", ".")
            raise FieldError(f"not an amount: use a decimal point ({point}, not {value})")
        raise FieldError("not an amount (use 1234.50: no currency symbol or thousands separator)")
    return value


def quantity(value: str) -> int:
    """A positive whole number; empty means 1."""
    value = value.strip()
    if not value:
        return 1
    try:
        number = int(value)
    except ValueError:
        raise FieldError("not a whole number") from None
    if number < 1:
        raise FieldError("must be at least 1")
    if number > 1_000_000:
        raise FieldError("implausibly large (over 1,000,000)")
    return number


def boolean(value: str) -> bool | None:
    """true/false, yes/no, 1/0 (any case); None when empty."""
    value = value.strip().lower()
    if not value:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise FieldError("not a yes/no value (use true or false)")


def slug(value: str, max_length: int = 32) -> str | None:
    """A short lower-case code such as a reason code."""
    value = value.strip().lower().replace(" ", "_")
    if not value:
        return None
    if len(value) > max_length or _SLUG.fullmatch(value) is None:
        raise FieldError(f"not a code (letters, digits, _ or -, at most {max_length})")
    return value


def json_object(value: str) -> str | None:
    """A JSON object of at most MAX_JSON_CHARS as canonical text; None when empty."""
    value = value.strip()
    if not value:
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        raise FieldError("not JSON") from None
    if not isinstance(parsed, dict):
        raise FieldError("not a JSON object")
    canonical = json.dumps(parsed, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if len(canonical) > MAX_JSON_CHARS:
        raise FieldError(f"longer than {MAX_JSON_CHARS} characters as JSON")
    if "\\u0000" in canonical:
        raise FieldError("contains a NUL character")
    try:
        canonical.encode("utf-8")
    except UnicodeEncodeError:
        raise FieldError("not valid UTF-8 text") from None
    return canonical


def currency(value: str, default: str) -> str:
    """An ISO 4217 code; empty means the brand's default."""
    value = value.strip().upper()
    if not value:
        return default
    if len(value) != 3 or not (value.isascii() and value.isalpha()):
        raise FieldError("not a three-letter currency code such as USD")
    return value


def email(value: str) -> str | None:
    """A syntactically valid address, normalised (domain lower-cased); no DNS lookup."""
    value = value.strip()
    if not value:
        return None
    ordinary = fastcheck.email(value)
    if ordinary is not None:
        return ordinary
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise FieldError(f"not a valid email address: {exc}") from None


def phone(value: str, default_region: str) -> str | None:
    """A valid phone number in E.164; numbers without +country use `default_region`."""
    value = value.strip()
    if not value:
        return None
    ordinary = fastcheck.phone(value, default_region)
    if ordinary is not None:
        return ordinary
    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException:
        raise FieldError("not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise FieldError("not a valid phone number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def timezone(value: str) -> str | None:
    """An IANA time zone name such as America/New_York."""
    value = value.strip()
    if not value:
        return None
    if value not in _zones():
        raise FieldError("not an IANA time zone (e.g. America/New_York)")
    return value
