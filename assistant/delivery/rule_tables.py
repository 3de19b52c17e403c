"""The sending-window tables shipped as data (assistant/delivery/data), read once.

`us_state_windows.yaml` and `country_sms_rules.yaml` hold legal limits on marketing texts,
`us_area_codes.csv` maps a US area code to its state; each file names its source and date.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import time
from functools import lru_cache
from importlib.resources import files
from typing import Any, Literal

import yaml

DATA = "assistant.delivery.data"
SUNDAY = 6  # date.weekday()


@dataclass(frozen=True)
class Span:
    """An allowed wall-clock span within one day: from `start` up to (not including) `end`."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> Span:
        """`"08:00-20:00"` → Span(08:00, 20:00); start must come before end."""
        first, _, last = text.partition("-")
        span = cls(time.fromisoformat(first.strip()), time.fromisoformat(last.strip()))
        if not span.start < span.end:
            raise ValueError(f"span {text!r} must start before it ends")
        return span

    def contains(self, local: time) -> bool:
        """Whether the wall-clock time `local` lies in the span."""
        return self.start <= local < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class WindowRule:
    """One jurisdiction's limit: a span on Monday-Saturday, Sunday's (None: closed) and
    whether its public holidays are closed."""

    key: str
    name: str
    law: str
    window: Span
    sunday: Span | None
    holidays_closed: bool

    def span_on(self, weekday: int) -> Span | None:
        """The allowed span on a day of the week (0 Monday .. 6 Sunday); None: closed."""
        return self.sunday if weekday == SUNDAY else self.window


def _rule(key: str, row: dict[str, Any]) -> WindowRule:
    window = Span.parse(str(row["window"]))
    sunday_text = str(row.get("sunday", "same"))
    sunday: Span | None
    if sunday_text == "same":
        sunday = window
    elif sunday_text == "closed":
        sunday = None
    else:
        sunday = Span.parse(sunday_text)
    holidays: Literal["open", "closed"] = row.get("holidays", "open")
    if holidays not in ("open", "closed"):
        raise ValueError(f"{key}: holidays must be open or closed")
    return WindowRule(
        key=key.upper(),
        name=str(row["name"]),
        law=str(row.get("law", "")),
        window=window,
        sunday=sunday,
        holidays_closed=holidays == "closed",
    )


def _yaml_rules(name: str) -> dict[str, WindowRule]:
    loaded = yaml.safe_load(files(DATA).joinpath(name).read_text(encoding="utf-8")) or {}
    return {key.upper(): _rule(key, row) for key, row in loaded.items()}


@lru_cache(maxsize=1)
def state_rules() -> dict[str, WindowRule]:
    """US state → its limit on marketing texts (only the states the table lists)."""
    return _yaml_rules("us_state_windows.yaml")


@lru_cache(maxsize=1)
def country_rules() -> dict[str, WindowRule]:
    """Country (ISO alpha-2) → its limit on marketing texts."""
    return _yaml_rules("country_sms_rules.yaml")


@lru_cache(maxsize=1)
def area_code_states() -> dict[str, str]:
    """US area code ("305") → state ("FL")."""
    text = files(DATA).joinpath("us_area_codes.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {row["area_code"]: row["state"] for row in rows}


US_STATE_NAMES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "district of columbia": "DC",
    "florida": "FL", "georgia": "GA", "hawaii": "HI", "idaho": "ID", "illinois": "IL",
    "indiana": "IN", "iowa": "IA", "kansas": "KS", "kentucky": "KY", "louisiana": "LA",
    "maine": "ME", "maryland": "MD", "massachusetts": "MA", "michigan": "MI",
    "minnesota": "MN", "mississippi": "MS", "missouri": "MO", "montana": "MT",
    "nebraska": "NE", "nevada": "NV", "new hampshire": "NH", "new jersey": "NJ",
    "new mexico": "NM", "new york": "NY", "north carolina": "NC", "north dakota": "ND",
    "ohio": "OH", "oklahoma": "OK", "oregon": "OR", "pennsylvania": "PA",
    "rhode island": "RI", "south carolina": "SC", "south dakota": "SD", "tennessee": "TN",
    "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA",
    "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY",
}  # fmt: skip
# Other spellings people use for a state.
US_STATE_ALIASES = {"washington dc": "DC", "washington d c": "DC", "washington state": "WA"}


def us_state_code(text: str | None) -> str | None:
    """A US state's USPS code from its code or name ("fl", "Florida"); None if not one."""
    cleaned = " ".join((text or "").replace(".", " ").split()).lower()
    if not cleaned:
        return None
    if cleaned.upper() in US_STATE_NAMES.values():
        return cleaned.upper()
    return US_STATE_NAMES.get(cleaned) or US_STATE_ALIASES.get(cleaned)
