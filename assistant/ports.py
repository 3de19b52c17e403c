"""The ports: what the core asks of the outside world, as typing Protocols.

Adapters live in `connectors/` and are chosen by settings in `assistant.wiring`. The core
only ever sees these types, so a provider can be swapped without touching domain code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Channel = Literal["sms", "email"]


@dataclass(frozen=True)
class DraftRequest:
    """Everything a drafter needs to write one message, and nothing more.

    `system` and `prompt` are the rendered templates; `facts` is the fact receipt the prompt
    was rendered from (offline drafters write from it directly). `feedback` carries the
    guardrail findings of a previous, blocked attempt; `instruction` a reviewer's short
    request on regenerate ("warmer"). `variant` picks a phrasing deterministically.
    """

    playbook: str
    channel: Channel
    prompt_version: str
    system: str
    prompt: str
    facts: Mapping[str, Any]
    feedback: Sequence[str] = ()
    instruction: str | None = None
    variant: int = 0


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
