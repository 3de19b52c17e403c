"""What every check reads: the draft's parts, its facts made known, and the policy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from assistant.drafting.guardrails.known import KnownFacts
from assistant.drafting.guardrails.masking import KnownNames, mask
from assistant.drafting.guardrails.policy import GuardrailPolicy
from assistant.drafting.guardrails.text import Span, fold, lower

Channel = Literal["sms", "email"]


@dataclass(frozen=True)
class Part:
    """One checked text (the body or the subject) in the forms the checks match against.

    `folded` has straight quotes and dashes; `lowered` is that in lower case. Both have the
    length of `text`, so a span in either is a span of the original. `fact_spans` are where
    fact values occur verbatim: phrases inside them are the customer's own facts (a product
    called "Sale Tote"), not the draft's wording. `masked` is `folded` with the known names
    (brand, sender, products) blanked: the wording checks read it, so a product called
    "House Blend" is never "your new house".
    """

    name: Literal["body", "subject"]
    text: str
    folded: str
    lowered: str
    fact_spans: tuple[Span, ...]
    masked: str

    @classmethod
    def of(
        cls,
        name: Literal["body", "subject"],
        text: str,
        known: KnownFacts,
        names: KnownNames | None = None,
    ) -> Part:
        folded = fold(text)
        lowered = lower(folded)
        masked = mask(folded, names.spans_in(folded)) if names is not None else folded
        return cls(name, text, folded, lowered, tuple(known.spans_in(lowered)), masked)

    @property
    def where(self) -> str:
        """ " in the subject" for the subject, "" for the body (for messages)."""
        return " in the subject" if self.name == "subject" else ""


@dataclass(frozen=True)
class Draft:
    """A draft under check."""

    channel: Channel
    body: Part
    subject: Part | None
    facts: Mapping[str, Any]
    known: KnownFacts
    policy: GuardrailPolicy
    first_name: str | None

    @property
    def parts(self) -> tuple[Part, ...]:
        """The body, then the subject when there is one."""
        return (self.body,) if self.subject is None else (self.body, self.subject)

    @property
    def offer(self) -> Any:
        """facts.offer: None when absent or null."""
        return self.facts.get("offer")

    @property
    def first_sms(self) -> bool:
        """Whether facts.customer.first_sms is true."""
        customer = self.facts.get("customer")
        return isinstance(customer, Mapping) and customer.get("first_sms") is True
