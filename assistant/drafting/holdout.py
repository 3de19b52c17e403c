"""Holdouts: a random, reproducible share of eligible customers who get nothing.

A held-out customer is recorded as a campaign member skipped for `holdout`, so the report
can compare what they did with what the treated did (docs/reports.md, "Holdouts").
Assignment is a stable hash, never Python's `hash()` (salted per process): the first eight
bytes of sha256("<key>|<customer id>") modulo 10,000 give a bucket 0..9999, and the customer
is held out when bucket < percent x 100. The key is `trigger:<name>` for a trigger's
campaigns (so a customer stays on the same side day after day) and `campaign:<id>` for the
others; the customer id is the customer's row id.
"""

from __future__ import annotations

import hashlib

from assistant.config import get_settings

HOLDOUT = "holdout"
BUCKETS = 10_000
MAX_PERCENT = 50.0


class HoldoutError(ValueError):
    """A holdout percent outside 0-50."""


def trigger_key(name: str) -> str:
    return f"trigger:{name}"


def campaign_key(campaign_id: int) -> str:
    return f"campaign:{campaign_id}"


def bucket(key: str, customer_id: int) -> int:
    """The customer's bucket 0..9999 under `key`: the same in every process and run."""
    digest = hashlib.sha256(f"{key}|{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def held_out(key: str, customer_id: int, percent: float) -> bool:
    """Whether the customer is in the holdout of `key` at `percent` (0-50)."""
    return bucket(key, customer_id) < round(percent * BUCKETS / 100)


def check_percent(percent: float) -> float:
    """`percent` if within 0-50, else HoldoutError saying so."""
    if not 0 <= percent <= MAX_PERCENT:
        raise HoldoutError(f"holdout must be a percent from 0 to {MAX_PERCENT:g} (got {percent:g})")
    return percent


def resolve_percent(percent: float | None) -> float:
    """The percent asked for, else ASSISTANT_HOLDOUT_PERCENT; HoldoutError outside 0-50."""
    return check_percent(get_settings().metrics.holdout_percent if percent is None else percent)
