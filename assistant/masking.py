"""Addresses as staff may see them in lists and JSON: enough to recognise, not to use."""

from __future__ import annotations

MASK = "•••"


def mask_phone(phone: str) -> str:
    """`+15551230000` → `+1555•••0000`: country code and area, then the last four digits."""
    value = phone.strip()
    if len(value) >= 9:
        return value[:5] + MASK + value[-4:]
    return value[:2] + MASK + value[-2:] if len(value) > 4 else MASK


def mask_email(email: str) -> str:
    """`maya@example.com` → `m•••@example.com`."""
    local, at, domain = email.strip().partition("@")
    if not at:
        return MASK
    return (local[:1] + MASK if local else MASK) + "@" + domain


def mask_address(address: str | None) -> str | None:
    """A phone number or an email address, masked; None stays None."""
    if address is None or not address.strip():
        return None
    return mask_email(address) if "@" in address else mask_phone(address)
