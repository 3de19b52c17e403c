"""The combined sending window for one customer, in their own zone, DST-correct.

A marketing message may go when every rule allows it: the brand's window (the complement of
its quiet hours, 09:00-20:00 by default), the brand's holiday skip (ASSISTANT_SKIP_HOLIDAYS:
the customer's national public holidays), and for SMS the legal limits of the customer's
country (country_sms_rules.yaml: the US federal TCPA window, France's no Sundays/holidays)
and US state (us_state_windows.yaml). The customer's state is their `state`/`province`/
`region` attribute when it names one, else their number's area code; their country is their
`country` attribute, else their number's. Everything is read in local wall-clock time.

`next_allowed` is exact: the allowed set is an intersection of wall-clock spans per local
day, so its first moment at or after a given one is that moment, the start of some span or
local day (either reading of a repeated wall time), or a UTC-offset change; those candidates
are tried in order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as number_zones

from assistant.delivery.calendars import holiday_name
from assistant.delivery.policy import DeliveryPolicy
from assistant.delivery.quiet_hours import QuietHours, resolve_zone
from assistant.delivery.rule_tables import (
    WindowRule,
    area_code_states,
    country_rules,
    state_rules,
    us_state_code,
)
from assistant.models import Customer

# How far ahead an allowed moment is searched for before giving up (None: no window).
HORIZON = timedelta(days=62)
STATE_KEYS = ("state", "province", "region")
COUNTRY_KEYS = ("country", "country_code")
MIDNIGHT = time(0, 0)


@dataclass(frozen=True)
class Block:
    """Why a moment is not allowed: `reason` is the short code a waiting message keeps
    (quiet_hours, holiday, sunday, state_window, country_window); `code` the detailed one
    ("state_window:FL 08:00-20:00"); `text` a sentence for people."""

    reason: str
    code: str
    text: str


class Constraint(Protocol):
    """One rule of the window: what blocks a local moment, and where its spans open."""

    def blocks(self, local: datetime) -> Block | None:
        """Why the local (aware, customer-zone) moment is not allowed; None: it is."""
        ...

    def openings(self) -> tuple[time, ...]:
        """The wall-clock times at which its allowed spans start (besides midnight)."""
        ...


@dataclass(frozen=True)
class BrandWindow:
    """The brand's quiet hours (ASSISTANT_QUIET_HOURS_START/END), on every channel."""

    quiet: QuietHours

    def blocks(self, local: datetime) -> Block | None:
        """Quiet hours block (reason `quiet_hours`)."""
        if not self.quiet.is_quiet_at(local.time().replace(tzinfo=None)):
            return None
        span = f"{self.quiet.end:%H:%M}-{self.quiet.start:%H:%M}"
        return Block(
            "quiet_hours",
            f"quiet_hours:{span}",
            f"the brand sends marketing {span} customer-local time",
        )

    def openings(self) -> tuple[time, ...]:
        """Sending resumes at the end of the quiet hours."""
        return (self.quiet.end,)


@dataclass(frozen=True)
class HolidaySkip:
    """The brand skips the customer's national public holidays (ASSISTANT_SKIP_HOLIDAYS)."""

    country: str

    def blocks(self, local: datetime) -> Block | None:
        """A national public holiday blocks the whole local day (reason `holiday`)."""
        name = holiday_name(local.date(), self.country)
        if name is None:
            return None
        return Block(
            "holiday",
            f"holiday:{self.country}:{name}",
            f"the brand skips public holidays: {name} ({self.country})",
        )

    def openings(self) -> tuple[time, ...]:
        """Only whole days: the next day opens at midnight."""
        return ()


@dataclass(frozen=True)
class LegalWindow:
    """A country's or US state's limit on marketing texts, from the tables."""

    rule: WindowRule
    kind: str  # country_window | state_window
    country: str
    subdivision: str | None = None

    def blocks(self, local: datetime) -> Block | None:
        """A closed holiday or Sunday, or a time outside the day's span."""
        day = local.date()
        who = self.rule.key
        if self.rule.holidays_closed:
            name = holiday_name(day, self.country, self.subdivision)
            if name is not None:
                return Block(
                    "holiday",
                    f"holiday:{who}:{name}",
                    f"{self.rule.name} allows no marketing texts on public holidays ({name})",
                )
        span = self.rule.span_on(day.weekday())
        if span is None:
            return Block(
                "sunday",
                f"sunday:{who}",
                f"{self.rule.name} allows no marketing texts on Sundays",
            )
        if span.contains(local.time().replace(tzinfo=None)):
            return None
        return Block(
            self.kind,
            f"{self.kind}:{who} {span}",
            f"{self.rule.name} allows marketing texts {span} local time ({self.rule.law})",
        )

    def openings(self) -> tuple[time, ...]:
        """The starts of its spans."""
        starts = {self.rule.window.start}
        if self.rule.sunday is not None:
            starts.add(self.rule.sunday.start)
        return tuple(sorted(starts))


@dataclass(frozen=True)
class SendingWindow:
    """Every constraint on one customer's marketing messages, read in `zone`."""

    zone: ZoneInfo
    constraints: tuple[Constraint, ...]

    def blocks(self, moment: datetime) -> list[Block]:
        """Everything that blocks the aware `moment` (empty: allowed)."""
        local = moment.astimezone(self.zone)
        return [block for c in self.constraints if (block := c.blocks(local)) is not None]

    def allows(self, moment: datetime) -> bool:
        """Whether every constraint allows the aware `moment`."""
        local = moment.astimezone(self.zone)
        return all(c.blocks(local) is None for c in self.constraints)

    def next_allowed(self, moment: datetime) -> datetime | None:
        """The first instant at or after `moment` every constraint allows (UTC, whole
        seconds when it moved); None when there is none within `HORIZON`."""
        if self.allows(moment):
            return moment
        start = moment.astimezone(UTC)
        while start < moment + HORIZON:
            end = start + timedelta(days=1)
            for candidate in sorted(self._candidates(start, end)):
                if candidate >= moment and self.allows(candidate):
                    return candidate
            start = end
        return None

    def _candidates(self, start: datetime, end: datetime) -> Iterator[datetime]:
        """Instants in [start, end) where the allowed set may begin (see the module doc)."""
        walls = {MIDNIGHT, *(t for c in self.constraints for t in c.openings())}
        first = start.astimezone(self.zone).date() - timedelta(days=1)
        last = end.astimezone(self.zone).date() + timedelta(days=1)
        day = first
        while day <= last:
            for wall in walls:
                yield from self._instants(datetime.combine(day, wall), start, end)
            day += timedelta(days=1)
        yield from offset_changes(self.zone, start, end)

    def _instants(self, wall: datetime, start: datetime, end: datetime) -> Iterator[datetime]:
        for fold in (0, 1):
            instant = wall.replace(tzinfo=self.zone, fold=fold).astimezone(UTC)
            if not start <= instant < end:
                continue
            if instant.astimezone(self.zone).replace(tzinfo=None) == wall:  # not skipped
                yield instant


def offset_changes(zone: ZoneInfo, start: datetime, end: datetime) -> Iterator[datetime]:
    """The first instant (whole second) of each new UTC offset of `zone` in (start, end]."""
    step = timedelta(hours=1)
    low = start
    while low < end:
        high = min(low + step, end)
        if low.astimezone(zone).utcoffset() != high.astimezone(zone).utcoffset():
            yield _first_of_new_offset(zone, low, high)
        low = high


def _first_of_new_offset(zone: ZoneInfo, low: datetime, high: datetime) -> datetime:
    before = low.astimezone(zone).utcoffset()
    low_s, high_s = int(low.timestamp()), int(high.timestamp()) + 1
    while high_s - low_s > 1:
        middle = (low_s + high_s) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == before:
            low_s = middle
        else:
            high_s = middle
    return datetime.fromtimestamp(high_s, UTC)


def _attribute(customer: Customer, keys: Sequence[str]) -> str | None:
    attributes = {str(k).strip().lower(): v for k, v in (customer.attributes or {}).items()}
    for key in keys:
        value = attributes.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _phone(customer: Customer) -> phonenumbers.PhoneNumber | None:
    if not customer.phone:
        return None
    try:
        return phonenumbers.parse(customer.phone, None)
    except phonenumbers.NumberParseException:
        return None


def customer_country(customer: Customer) -> str | None:
    """The customer's country (ISO alpha-2): their `country` attribute, else their number's."""
    given = (_attribute(customer, COUNTRY_KEYS) or "").upper()
    if given in ("USA", "UNITED STATES"):
        return "US"
    if len(given) == 2 and given.isalpha():
        return given
    number = _phone(customer)
    region = phonenumbers.region_code_for_number(number) if number is not None else None
    return region if region and region != phonenumbers.UNKNOWN_REGION else None


def customer_state(customer: Customer) -> str | None:
    """A US customer's state: a `state`/`province`/`region` attribute naming one wins over
    their number's area code."""
    given = us_state_code(_attribute(customer, STATE_KEYS))
    if given is not None:
        return given
    number = _phone(customer)
    if number is None or number.country_code != 1:
        return None
    return area_code_states().get(str(number.national_number)[:3])


def phone_zone(customer: Customer) -> str | None:
    """The one zone the customer's number belongs to (area code, country), if just one."""
    number = _phone(customer)
    if number is None:
        return None
    zones = [z for z in number_zones.time_zones_for_number(number) if z != "Etc/Unknown"]
    return zones[0] if len(zones) == 1 else None


def zone_of(customer: Customer, policy: DeliveryPolicy) -> ZoneInfo:
    """The customer's zone: theirs when known, else their number's when it has only one (a
    New York brand must not text a Los Angeles number at 6:00 its time), else the brand's."""
    return (
        _zone(customer.timezone)
        or _zone(phone_zone(customer))
        or resolve_zone(None, policy.brand_zone)
    )


def _zone(name: str | None) -> ZoneInfo | None:
    if not name or not name.strip():
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def sending_window(customer: Customer, channel: str, policy: DeliveryPolicy) -> SendingWindow:
    """The constraints on marketing messages to `customer` on `channel`, in their zone."""
    zone = zone_of(customer, policy)
    constraints: list[Constraint] = [BrandWindow(policy.quiet_hours)]
    country = customer_country(customer)
    if country is not None and policy.skip_holidays:
        constraints.append(HolidaySkip(country))
    if channel == "sms" and country is not None and policy.legal_windows:
        # The state's rule first: when both block, it is the more telling reason.
        state = customer_state(customer) if country == "US" else None
        local = state_rules().get(state) if state else None
        if local is not None:
            constraints.append(LegalWindow(local, "state_window", "US", state))
        national = country_rules().get(country)
        if national is not None:
            constraints.append(LegalWindow(national, "country_window", country))
    return SendingWindow(zone, tuple(constraints))
