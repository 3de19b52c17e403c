"""The webhook channel's transport: one signed JSON POST per attempt, with httpx.

Each message is POSTed to `ASSISTANT_WEBHOOK_URL` as the JSON object `payload_of` builds,
with `X-Assistant-Signature` (connectors/webhook/signing.py), `X-Assistant-Timestamp` and
`Idempotency-Key` (our key for the message, the same on every attempt). The brand's receiver
hands it to its push / in-app provider and dedups on the key. Outcomes (docs/delivery.md):

- 2xx: sent; the provider id is the `id` of the response's JSON object when it has one;
- 408, 429, 5xx, timeouts, connection errors: retryable (`Retry-After` seconds honoured); a
  timeout or a connection broken after the request went out is `uncertain`, and since the
  receiver cannot be asked (`find_sent` is None) the sender then posts again, same key;
- any other status (4xx, a redirect): refused for good, the message fails with the status.

Nothing here logs the URL (it may carry a token), the body or the customer: ids and codes only.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from assistant.config import Settings
from assistant.ports import SendError, SendResult, WebhookMessage
from connectors.webhook.signing import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_header,
)

log = logging.getLogger(__name__)

CHANNEL = "webhook"
USER_AGENT = "assistant-webhook/1"
RETRYABLE_STATUSES = (408, 429)
PROVIDER_ID_CHARS = 64  # messages.provider_message_id


class WebhookConfigError(ValueError):
    """The webhook settings cannot work; the message names the variables to set."""


def payload_of(message: WebhookMessage) -> dict[str, Any]:
    """The JSON object POSTed for `message`. Only the brand's customer id identifies the
    customer: the receiver looks up its own device tokens or user by it."""
    return {
        "type": "message",
        "id": message.idempotency_key,
        "message_id": message.message_id,
        "channel": CHANNEL,
        "customer": {"external_id": message.external_id},
        "subject": message.subject,
        "body": message.body,
        "campaign": message.campaign_id,
        "playbook": message.playbook,
        "created_at": message.created_at.isoformat() if message.created_at else None,
    }


def encode(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed: compact UTF-8 JSON with sorted keys."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _provider_id(response: httpx.Response, key: str) -> str:
    """The receiver's id for the message (`{"id": ...}` in its answer), else one of ours."""
    try:
        answer = response.json()
    except ValueError:
        answer = None
    found = answer.get("id") if isinstance(answer, dict) else None
    if isinstance(found, str | int) and not isinstance(found, bool):
        text = str(found).strip()
        if text and len(text) <= PROVIDER_ID_CHARS and text.isprintable():
            return text
    return f"webhook:{key}"[:PROVIDER_ID_CHARS]


def _refusal(response: httpx.Response) -> str:
    """Why the receiver refused, for the message's error: its status and its `error` word."""
    try:
        answer = response.json()
    except ValueError:
        answer = None
    said = answer.get("error") if isinstance(answer, dict) else None
    detail = f": {' '.join(str(said).split())[:200]}" if said else ""
    return f"the webhook receiver refused the message ({response.status_code}){detail}"


def to_send_error(exc: httpx.HTTPError) -> SendError:
    """The `SendError` for a failed request: never connected → retry; may have arrived →
    retry, uncertain (the receiver dedups the repeat on the idempotency key)."""
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return SendError("timeout", "could not connect to the webhook receiver", retryable=True)
    if isinstance(exc, httpx.ConnectError):
        return SendError("connection", "could not connect to the webhook receiver", retryable=True)
    if isinstance(exc, httpx.TimeoutException):
        return SendError(
            "timeout", "the webhook receiver did not answer in time", retryable=True, uncertain=True
        )
    return SendError(
        "connection",
        f"the request to the webhook receiver failed: {type(exc).__name__}",
        retryable=True,
        uncertain=True,
    )


class WebhookSender:
    """POSTs messages to one URL, signed with one secret (implements `WebhookSender`)."""

    name = "webhook"

    def __init__(
        self,
        *,
        url: str,
        secret: str,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not url.strip() or not secret:
            raise WebhookConfigError(
                "the webhook channel needs ASSISTANT_WEBHOOK_URL and ASSISTANT_WEBHOOK_SECRET"
            )
        self.url = url.strip()
        self._secret = secret
        self._clock = clock
        self._client = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
            transport=transport,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookSender:
        """A sender from the ASSISTANT_WEBHOOK_* settings; `WebhookConfigError` if incomplete."""
        webhook = settings.webhook
        problem = webhook.problem()
        if problem is not None:
            raise WebhookConfigError(problem)
        assert webhook.url is not None and webhook.secret is not None
        return cls(
            url=webhook.url, secret=webhook.secret.get_secret_value(), timeout=webhook.timeout
        )

    def post(self, body: bytes, key: str) -> httpx.Response:
        """POST `body` signed now, with `key` as its idempotency key (raises httpx errors)."""
        timestamp = int(self._clock())
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature_header(self._secret, timestamp, body),
            TIMESTAMP_HEADER: str(timestamp),
            IDEMPOTENCY_HEADER: key,
        }
        return self._client.post(self.url, content=body, headers=headers)

    def send(self, message: WebhookMessage) -> SendResult:
        """Deliver one message; `SendError` on anything but a 2xx (never retried here)."""
        key = message.idempotency_key
        try:
            response = self.post(encode(payload_of(message)), key)
        except httpx.HTTPError as exc:
            error = to_send_error(exc)
            log.info("webhook.send_failed key=%s code=%s", key, error.code)
            raise error from exc
        status = response.status_code
        if 200 <= status < 300:
            provider_id = _provider_id(response, key)
            log.info("webhook.sent key=%s status=%s", key, status)
            return SendResult(provider_id=provider_id, status="sent")
        log.info("webhook.send_failed key=%s code=%s", key, status)
        if status in RETRYABLE_STATUSES or status >= 500:
            raise SendError(
                str(status),
                f"the webhook receiver answered {status}",
                retryable=True,
                retry_after=_retry_after(response),
            )
        raise SendError(str(status), _refusal(response))

    def find_sent(self, message: WebhookMessage, *, since: datetime) -> SendResult | None:
        """None: a receiver cannot be asked, and it dedups a repeat on the idempotency key,
        so the sender may post again with the same key."""
        return None

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
