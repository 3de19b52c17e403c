"""Cheap exact checks for ordinary emails, phone numbers and UTC timestamps; else the libraries.

`email-validator` and `phonenumbers` cost about 25 and 20 µs a cell: most of a customer
row's validation. For the common plain-ASCII forms (`jane.doe+news@mail.example.com`,
`+15049463699`) the result is computed here, using the libraries' own constants and
metadata; anything else, and any address or number these rules are not sure of, is
declined (None) and goes to the library. tests/ingest/test_fastcheck.py checks with
generated ordinary and tricky inputs that whenever a function here answers, it answers
exactly what the library does (for timestamps: what `fields.timestamp` does).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES
from email_validator.rfc_constants import (
    CASE_INSENSITIVE_MAILBOX_NAMES,
    DNS_LABEL_LENGTH_LIMIT,
    DOMAIN_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    LOCAL_PART_MAX_LENGTH,
)
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata
from phonenumbers.phonenumberutil import _is_number_matching_desc as _matches

# A dot-atom local part of letters, digits, `_`, `+` and `-`; a domain of at least two
# letter-digit-hyphen labels (no hyphen at either end of a label, none doubled, which
# keeps `xn--` IDNA labels out) ending in a top-level domain of letters only.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?!-))*"
_EMAIL = re.compile(
    rf"([A-Za-z0-9_+\-]+(?:\.[A-Za-z0-9_+\-]+)*)@((?:{_LABEL}(?<!-)\.)+[A-Za-z]{{2,63}})"
)
_SPECIAL_DOMAINS = tuple(SPECIAL_USE_DOMAIN_NAMES)
_MAILBOX_NAMES = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)


def email(value: str) -> str | None:
    """`validate_email(value).normalized` for an ordinary ASCII address; None to ask it."""
    match = _EMAIL.fullmatch(value)
    if match is None:
        return None
    local, domain = match.group(1), match.group(2).lower()
    if (
        len(value) > EMAIL_MAX_LENGTH
        or len(local) > LOCAL_PART_MAX_LENGTH
        or len(domain) > DOMAIN_MAX_LENGTH
        or local.lower() in _MAILBOX_NAMES
        or any(len(label) > DNS_LABEL_LENGTH_LIMIT for label in domain.split("."))
        or any(domain == d or domain.endswith("." + d) for d in _SPECIAL_DOMAINS)
    ):
        return None
    return f"{local}@{domain}"


_E164_INPUT = re.compile(r"\+([1-9][0-9]{6,15})")


def phone(value: str, default_region: str) -> str | None:
    """The E.164 form of a valid `+<digits>` number, as `phonenumbers` gives; None to ask it.

    Exactly what `phonenumbers.parse` does with such a string, minus its generic text
    handling: the country code is the first one to three digits that name one, and the
    rest is the national number unless the region's national prefix could be stripped
    from it (then the library decides). Invalid numbers are declined too, so the library
    gives the usual reason.
    """
    match = _E164_INPUT.fullmatch(value)
    if match is None:
        return None
    digits = match.group(1)
    for length in (1, 2, 3):
        country_code = int(digits[:length])
        if country_code in COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    national = digits[length:]
    if len(national) < 2 or national.startswith("0"):
        return None  # too short, or a leading zero the library keeps apart
    prefix = _national_prefix_pattern(country_code, default_region)
    if prefix is None or prefix.match(national):
        return None
    if not _is_valid(country_code, national):
        return None
    return f"+{country_code}{national}"


def _is_valid(country_code: int, national: str) -> bool:
    """`phonenumbers.is_valid_number` without computing the number's type twice.

    The library first finds the number's region (the first of the country code's regions
    whose leading digits match, or for which the number has a type), then types the number
    again for that region; a region found by its type is valid already.
    """
    for metadata, leading_digits in _regions(country_code):
        if leading_digits is None:
            if _has_type(national, metadata):
                return True
        elif leading_digits.match(national):
            return _has_type(national, metadata)
    return False


@lru_cache(maxsize=512)
def _regions(country_code: int) -> tuple[tuple[PhoneMetadata, re.Pattern[str] | None], ...]:
    """Metadata of the country code's regions in the library's order, with leading digits.

    A code of a single region (or a non-geographic one) is that region's, whatever its
    leading digits: the library does not look for a region then.
    """
    regions = COUNTRY_CODE_TO_REGION_CODE[country_code]
    if len(regions) == 1:
        single = PhoneMetadata.metadata_for_region_or_calling_code(country_code, regions[0])
        return () if single is None else ((single, None),)
    found = []
    for region in regions:
        metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
        if metadata is not None:
            digits = metadata.leading_digits
            found.append((metadata, re.compile(digits) if digits is not None else None))
    return tuple(found)


def _has_type(national: str, metadata: PhoneMetadata) -> bool:
    """The library's `_number_type_helper(...) != UNKNOWN`, the likeliest types first."""
    if not _matches(national, metadata.general_desc):
        return False
    if _matches(national, metadata.fixed_line):
        return True
    if not metadata.same_mobile_and_fixed_line_pattern and _matches(national, metadata.mobile):
        return True
    return any(
        _matches(national, desc)
        for desc in (
            metadata.premium_rate,
            metadata.toll_free,
            metadata.shared_cost,
            metadata.voip,
            metadata.personal_number,
            metadata.pager,
            metadata.uan,
            metadata.voicemail,
        )
    )


@lru_cache(maxsize=512)
def _national_prefix_pattern(country_code: int, default_region: str) -> re.Pattern[str] | None:
    """The national prefix `parse` would try to strip for this country; None when unsure."""
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = (
        PhoneMetadata.metadata_for_region(default_region.upper(), None)
        if region == default_region
        else PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    )
    if metadata is None:
        return None
    # Nothing to strip: a pattern that never matches the start of a digit string.
    return re.compile(metadata.national_prefix_for_parsing or r"(?!)")


_UTC_SECONDS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def utc_timestamp(value: str) -> str | None:
    """`2025-05-22T21:48:28Z` as naive-UTC text (`2025-05-22 21:48:28.000000`); None to parse.

    Already UTC to the second: only the date and time need checking, no zone arithmetic.
    """
    if len(value) != 20 or _UTC_SECONDS.fullmatch(value) is None:
        return None
    try:
        datetime.fromisoformat(value[:19])
    except ValueError:
        return None
    return f"{value[:10]} {value[11:19]}.000000"
