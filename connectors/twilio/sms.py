"""SMS through the official twilio SDK (`twilio.rest.Client`), implementing `SmsSender`.

The client is the real one: its API domain is pointed at `TWILIO_API_URL` when set (a test
server or a regional proxy) by setting `client.api.base_url`, and it talks through
`_QuietHttpClient`, twilio's own requests-based HTTP client with three changes: a timeout, no
logging of query strings or headers (they carry phone numbers), and the last `Retry-After`
remembered per thread, because `TwilioRestException` does not keep response headers.

Twilio's Messages API has no idempotency key, so this adapter never retries a create itself:
errors become `SendError`s the outbox acts on, and an uncertain outcome (a read timeout or a
dropped connection after the request went out) is marked `uncertain=True`, meaning "ask
`find_sent` before trying again". `find_sent` lists the recipient's recent messages and
matches our body; see its docstring for why it asks twice.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from assistant.config import Settings
from assistant.delivery.policy import STATUS_CALLBACK_PATH
from assistant.ports import SendError, SendResult

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
# How many of the recipient's newest messages `find_sent` reads; our own frequency caps keep
# far fewer than this between an uncertain send and its reconciliation.
SCAN_LIMIT = 50
# Twilio's clock and ours may disagree a little.
CLOCK_SKEW = timedelta(minutes=2)

# Twilio error codes (https://www.twilio.com/docs/api/errors).
OPTED_OUT = 21610  # "Attempt to send to unsubscribed recipient"
INVALID_NUMBER = 21211  # "Invalid 'To' phone number"
NOT_MOBILE = 21614  # "'To' number is not a valid mobile number"
AUTHENTICATE = 20003
_BAD_ADDRESS = {
    INVALID_NUMBER: "invalid phone number",
    NOT_MOBILE: "not a mobile number (cannot receive SMS)",
}

# Twilio's "smart encoding" may swap these for GSM-7 look-alikes before storing the body.
_LOOKALIKES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)


class TwilioConfigError(ValueError):
    """The Twilio settings cannot work; the message names the environment variables to set."""


class _QuietHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio ships no type hints
    """twilio's HTTP client without personal data in logs, remembering `Retry-After`."""

    def __init__(self, timeout: float) -> None:
        super().__init__(timeout=timeout, logger=log)
        self._local = threading.local()

    def log_request(self, kwargs: dict[str, Any]) -> None:
        log.debug("twilio.request", extra={"method": kwargs.get("method")})

    def log_response(self, status_code: int, response: Any) -> None:
        self._local.retry_after = response.headers.get("Retry-After")
        log.debug("twilio.response", extra={"status": status_code})

    def last_retry_after(self) -> float | None:
        """The `Retry-After` of this thread's last response, in seconds, if it had one."""
        value = getattr(self._local, "retry_after", None)
        try:
            return max(0.0, float(value)) if value is not None else None
        except ValueError:
            return None


def _comparable(text: str) -> str:
    return (
        unicodedata.normalize("NFC", text).translate(_LOOKALIKES).replace("\u2026", "...").strip()
    )


class TwilioSmsSender:
    """Sends SMS from a Messaging Service (preferred) or one from-number."""

    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        messaging_service_sid: str | None = None,
        from_number: str | None = None,
        status_callback_url: str | None = None,
        api_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if not account_sid or not auth_token:
            raise TwilioConfigError(
                "SMS over Twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"
            )
        if not messaging_service_sid and not from_number:
            raise TwilioConfigError(
                "SMS over Twilio needs TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER"
            )
        self.messaging_service_sid = messaging_service_sid or None
        self.from_number = from_number or None
        self.status_callback_url = status_callback_url
        self._http = _QuietHttpClient(timeout)
        self.client = Client(account_sid, auth_token, http_client=self._http)
        if api_url:
            # The Api domain builds every Messages URL from this base (twilio.base.domain).
            self.client.api.base_url = api_url.rstrip("/")

    @classmethod
    def from_settings(cls, settings: Settings) -> TwilioSmsSender:
        """A sender from the TWILIO_* settings, calling back ASSISTANT_PUBLIC_URL."""
        twilio = settings.twilio
        return cls(
            account_sid=twilio.account_sid or "",
            auth_token=twilio.auth_token.get_secret_value() if twilio.auth_token else "",
            messaging_service_sid=twilio.messaging_service_sid,
            from_number=twilio.from_number,
            status_callback_url=settings.app.public_url.rstrip("/") + STATUS_CALLBACK_PATH,
            api_url=twilio.api_url,
        )

    def send(
        self, to: str, body: str, *, idempotency_key: str, status_callback: str | None = None
    ) -> SendResult:
        """Create the message; `SendError` on any failure (never retried here).

        `idempotency_key` is not sent (Twilio has nowhere to put it) and only names the
        message in logs; the outbox keeps it and reconciles with `find_sent`.
        """
        params: dict[str, Any] = {"to": to, "body": body}
        if self.messaging_service_sid:
            params["messaging_service_sid"] = self.messaging_service_sid
        if self.from_number:
            params["from_"] = self.from_number
        callback = status_callback or self.status_callback_url
        if callback:
            params["status_callback"] = callback
        try:
            message = self.client.messages.create(**params)
        except Exception as exc:
            error = self._to_send_error(exc, creating=True)
            log.info(
                "twilio.send_failed",
                extra={"key": idempotency_key, "code": error.code, "retryable": error.retryable},
            )
            raise error from exc
        log.info("twilio.sent", extra={"key": idempotency_key, "sid": message.sid})
        return SendResult(provider_id=str(message.sid), status=str(message.status or "queued"))

    def find_sent(
        self, to: str, body: str, *, idempotency_key: str, since: datetime
    ) -> SendResult | None:
        """Our message to `to` with this body, created at or after `since`, if Twilio has it.

        Asks twice, because a message Twilio accepted but has not yet handed to the carrier
        (`accepted`/`queued`) has no `date_sent` and so never matches a DateSent filter: once
        for the recipient's newest messages with no date filter, once with `DateSent>=` the day
        of `since` for ones already sent. A match is an outbound message from our sender whose
        body equals ours or starts with it (a Messaging Service may append opt-out text),
        compared after the look-alike swaps of Twilio's smart encoding. The earliest match wins.
        """
        if since.tzinfo is None:
            raise ValueError("since must be timezone-aware")
        filters: dict[str, Any] = {"to": to}
        if self.from_number:
            filters["from_"] = self.from_number
        try:
            recent = self.client.messages.list(**filters, limit=SCAN_LIMIT, page_size=SCAN_LIMIT)
            day = since.astimezone(UTC).date().isoformat()
            sent = self.client.messages.list(
                **filters, date_sent_after=day, limit=SCAN_LIMIT, page_size=SCAN_LIMIT
            )
        except Exception as exc:
            raise self._to_send_error(exc, creating=False) from exc
        wanted = _comparable(body)
        earliest = since - CLOCK_SKEW
        matches: dict[str, Any] = {}
        for message in [*recent, *sent]:
            if not str(message.direction or "").startswith("outbound"):
                continue
            if self.messaging_service_sid and message.messaging_service_sid not in (
                None,
                self.messaging_service_sid,
            ):
                continue
            created = message.date_created
            if created is not None and created < earliest:
                continue
            if _comparable(str(message.body or "")).startswith(wanted):
                matches[str(message.sid)] = message
        if not matches:
            log.info("twilio.reconcile_not_found", extra={"key": idempotency_key})
            return None
        first = min(
            matches.values(), key=lambda m: m.date_created or datetime.max.replace(tzinfo=UTC)
        )
        log.info("twilio.reconciled", extra={"key": idempotency_key, "sid": first.sid})
        return SendResult(provider_id=str(first.sid), status=str(first.status or "queued"))

    def _to_send_error(self, exc: Exception, *, creating: bool) -> SendError:
        return to_send_error(exc, creating=creating, retry_after=self._http.last_retry_after())


def to_send_error(
    exc: Exception, *, creating: bool = True, retry_after: float | None = None
) -> SendError:
    """The `SendError` for an exception from the twilio client.

    21610 → `opted_out` (consent off, message cancelled); 21211/21614 → `bad_address` (failed
    with the reason); 429, 5xx, auth failures and network errors → retryable. A read timeout
    or a broken connection while creating is `uncertain`: Twilio may have taken the message.
    """
    if isinstance(exc, TwilioRestException):
        code = int(exc.code) if isinstance(exc.code, int) else None
        status = int(exc.status or 0)
        if code == OPTED_OUT:
            return SendError(
                str(code), "recipient unsubscribed from this sender", permanent_reason="opted_out"
            )
        if code in _BAD_ADDRESS:
            return SendError(str(code), _BAD_ADDRESS[code], permanent_reason="bad_address")
        if status == 429:
            return SendError(
                "429", "rate limited by Twilio", retryable=True, retry_after=retry_after
            )
        if status >= 500:
            return SendError(str(status), f"Twilio answered {status}", retryable=True)
        if status in (401, 403) or code == AUTHENTICATE:
            # Our credentials, not the message: keep it and retry once they are fixed.
            return SendError(
                str(code or status),
                "Twilio refused the credentials: check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN",
                retryable=True,
            )
        return SendError(str(code or status), f"Twilio refused the message ({code or status})")
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        # Never connected, so nothing was sent.
        return SendError("timeout", "could not connect to Twilio in time", retryable=True)
    if isinstance(exc, requests.exceptions.Timeout):
        return SendError(
            "timeout", "Twilio did not answer in time", retryable=True, uncertain=creating
        )
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        if isinstance(reason, NewConnectionError):
            return SendError("connection", "could not connect to Twilio", retryable=True)
        # Reset or closed mid-request: the request may have reached Twilio.
        return SendError(
            "connection", "the connection to Twilio failed", retryable=True, uncertain=creating
        )
    if isinstance(exc, requests.exceptions.RequestException | TwilioException):
        return SendError(
            "error",
            f"Twilio request failed: {type(exc).__name__}",
            retryable=True,
            uncertain=creating,
        )
    raise exc
