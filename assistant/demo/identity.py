"""Names, contact details and optional attributes of demo customers, as CSV-ready strings."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np

from assistant.demo import catalog
from assistant.demo.behaviour import People

# Multiplier of the phone-number permutation: a prime, so it shares no factor with any plan size.
_PHONE_STEP = 1_000_003
_NANP_SUBSCRIBERS = 8_000_000  # 7 digits not starting with 0 or 1
_LOCALES = tuple(sorted({z.locale for z in catalog.ZONES}))
_ZONE_LOCALE = np.array([_LOCALES.index(z.locale) for z in catalog.ZONES])
_SIZE_CDF = np.cumsum([0.06, 0.2, 0.3, 0.25, 0.13, 0.06])


@dataclass(frozen=True)
class _Names:
    """All locales' names in one array, with each locale's slice."""

    text: np.ndarray
    slug: np.ndarray  # ASCII form for email addresses
    offset: np.ndarray
    length: np.ndarray

    @classmethod
    def of(cls, by_locale: dict[str, tuple[str, ...]]) -> _Names:
        names = [by_locale[loc] for loc in _LOCALES]
        flat = [name for group in names for name in group]
        lengths = np.array([len(group) for group in names])
        return cls(
            text=np.array(flat, dtype=object),
            slug=np.array([catalog.ascii_slug(name) for name in flat], dtype=object),
            offset=np.cumsum(lengths) - lengths,
            length=lengths,
        )

    def pick(self, rng: np.random.Generator, locale: np.ndarray) -> np.ndarray:
        """Random name index for each customer, from their locale's slice."""
        index: np.ndarray = (rng.random(len(locale)) * self.length[locale]).astype(np.int64)
        index += self.offset[locale]
        return index


_FIRST = _Names.of(catalog.FIRST_NAMES)
_LAST = _Names.of(catalog.LAST_NAMES)


@dataclass(frozen=True)
class Identity:
    """Per-customer text columns, empty strings for missing optional values."""

    first_name: list[str]
    last_name: list[str]
    email: list[str]
    phone: list[str]
    birthday: list[str]
    preferred_size: list[str]


def draw_identity(
    rng: np.random.Generator, people: People, as_of: datetime.date, phone_offsets: np.ndarray
) -> Identity:
    """Names matching each customer's region, unique emails and phones, birthday and size."""
    n = people.count
    locale = _ZONE_LOCALE[people.zone]
    first, last = _FIRST.pick(rng, locale), _LAST.pick(rng, locale)
    pattern = rng.integers(0, 4, n)
    domain = rng.integers(0, len(catalog.EMAIL_DOMAINS), n)
    has_email = rng.random(n) >= 0.02
    has_phone = rng.random(n) >= 0.08
    # The customer number in the local part keeps addresses unique across the whole file.
    email = [
        _email(f, s, p, k + 1, catalog.EMAIL_DOMAINS[d]) if ok else ""
        for f, s, p, k, d, ok in zip(
            _FIRST.slug[first].tolist(),
            _LAST.slug[last].tolist(),
            pattern.tolist(),
            people.index.tolist(),
            domain.tolist(),
            has_email.tolist(),
            strict=True,
        )
    ]
    phone = np.where(has_phone, _phones(people, phone_offsets), "").tolist()
    has_birthday = rng.random(n) < 0.35
    age_days = rng.integers(18 * 365, 80 * 365, n)
    birthday = np.datetime64(as_of, "D") - age_days.astype("timedelta64[D]")
    has_size = rng.random(n) < 0.3
    size = np.array(catalog.SIZES)[np.minimum(np.searchsorted(_SIZE_CDF, rng.random(n)), 5)]
    return Identity(
        first_name=_FIRST.text[first].tolist(),
        last_name=_LAST.text[last].tolist(),
        email=email,
        phone=phone,
        birthday=np.where(has_birthday, birthday.astype(str), "").tolist(),
        preferred_size=np.where(has_size, size, "").tolist(),
    )


def _email(first: str, last: str, pattern: int, number: int, domain: str) -> str:
    if pattern == 0:
        return f"{first}.{last}{number}@{domain}"
    if pattern == 1:
        return f"{first}{last}{number}@{domain}"
    if pattern == 2:
        return f"{first[0]}{last}{number}@{domain}"
    return f"{first}_{last}.{number}@{domain}"


def _phones(people: People, phone_offsets: np.ndarray) -> np.ndarray:
    """E.164 mobile numbers for the customer's zone, unique while a zone's plan has room."""
    out = np.empty(people.count, dtype=object)
    for z, zone in enumerate(catalog.ZONES):
        where = np.flatnonzero(people.zone == z)
        if not len(where):
            continue
        per_prefix = _NANP_SUBSCRIBERS if zone.nanp else 10**zone.digits
        # k -> (k * step + offset) mod size is a bijection, so distinct customers get
        # distinct numbers for up to `size` customers per zone (8 million or more).
        size = per_prefix * len(zone.prefixes)
        k = (people.index[where] * _PHONE_STEP + int(phone_offsets[z])) % size
        prefix, subscriber = np.divmod(k, per_prefix)
        if zone.nanp:
            subscriber += 2_000_000
        template = f"+{zone.country_code}%s%0{zone.digits}d"
        out[where] = [
            template % (zone.prefixes[p], s)
            for p, s in zip(prefix.tolist(), subscriber.tolist(), strict=True)
        ]
    return out
