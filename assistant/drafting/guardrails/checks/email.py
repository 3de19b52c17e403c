"""Email: the subject is there and short, the body neither too long nor too short."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from assistant.drafting.guardrails.checks.base import Draft
from assistant.drafting.guardrails.findings import Finding, finding

_WORD: Final = re.compile(r"[^\W_]+(?:['\u2019.-][^\W_]+)*")


def word_count(text: str) -> int:
    """Words as a reader counts them: "don't" and "10.5" are one word each."""
    return len(_WORD.findall(text))


def check(draft: Draft) -> Iterator[Finding]:
    """Subject present and within email_subject_max; body within the word limits."""
    if draft.channel != "email":
        return
    policy = draft.policy
    subject = draft.subject.text.strip() if draft.subject else ""
    if not subject:
        yield finding("email_subject_missing", "an email needs a subject")
    elif len(subject) > policy.email_subject_max:
        yield finding(
            "email_subject_too_long",
            f"the subject is {len(subject)} characters; keep it to "
            f"{policy.email_subject_max} so it is not cut off in the inbox",
            subject[policy.email_subject_max :],
        )
    body = draft.body.text
    if not body.strip():
        return  # reported as "empty"
    words = word_count(body)
    if words > policy.email_body_max_words:
        yield finding(
            "email_body_too_long",
            f"the body is {words} words; the brand's limit is {policy.email_body_max_words}",
        )
    elif words < policy.email_body_min_words:
        yield finding(
            "email_body_too_short",
            f"the body is {words} words; at least {policy.email_body_min_words} make a "
            "personal email",
        )
