"""The log's safety net masks addresses and secret shapes, and leaves ids and times alone."""

from __future__ import annotations

import pytest

from assistant.observability.redact import REDACTED, redact_text, redact_value


@pytest.mark.parametrize(
    "secret",
    [
        "+15005550199",
        "+44 20 7946 0958",
        "maya.lopez+shop@example.co.uk",
        "Bearer eyJhbGciOiJIUzI1NiJ9.payload.signature",
        "xoxb-1234-5678-abcdefABCDEF",
        "xapp-1-A0123-456-abcdef",
        "sk-proj-abcdefghijklmnop",
        "ak_live_0123456789abcdef",
        "0123456789abcdef0123456789abcdef",  # a Twilio auth token
        "v1.72.email.1804396464.xxkaG0k7tURSal-3ORSjIzVWTeseaSbpjJCGqXuPoDI",
    ],
)
def test_secret_shapes_are_masked(secret: str) -> None:
    masked = redact_text(f"before {secret} after")
    assert secret not in masked
    assert masked == f"before {REDACTED} after"


@pytest.mark.parametrize(
    "kept",
    [
        "delivery.sent message=42",
        "twilio.sent sid=SM0123456789abcdef0123456789abcdef",
        "2026-12-07T05:14:24.545651Z",
        "request_id=1bf99461-0806-4d78-9fb4-533f818322d1",
        "outbox.written id=OBeed0c2ed1fb144f698901145e52f338d",
    ],
)
def test_ids_and_times_are_kept(kept: str) -> None:
    assert redact_text(kept) == kept


def test_every_field_is_masked_however_deep() -> None:
    event = {"to": "+15005550199", "nested": {"emails": ["a@b.example"]}, "count": 3}
    assert redact_value(event) == {
        "to": REDACTED,
        "nested": {"emails": [REDACTED]},
        "count": 3,
    }
