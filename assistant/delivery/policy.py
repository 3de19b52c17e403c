"""The delivery settings as one immutable policy, so services and tests pass it explicitly."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from assistant.config import Settings
from assistant.delivery.quiet_hours import QuietHours
from assistant.delivery.send_time import SendTimePolicy

STATUS_CALLBACK_PATH = "/webhooks/twilio/status"


@dataclass(frozen=True)
class DeliveryPolicy:
    """Quiet hours, caps and the sender's limits (ASSISTANT_QUIET_HOURS_*, _FREQUENCY_*,
    _CONTACT_*, ...)."""

    quiet_hours: QuietHours = field(default_factory=QuietHours)
    # Skip the customer's national public holidays for marketing (assistant.delivery.windows).
    skip_holidays: bool = False
    # For SMS, the country's and US state's legal limits (on unless the brand's counsel says
    # its texts are not solicitations; tests turn them off to send at any hour).
    legal_windows: bool = True
    brand_zone: str = "America/New_York"
    frequency_cap: int = 1
    frequency_window: timedelta = timedelta(days=7)
    # Across channels: at most `contact_cap` marketing messages per customer per window.
    contact_cap: int = 1
    contact_window: timedelta = timedelta(hours=24)
    lease: timedelta = timedelta(minutes=5)
    max_attempts: int = 8
    batch: int = 100
    # Backoff after a retryable error: base * 2**(attempt-1), at most `backoff_max`.
    backoff_base: timedelta = timedelta(seconds=30)
    backoff_max: timedelta = timedelta(hours=1)
    status_callback_url: str | None = None
    # Send-time learning (docs/send-time.md); None = off: marketing goes as soon as allowed.
    send_time: SendTimePolicy | None = None
    # ASSISTANT_REQUIRE_AI_CONSENT: AI-drafted messages need the destination's AI consent.
    require_ai_consent: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryPolicy:
        """The policy the settings describe."""
        delivery = settings.delivery
        return cls(
            quiet_hours=QuietHours(delivery.quiet_hours_start, delivery.quiet_hours_end),
            skip_holidays=delivery.skip_holidays,
            legal_windows=delivery.sms_legal_windows,
            brand_zone=settings.app.brand_timezone,
            frequency_cap=delivery.frequency_cap,
            frequency_window=timedelta(days=delivery.frequency_window_days),
            contact_cap=delivery.contact_max_per_day,
            contact_window=timedelta(hours=delivery.contact_window_hours),
            lease=timedelta(seconds=delivery.sender_lease_seconds),
            max_attempts=delivery.sender_max_attempts,
            batch=delivery.sender_batch,
            status_callback_url=settings.app.public_url.rstrip("/") + STATUS_CALLBACK_PATH,
            send_time=(
                SendTimePolicy(
                    min_events=delivery.send_time_min_events,
                    holdout_percent=delivery.send_time_holdout_percent,
                )
                if delivery.send_time == "on"
                else None
            ),
            require_ai_consent=delivery.require_ai_consent,
        )

    def backoff(self, attempts: int, retry_after: float | None = None) -> timedelta:
        """How long to wait before attempt `attempts + 1`, honouring the provider's Retry-After."""
        doublings = min(max(attempts - 1, 0), 20)
        delay: timedelta = min(self.backoff_base * 2**doublings, self.backoff_max)
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=retry_after))
        return delay
