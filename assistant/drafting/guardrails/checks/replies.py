"""Replies in a conversation: no thanks for kind words the customer never sent.

The reply facts say what the customer's latest message was (`facts.inbound.kind`, see
`assistant.conversations.classify`). Answering a complaint or a return request with
"that's so kind of you", "thanks for the lovely message" or "that made my day" misreads
it, so such a reply is blocked; "thank you for telling me" is fine.

A message close to an opt-out ("too many texts", "can you stop the order?") is flagged
`facts.inbound.possible_opt_out` (assistant.conversations.keywords): a reply to it that
does not tell the customer how to stop texts (reply STOP) is blocked, so a person reads the
message and either opts them out or answers with the way out in the reply.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Final

from assistant.drafting.guardrails.checks.base import Draft
from assistant.drafting.guardrails.findings import Finding, finding
from assistant.drafting.guardrails.text import excerpt

CODE: Final = "reply_thanks_complaint"
POSSIBLE_OPT_OUT_CODE: Final = "reply_possible_opt_out"
_STOP_HOW: Final = re.compile(r"\b(?:STOP|BAJA)\b")
# The kinds a thank-you misreads, as a reviewer would name them.
_UNHAPPY: Final = {"complaint": "a complaint or problem", "return_request": "a return request"}
_PRAISE_THANKS: Final = re.compile(
    r"(?i)\b(?:so|very|really|too|how|that's|that\s+is|you're|you\s+are)\s+kind\b"
    r"|\bkind\s+(?:of\s+you|words?|messages?|notes?|comments?)\b"
    r"|\b(?:lovely|sweet|nice|wonderful|generous|glowing|warm|positive|amazing|great)\s+"
    r"(?:words|messages?|notes?|reviews?|feedback|compliments?|comments?)\b"
    r"|\bcompliments?\b"
    r"|\bmade\s+(?:my|our)\s+(?:day|week)\b"
    r"|\b(?:that|this|it)\s+(?:really\s+|truly\s+)?means\s+(?:so\s+much|a\s+lot|the\s+world)\b"
    r"|\b(?:glad|happy|thrilled|delighted|pleased)\s+(?:that\s+)?you(?:'re|\s+are)?\s+"
    r"(?:love|loving|loved|like|liking|liked|enjoy|enjoying|enjoyed)\b"
    r"|\b(?:glad|great|lovely|nice|so\s+good)\s+to\s+hear\b"
    # A bare, cheery "Thank you!" or "Thanks Maya!" (not "thanks for letting me know").
    r"|\bthank(?:s|\s+you)(?:\s+(?:so|very)\s+much)?(?:,?\s+\w+)?\s*!"
)


def check(draft: Draft) -> Iterator[Finding]:
    """reply_thanks_complaint: praise-thanks in a reply to a complaint or return request."""
    inbound = draft.facts.get("inbound")
    kind = inbound.get("kind") if isinstance(inbound, Mapping) else None
    if kind not in _UNHAPPY:
        return
    for part in draft.parts:
        match = _PRAISE_THANKS.search(part.folded)
        if match is None:
            continue
        quoted = excerpt(part.text, match.span())
        yield finding(
            CODE,
            f'"{quoted}"{part.where} thanks the customer for kind words, but their message was '
            f"{_UNHAPPY[str(kind)]}: apologise and say what happens next",
            quoted,
        )


def check_possible_opt_out(draft: Draft) -> Iterator[Finding]:
    """reply_possible_opt_out: a reply to a possible opt-out that does not say "reply STOP"."""
    inbound = draft.facts.get("inbound")
    if not (isinstance(inbound, Mapping) and inbound.get("possible_opt_out") is True):
        return
    if any(_STOP_HOW.search(part.text) for part in draft.parts):
        return
    yield finding(
        POSSIBLE_OPT_OUT_CODE,
        "the customer's message may ask to stop texts: read it, opt them out if so, else "
        'say in the reply how to stop ("Reply STOP to opt out")',
    )
