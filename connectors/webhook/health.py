"""`assistant doctor`'s check of the webhook receiver: one signed ping it should accept."""

from __future__ import annotations

import httpx

from assistant.config import Settings
from assistant.doctor.schemas import Check, first_line
from connectors.webhook.transport import WebhookConfigError, WebhookSender, encode


def check_webhook(settings: Settings) -> Check:
    """POST `{"type": "ping", "id": "ping"}`, signed like every message; a 2xx is healthy.
    A receiver answers a ping without delivering anything (docs/delivery.md)."""
    name = "webhook"
    try:
        sender = WebhookSender.from_settings(settings)
    except WebhookConfigError as exc:
        return Check.problem(name, str(exc), "set both, or neither to leave the channel off")
    try:
        response = sender.post(encode({"type": "ping", "id": "ping"}), "ping")
    except httpx.HTTPError as exc:
        return Check.problem(name, first_line(exc), "check ASSISTANT_WEBHOOK_URL and the network")
    finally:
        sender.close()
    if response.status_code in (401, 403):
        return Check.problem(
            name,
            f"the receiver refused the signature ({response.status_code})",
            "check that the receiver uses the same ASSISTANT_WEBHOOK_SECRET",
        )
    if not 200 <= response.status_code < 300:
        return Check.problem(
            name,
            f"the receiver answered {response.status_code} to a ping",
            "check ASSISTANT_WEBHOOK_URL and that the receiver answers pings with 2xx",
        )
    return Check.ok(name, f"the receiver accepted a signed ping ({response.status_code})")
