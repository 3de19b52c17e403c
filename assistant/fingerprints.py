"""One-way fingerprints of addresses, for what must outlive a forgotten customer's data.

When a customer is forgotten (assistant.customers), their phone and email are erased, but
an opt-out must stay effective: the same number imported again under another id must still
never be texted. The suppression list then keeps `sha256:<hex>` of the address instead of
the address, and every suppression lookup asks for both the address and its fingerprint
(`address_keys`). A fingerprint cannot be read back; it can only confirm a given address,
which is exactly what an opt-out check does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

PREFIX = "sha256:"


def normalised(address: str) -> str:
    """How addresses are compared: trimmed, lower case."""
    return address.strip().lower()


def fingerprint(address: str) -> str:
    """`sha256:` and the hex SHA-256 of the normalised address."""
    return PREFIX + hashlib.sha256(normalised(address).encode()).hexdigest()


def address_keys(addresses: Iterable[str | None]) -> list[str]:
    """What a suppression row may hold for these addresses: each normalised, and its fingerprint."""
    wanted = {normalised(a) for a in addresses if a and a.strip()}
    return sorted(wanted | {fingerprint(a) for a in wanted})
