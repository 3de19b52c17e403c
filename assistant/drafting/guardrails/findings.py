"""Findings: what a guardrail reports, and the registry of every stable code."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

Severity = Literal["block", "warn"]


@dataclass(frozen=True)
class Finding:
    """One problem in a draft. `excerpt` is the offending text, when there is one."""

    code: str
    severity: Severity
    message: str
    excerpt: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The JSON shape: code, severity, message, excerpt."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "excerpt": self.excerpt,
        }


@dataclass(frozen=True)
class CodeInfo:
    """A finding code's fixed severity and what it means (docs/guardrails.md lists them)."""

    severity: Severity
    family: str
    summary: str


def _block(family: str, summary: str) -> CodeInfo:
    return CodeInfo("block", family, summary)


def _warn(family: str, summary: str) -> CodeInfo:
    return CodeInfo("warn", family, summary)


# Codes are part of the interface (stored with drafts, fed back to the drafter, shown to
# reviewers): never rename one; add a new code instead.
CODES: Final[dict[str, CodeInfo]] = {
    "sms_ucs2_avoidable": _warn(
        "sms", "UCS-2 only because of smart quotes, long dashes, ellipsis or special spaces"
    ),
    "sms_segments": _warn("sms", "more segments than the brand's sms_warn_segments"),
    "sms_too_long": _block("sms", "more segments than the brand's sms_max_segments"),
    "sms_opt_out_missing": _block("sms", "first SMS to this customer without the opt-out notice"),
    "email_subject_missing": _block("email", "email without a subject"),
    "email_subject_too_long": _warn("email", "subject longer than email_subject_max characters"),
    "email_body_too_long": _warn("email", "body longer than email_body_max_words words"),
    "email_body_too_short": _warn("email", "body shorter than email_body_min_words words"),
    "name_missing": _warn("name", "the customer's first name does not appear"),
    "name_wrong": _block("name", "greets or addresses someone other than the customer"),
    "name_spelling": _warn("name", "greets the customer with their name spelled differently"),
    "invented_price": _block("facts", "a money amount that is not in the facts"),
    "invented_percent": _block("facts", "a percentage that is not in the facts"),
    "invented_code": _block("facts", "a discount-code-like token that is not in the facts"),
    "invented_date": _block("facts", "a date or year that is not in the facts"),
    "invented_order_number": _block("facts", "an order number that is not in the facts"),
    "invented_count": _block("facts", "a count of orders, years, purchases or times not in facts"),
    "invented_product": _block("facts", "a catalogue product that is not in the facts"),
    "invented_offer": _block("facts", "discount or offer wording while the facts have no offer"),
    "invented_link": _block("facts", "a web link that is not in the facts or brand texts"),
    "banned_phrase": _block("brand", "a phrase from the brand's words_to_avoid"),
    "emoji_policy": _warn("brand", "emoji against the brand's emoji policy"),
    "sensitive_health": _block("sensitive", "health or medical content"),
    "sensitive_finances": _block("sensitive", "the customer's finances, debt or credit"),
    "sensitive_pregnancy": _block("sensitive", "pregnancy or a baby on the way"),
    "intrusive_location": _block("sensitive", "where the customer is or was seen"),
    "intrusive_surveillance": _block("sensitive", "surveillance tone: noticed, watching, tracking"),
    "guilt": _block("sensitive", "guilt or pressure: abandoned, missing out, last chance"),
    "empty": _block("integrity", "no text at all"),
    "truncated": _block("integrity", "ends mid-sentence or with a cut-off ellipsis"),
    "unbalanced": _block("integrity", "unbalanced brackets or quotes"),
    "garbled_replacement": _block("integrity", "U+FFFD replacement characters"),
    "garbled_control": _block("integrity", "control or invisible formatting characters"),
    "garbled_mojibake": _block("integrity", "mis-decoded text such as an apostrophe shown as 3"),
    "template_marker": _block("integrity", "left-over template or merge-tag markers"),
    "json_fragment": _block("integrity", "JSON or escaped text leaking into the message"),
    "llm_meta": _block("integrity", "the model talking about itself or the draft"),
    "foreign_phone": _block("leak", "a phone number that is not the customer's or the brand's"),
    "foreign_email": _block("leak", "an email address that is not the customer's or the brand's"),
    "foreign_name": _block("leak", "a person's full name that is not the customer's"),
    "prompt_talk": _block("leak", "talk about prompts, instructions or system messages"),
    "reply_thanks_complaint": _block(
        "reply", "thanks for kind words in a reply to a complaint or return request"
    ),
    "reply_possible_opt_out": _block(
        "reply", "a reply to a possible opt-out that does not say how to stop texts"
    ),
}


def finding(code: str, message: str, excerpt: str | None = None) -> Finding:
    """A finding with the registered severity of `code` (KeyError for an unknown code)."""
    return Finding(code, CODES[code].severity, message, excerpt)


def blocking(findings: Iterable[Finding]) -> bool:
    """Whether any finding blocks the draft."""
    return any(f.severity == "block" for f in findings)
