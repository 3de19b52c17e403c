"""The fast email and phone checks answer exactly what the libraries answer, or decline."""

from __future__ import annotations

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant.ingest import fastcheck, fields

_PROPERTY = settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _library_email(value: str) -> str | None:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def _library_phone(value: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Ordinary parts, and the characters and names where the rules get tricky.
_local_chars = st.sampled_from(list("abcxyzABZ0189._+-") + list("!#%'/=?^`{|}~\"é ü@"))
_label_chars = st.sampled_from([*"abzAZ09-", "xn--", "é", "_", ".", " "])
_labels = st.one_of(
    st.lists(_label_chars, min_size=1, max_size=8).map("".join),
    st.sampled_from(["example", "mail", "xn--bcher-kva", "a" * 63, "a" * 64, "b-", "-b"]),
)
_tlds = st.one_of(
    st.sampled_from(
        ["com", "net", "org", "de", "io", "museum", "c1", "123", "x", "local", "test", "onion"]
    ),
    st.sampled_from(["arpa", "localhost", "invalid", "COM", "Org", "a" * 63, "a" * 64]),
)
_locals = st.one_of(
    st.lists(_local_chars, min_size=0, max_size=12).map("".join),
    st.sampled_from(["Postmaster", "info", "john.doe", "a" * 64, "a" * 65, ".a", "a.", "a..b"]),
)
_domains = st.builds(
    lambda labels, tld: ".".join([*labels, tld]), st.lists(_labels, max_size=4), _tlds
)
_emails = st.one_of(
    st.builds(lambda local, domain: f"{local}@{domain}", _locals, _domains),
    st.text(max_size=30),
    st.builds(lambda n: "a" * n + "@" + "b" * 60 + ".example.com", st.integers(0, 200)),
)


@_PROPERTY
@given(_emails)
@example("Jane.Doe+news@Mail.Example.COM")
@example("postmaster@example.com")
@example("a@example.test")
@example("a@b.c1")
def test_fast_email_is_the_library_or_declines(value: str) -> None:
    fast = fastcheck.email(value)
    if fast is not None:
        assert fast == _library_email(value)


@_PROPERTY
@given(
    st.builds(
        lambda first, last, n, host: f"{first}{'.' if n % 2 else ''}{last}{n}@{host}",
        st.sampled_from(["hannah", "Olivia", "j", "mary-ann", "o_brien"]),
        st.sampled_from(["schmidt", "Lewis", "x", "de+la"]),
        st.integers(0, 10_000_000),
        st.sampled_from(["example.com", "Mail.Example.net", "inbox.example.org", "a-b.co.uk"]),
    )
)
def test_ordinary_emails_take_the_fast_path(value: str) -> None:
    assert fastcheck.email(value) == _library_email(value) is not None


_country_codes = st.sampled_from(sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE))
_regions = st.sampled_from(["US", "GB", "DE", "IT", "FR", "AU", "BR", "IN", "AR", "MX", "RU"])
_phones = st.one_of(
    st.builds(
        lambda cc, rest: f"+{cc}{rest}",
        _country_codes,
        st.text(alphabet="0123456789", min_size=0, max_size=15),
    ),
    st.text(alphabet="+0123456789 -()x", max_size=18),
    st.builds(lambda digits: f"+{digits}", st.text(alphabet="0123456789", max_size=18)),
)


@_PROPERTY
@given(_phones, _regions)
@example("+4915185739277", "US")
@example("+15049463699", "US")
@example("+4407911123456", "GB")
@example("+390612345678", "IT")
@example("+11234567890", "US")
def test_fast_phone_is_the_library_or_declines(value: str, region: str) -> None:
    fast = fastcheck.phone(value, region)
    if fast is not None:
        assert fast == _library_phone(value, region)


def _valid_numbers() -> list[str]:
    """Example numbers of every region and type the library knows, in E.164."""
    found = set()
    for region in phonenumbers.SUPPORTED_REGIONS:
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                found.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return sorted(found)


@_PROPERTY
@given(st.sampled_from(_valid_numbers()), st.integers(0, 99), _regions)
def test_valid_numbers_of_every_region(number: str, tail: int, region: str) -> None:
    """Real numbers, and neighbours of them (the last two digits changed)."""
    for value in (number, f"{number[:-2]}{tail:02d}"):
        fast = fastcheck.phone(value, region)
        if fast is not None:
            assert fast == _library_phone(value, region)


@pytest.mark.parametrize("value", ["+15049463699", "+4915185739277", "+447911123456"])
def test_ordinary_numbers_take_the_fast_path(value: str) -> None:
    assert fastcheck.phone(value, "US") == value


def test_field_parsers_still_refuse_with_the_library_reasons() -> None:
    with pytest.raises(fields.FieldError, match="not a valid email address"):
        fields.email("a@example.test")
    with pytest.raises(fields.FieldError, match="not a valid phone number for its country"):
        fields.phone("+11234567890", "US")
    assert fields.email(" Jane@Example.COM ") == "Jane@example.com"
    assert fields.phone(" +15049463699 ", "US") == "+15049463699"


@_PROPERTY
@given(
    st.one_of(
        st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ")),
        st.builds(
            lambda y, mo, d, h, mi, s: f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}Z",
            st.integers(0, 9999),
            st.integers(0, 13),
            st.integers(0, 32),
            st.integers(0, 25),
            st.integers(0, 61),
            st.integers(0, 61),
        ),
        st.text(alphabet="0123456789-T:Z ", min_size=18, max_size=22),
    )
)
@example("2024-02-29T23:59:59Z")
@example("2023-02-29T12:00:00Z")
@example("0001-01-01T00:00:00Z")
def test_fast_utc_timestamp_is_the_parser_or_declines(value: str) -> None:
    fast = fastcheck.utc_timestamp(value)
    if fast is not None:
        assert fast == _slow_timestamp(value)


def _slow_timestamp(value: str) -> str | None:
    """`fields.timestamp` without its fast path."""
    original = fastcheck.utc_timestamp
    try:
        fastcheck.utc_timestamp = lambda _value: None  # type: ignore[assignment]
        return fields.timestamp(value)
    finally:
        fastcheck.utc_timestamp = original
