"""reply_thanks_complaint: a reply to a complaint or return request never thanks for kind words."""

from __future__ import annotations

from typing import Any

import pytest

from tests.drafting.guardrails.helpers import codes, run

CODE = "reply_thanks_complaint"


def reply_facts(kind: str | None) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "playbook": "reply",
        "customer": {"first_name": "Maya", "first_sms": False},
        "offer": None,
        "conversation": [{"from": "customer", "text": "the bag was torn open", "at": ""}],
    }
    if kind is not None:
        facts["inbound"] = {"kind": kind, "asks": []}
    return facts


THANKING = (
    "Hi Maya, that's so kind of you to say - thank you! It really made my day. - Sam",
    "Hi Maya, thanks for the kind words! - Sam",
    "Hi Maya, thank you so much for the lovely message. - Sam",
    "Hi Maya, thank you, that means a lot to all of us here. - Sam",
    "Hi Maya, so glad you're enjoying it. - Sam",
    "Hi Maya, glad to hear it arrived. - Sam",
    "Hi Maya, Thank you so much! - Sam",
    "Hi Maya, how kind of you. - Sam",
    "Aw, thanks Maya! - Sam",
)
APOLOGISING = (
    "Hi Maya, I'm so sorry about this - that's not how it should be. A person on our team "
    "will look into it and get back to you to make it right. - Sam",
    "Hi Maya, I'm really sorry to hear that, and thank you for telling me. Someone will be in "
    "touch shortly. - Sam",
    "Hi Maya, sorry it didn't work out. A person from our team will help you with the return. "
    "- Sam",
    "Hi Maya, thanks for letting me know. I'm sorry, and I'll look into it. - Sam",
    "Hi Maya, thank you for your patience! Someone will be in touch shortly. - Sam",
)


@pytest.mark.parametrize("kind", ["complaint", "return_request"])
@pytest.mark.parametrize("body", THANKING)
def test_thanking_a_complaint_or_return_request_is_blocked(kind: str, body: str) -> None:
    [found] = [f for f in run(body, receipt=reply_facts(kind)) if f.code == CODE]
    assert found.severity == "block"
    assert found.excerpt and found.excerpt in body
    assert "apologise" in found.message
    assert ("return request" in found.message) is (kind == "return_request")


@pytest.mark.parametrize("kind", ["complaint", "return_request"])
@pytest.mark.parametrize("body", APOLOGISING)
def test_an_apology_and_a_next_step_pass(kind: str, body: str) -> None:
    assert CODE not in codes(run(body, receipt=reply_facts(kind)))


@pytest.mark.parametrize("kind", ["thanks", "question", "order_status", "other", None])
def test_thanks_is_fine_for_any_other_message_and_without_a_classification(
    kind: str | None,
) -> None:
    for body in THANKING:
        assert CODE not in codes(run(body, receipt=reply_facts(kind)))


def test_campaign_drafts_are_not_checked() -> None:
    assert CODE not in codes(run("Hi Maya, thanks for the kind words! - Sam"))


def test_the_email_subject_counts_too() -> None:
    findings = run(
        "Hi Maya,\n\nI'm so sorry about the bag. A person on our team will look into it and "
        "get back to you to make it right.\n\nWarmly,\nSam",
        channel="email",
        subject="Thanks for the lovely message",
        receipt=reply_facts("complaint"),
    )
    [found] = [f for f in findings if f.code == CODE]
    assert "in the subject" in found.message
