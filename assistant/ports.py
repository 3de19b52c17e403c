"""The ports: what the core asks of the outside world, as typing Protocols.

Adapters live in `connectors/` and are chosen by settings in `assistant.wiring`. The core
only ever sees these types, so a provider can be swapped without touching domain code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

Channel = Literal["sms", "email", "webhook"]
# How a message is written: the webhook channel (push / in-app through the brand's own
# provider) carries short texts, so it is drafted and checked as an SMS is.
TextChannel = Literal["sms", "email"]
CHANNELS: tuple[Channel, ...] = ("sms", "email", "webhook")


def written_as(channel: str) -> TextChannel:
    """The channel whose prompts and guardrails a message on `channel` is written under."""
    return "email" if channel == "email" else "sms"


@dataclass(frozen=True)
class DraftRequest:
    """Everything a drafter needs to write one message, and nothing more.

    `system` and `prompt` are the rendered templates; `facts` is the fact receipt the prompt
    was rendered from (offline drafters write from it directly). `feedback` carries the
    guardrail findings of a previous, blocked attempt; `instruction` a reviewer's short
    request on regenerate ("warmer"). `variant` picks a phrasing deterministically.
    `test_variant` names the A/B variant of the playbook (prompts/variants.yaml) and `voice`
    its brand-voice instruction, already appended to `system` for a model.
    `examples`: anonymised texts staff approved after editing ([placeholders] for facts),
    for drafters that phrase from them (the offline one); the prompt lists them too.
    """

    playbook: str
    channel: TextChannel
    prompt_version: str
    system: str
    prompt: str
    facts: Mapping[str, Any]
    feedback: Sequence[str] = ()
    instruction: str | None = None
    variant: int = 0
    test_variant: str | None = None
    voice: str | None = None
    examples: Sequence[str] = ()


@dataclass(frozen=True)
class DraftOutput:
    """What a drafter wrote: the message and what it cost."""

    body: str
    subject: str | None = None
    facts_used: Sequence[str] = field(default_factory=tuple)
    model: str = ""
    tokens_in: int = 0
    tokens_out: int = 0


class DrafterError(Exception):
    """A drafter could not produce a message. `retryable` says whether trying again may help."""

    retryable: bool = False
    reason: str = "drafter_error"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DrafterRateLimited(DrafterError):
    """HTTP 429 from the provider; `retry_after` (seconds) when it said so."""

    retryable = True
    reason = "rate_limited"


class DrafterUnavailable(DrafterError):
    """5xx, connection refused or reset: the provider is (for now) not answering."""

    retryable = True
    reason = "unavailable"


class DrafterTimeout(DrafterError):
    """The provider took longer than the configured timeout."""

    retryable = True
    reason = "timeout"


class DrafterBadOutput(DrafterError):
    """The provider answered, but not with a usable message (malformed JSON, empty)."""

    retryable = True
    reason = "bad_output"


class DrafterRefused(DrafterError):
    """The provider refused the request for good (auth, bad request, content policy)."""

    retryable = False
    reason = "refused"


@runtime_checkable
class Drafter(Protocol):
    """Writes one message for one customer. Implementations must be safe to call concurrently."""

    name: str

    async def draft(self, request: DraftRequest) -> DraftOutput:
        """Write the message, or raise a `DrafterError`."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


@dataclass(frozen=True)
class SendResult:
    """A provider accepted a message: its id for the message and its own status word."""

    provider_id: str
    status: str = "sent"


PermanentReason = Literal["opted_out", "bad_address"]


class SendError(Exception):
    """A provider did not take a message.

    `code` is the provider's error code as text ("21610", "429", "timeout"). `retryable`: trying
    again later may work (429, 5xx, timeouts). `permanent_reason`: why it never will
    (`opted_out` → consent off; `bad_address` → failed with the reason). `uncertain`: the
    provider may have accepted it anyway (a timeout after the request went out), so the sender
    asks `find_sent` before any retry. `retry_after` in seconds when the provider said so.
    """

    def __init__(
        self,
        code: str,
        message: str = "",
        *,
        retryable: bool = False,
        permanent_reason: PermanentReason | None = None,
        uncertain: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message or code)
        self.code = code
        self.retryable = retryable
        self.permanent_reason = permanent_reason
        self.uncertain = uncertain
        self.retry_after = retry_after


@runtime_checkable
class SmsSender(Protocol):
    """Sends one SMS. Twilio has no idempotency key, hence `find_sent` (docs/delivery.md)."""

    name: str

    def send(
        self, to: str, body: str, *, idempotency_key: str, status_callback: str | None = None
    ) -> SendResult:
        """Hand the message to the provider, or raise `SendError`."""
        ...

    def find_sent(
        self, to: str, body: str, *, idempotency_key: str, since: datetime
    ) -> SendResult | None:
        """The message if the provider took it at or after `since`; None if it did not.

        Raise `SendError` when the provider cannot be asked (retryable) or cannot tell
        (not retryable): the sender then never guesses.
        """
        ...


@dataclass(frozen=True)
class EmailMessage:
    """One outgoing email as the core writes it; the adapter adds HTML, headers, unsubscribe.

    Not the standard library's `email.message.EmailMessage`: the adapter builds that.
    """

    to: str
    subject: str
    text: str
    idempotency_key: str
    customer_id: int | None = None
    html: str | None = None
    # The customer's Message-ID this answers (a conversation reply): threads it in their mailbox.
    in_reply_to: str | None = None


class InboxError(RuntimeError):
    """The mailbox could not be read; the message says what to check (no secrets in it)."""


@dataclass(frozen=True)
class InboxMail:
    """One unread message in a mailbox: its id there, and the raw RFC 5322 bytes."""

    uid: str
    raw: bytes


class InboxConnection(Protocol):
    """An open mailbox (IMAP): read unread messages, mark one read once it is stored."""

    def unseen(self, limit: int) -> list[InboxMail]:
        """Up to `limit` unread messages, oldest first; reading them leaves them unread."""
        ...

    def mark_seen(self, uid: str) -> None:
        """Mark message `uid` read (it was stored; it is not fetched again)."""
        ...


class EmailInbox(Protocol):
    """Where customers' email replies arrive, polled (assistant.conversations.email_poll)."""

    def open(self) -> AbstractContextManager[InboxConnection]:
        """Connect and log in; the connection closes when the block ends."""
        ...


@runtime_checkable
class EmailSender(Protocol):
    """Sends one email."""

    name: str

    def send(self, message: EmailMessage) -> SendResult:
        """Hand the message to the provider, or raise `SendError`."""
        ...

    def find_sent(self, message: EmailMessage, *, since: datetime) -> SendResult | None:
        """Like `SmsSender.find_sent`; raise a non-retryable `SendError` if it cannot tell."""
        ...


@dataclass(frozen=True)
class WebhookMessage:
    """One outgoing push / in-app message as the core hands it to the webhook channel.

    `idempotency_key` is the same on every attempt for one message; `external_id` is the
    brand's own customer id (the only customer datum the payload carries).
    """

    idempotency_key: str
    message_id: int
    external_id: str
    body: str
    subject: str | None = None
    campaign_id: int | None = None
    playbook: str | None = None
    created_at: datetime | None = None


@runtime_checkable
class WebhookSender(Protocol):
    """POSTs one message to the brand's endpoint, which dedups on the idempotency key."""

    name: str

    def send(self, message: WebhookMessage) -> SendResult:
        """Deliver the message, or raise `SendError`."""
        ...

    def find_sent(self, message: WebhookMessage, *, since: datetime) -> SendResult | None:
        """None: the receiver cannot be asked, and sending again with the same key is safe."""
        ...


class OptOutClassifier(Protocol):
    """A second reader of messages the opt-out rules call ambiguous (a language model)."""

    def is_opt_out(self, text: str) -> bool:
        """Whether the customer's text asks to stop getting messages; raises on any failure."""
        ...


@runtime_checkable
class SignatureValidator(Protocol):
    """Checks a provider's webhook signature (Twilio: `X-Twilio-Signature`)."""

    def validate(self, url: str, params: Sequence[tuple[str, str]], signature: str) -> bool:
        """Whether `signature` signs `url` (the public URL, query included) and the form
        `params` (every pair, repeats kept, in the order received)."""
        ...


@runtime_checkable
class ReviewChannel(Protocol):
    """Where staff see drafts and decide on them (Slack or the terminal).

    Methods take ids and read what they show themselves, so a caller can hand them to the
    background after its unit of work commits. Decisions go through `assistant.review.service`.
    """

    def post_draft(self, draft_id: int) -> None:
        """Show a draft waiting for review (once: a repeat call must not post it twice)."""
        ...

    def update_draft(self, draft_id: int) -> None:
        """Show a draft's new state: who decided what and when, or its regenerated text."""
        ...

    def post_campaign(self, campaign_id: int) -> None:
        """Show a campaign's overview: counts and a few sample drafts."""
        ...

    def post_conversation_message(self, message_id: int) -> None:
        """Show a customer's inbound message in its conversation thread."""
        ...


class ShopifyApiError(Exception):
    """The Shopify Admin API refused or failed a request (the message is one line)."""


class ShopifyAuthError(ShopifyApiError):
    """401/403: the access token is wrong, revoked or lacks a scope."""


class ShopifyUnreachable(ShopifyApiError):
    """The store could not be reached (DNS, connection, timeout, 5xx after retries)."""


@runtime_checkable
class ShopifyAdmin(Protocol):
    """The Admin GraphQL API of one store: queries, and the bulk operations' JSONL results.

    Throttling (HTTP 429, GraphQL `THROTTLED`) is waited out and retried inside."""

    def execute(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of one GraphQL request; raises a ShopifyApiError on `errors`."""
        ...

    def download(self, url: str) -> Iterator[dict[str, Any]]:
        """The objects of a bulk operation's JSONL result file, one per line."""
        ...

    def close(self) -> None:
        """Release the HTTP connections."""
        ...
