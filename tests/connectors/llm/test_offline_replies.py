"""Offline suggested replies answer in kind: an apology for a complaint, thanks for thanks."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any

import pytest

from assistant.conversations.classify import MessageKind, classify
from assistant.drafting.brand import DEFAULT_PROMPTS_DIR, Brand, load_brand
from assistant.drafting.guardrails import GuardrailPolicy, check_draft
from assistant.drafting.sms_segments import analyse
from assistant.ports import DraftOutput, DraftRequest
from connectors.llm.offline import OfflineDrafter
from tests.conversations.test_classify import CASES

PRODUCT = "Cast Iron Skillet 10in"
KIND_WORDS = re.compile(r"kind of you|made my day|lovely message|means a lot", re.IGNORECASE)
PROMISES = re.compile(r"refund|replacement|\bpolicy\b|\blabel\b|\$|\d+ ?days?", re.IGNORECASE)


@pytest.fixture(scope="module")
def brand() -> Brand:
    return load_brand(DEFAULT_PROMPTS_DIR)


@pytest.fixture(scope="module")
def drafter(brand: Brand) -> OfflineDrafter:
    return OfflineDrafter(brand)


def facts_for(text: str, *, purchase: bool = True, first_sms: bool = False) -> dict[str, Any]:
    """Reply facts as `assistant.conversations.facts` builds them, for one customer text."""
    facts: dict[str, Any] = {
        "schema": 1,
        "playbook": "reply",
        "channel": "sms",
        "brand": {"name": "Ember & Oak", "sender": "Sam"},
        "customer": {"first_name": "Maya", "first_sms": first_sms},
        "offer": None,
        "conversation": [
            {"from": "us", "text": "Hi Maya, how's the skillet? - Sam", "at": "2026-11-22 10:00"},
            {"from": "customer", "text": text, "at": "2026-11-23 09:12"},
        ],
        "inbound": classify(text).as_fact(),
    }
    if purchase:
        facts["purchase"] = {
            "product": PRODUCT,
            "ordered_on": "2026-11-18",
            "days_ago": 5,
            "order_number": "100234",
        }
    return facts


def reply(
    drafter: OfflineDrafter, facts: Mapping[str, Any], channel: str = "sms", variant: int = 0
) -> DraftOutput:
    request = DraftRequest(
        playbook="reply",
        channel=channel,  # type: ignore[arg-type]
        prompt_version="reply-2",
        system="(system)",
        prompt="(user)",
        facts=facts,
        variant=variant,
    )
    return asyncio.run(drafter.draft(request))


def assert_answers_in_kind(kind: MessageKind, body: str, *, purchase: bool) -> None:
    lowered = body.lower()
    if kind is not MessageKind.THANKS:
        assert not KIND_WORDS.search(body), body
    if kind is MessageKind.COMPLAINT:
        assert "sorry" in lowered
        assert re.search(r"look into|put it right|make it right", lowered), body
    elif kind is MessageKind.RETURN_REQUEST:
        assert "the return" in lowered and re.search(r"person|someone", lowered), body
    elif kind is MessageKind.ORDER_STATUS:
        assert re.search(r"check on|find out|look into", lowered), body
        if purchase:
            assert PRODUCT in body or "#100234" in body, body
    elif kind is MessageKind.QUESTION:
        assert re.search(r"check|find out|ordered|order", lowered), body
    elif kind is MessageKind.THANKS:
        assert "thank" in lowered
    else:
        assert re.search(r"look into|take a look", lowered), body
        assert re.search(r"person|someone", lowered), body


@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.parametrize(("text", "kind"), CASES)
def test_every_inbound_text_gets_a_reply_in_kind_that_passes_the_guardrails(
    drafter: OfflineDrafter, brand: Brand, text: str, kind: MessageKind, channel: str
) -> None:
    policy = GuardrailPolicy.from_brand(brand, catalog_names=[PRODUCT, "Pour Over Kettle"])
    for purchase in (True, False):
        facts = facts_for(text, purchase=purchase, first_sms=not purchase)
        assert facts["inbound"]["kind"] == kind
        for variant in range(4):
            out = reply(drafter, facts, channel, variant)
            assert_answers_in_kind(kind, out.body, purchase=purchase)
            if kind is not MessageKind.THANKS:
                assert not PROMISES.search(out.body), out.body
            assert (
                check_draft(
                    channel=channel, body=out.body, subject=out.subject, facts=facts, policy=policy
                )
                == []
            ), out.body
            assert "inbound.kind" in out.facts_used and "conversation" in out.facts_used
            if channel == "sms":
                info = analyse(out.body)
                assert info.encoding == "GSM-7" and info.segments <= 2
                assert out.body.splitlines()[-2 if facts["customer"]["first_sms"] else -1] == (
                    f"- {brand.sender_name}"
                )


def test_the_reported_complaint_gets_an_apology_not_thanks(drafter: OfflineDrafter) -> None:
    facts = facts_for("the bag was torn open, can you send another?")
    bodies = {reply(drafter, facts, variant=variant).body for variant in range(12)}
    assert len(bodies) >= 4  # varied wording
    for body in bodies:
        assert re.match(r"(Hi|Hello) Maya, ", body) and "sorry" in body.lower()
        assert "kind of you" not in body and "thank you!" not in body.lower()


def test_a_question_the_facts_answer_is_answered_from_them(drafter: OfflineDrafter) -> None:
    when = reply(drafter, facts_for("When did I order the skillet?")).body
    assert "on November 18" in when and PRODUCT in when
    what = reply(drafter, facts_for("what did I buy last time?")).body
    assert PRODUCT in what and "check" not in what
    number = reply(drafter, facts_for("What's my order number?")).body
    assert "#100234" in number
    # Without the facts, a person checks instead of a guess.
    unknown = reply(drafter, facts_for("When did I order the skillet?", purchase=False)).body
    assert "check" in unknown and "November" not in unknown


def test_order_status_refers_to_the_order_it_knows(drafter: OfflineDrafter) -> None:
    bodies = {reply(drafter, facts_for("Where is my order?"), variant=v).body for v in range(10)}
    assert all(PRODUCT in b or "#100234" in b for b in bodies)
    assert any("you placed a few days ago" in b for b in bodies)


def test_older_facts_without_the_kind_are_classified_from_the_conversation(
    drafter: OfflineDrafter,
) -> None:
    facts = facts_for("It arrived with a crack in the handle")
    del facts["inbound"]
    out = reply(drafter, facts)
    assert "sorry" in out.body.lower() and "inbound.kind" not in out.facts_used


def test_the_facts_kind_wins_over_the_words(drafter: OfflineDrafter) -> None:
    facts = facts_for("Love it, thank you!")
    facts["inbound"] = {"kind": "complaint", "asks": []}
    assert "sorry" in reply(drafter, facts).body.lower()


def test_replies_are_signed_in_the_brands_voice(brand: Brand) -> None:
    other = brand.model_copy(update={"name": "Juniper Goods", "sender_name": "Jo"})
    out = reply(OfflineDrafter(other), facts_for("Do you ship to Canada?"))
    assert out.body.splitlines()[-1] == "- Jo"
    email = reply(OfflineDrafter(other), facts_for("Do you ship to Canada?"), "email")
    assert email.body.endswith(other.signature("email")) and email.subject


def test_the_same_request_gives_the_same_reply(drafter: OfflineDrafter) -> None:
    facts = facts_for("Is the skillet oven safe?")
    assert reply(drafter, facts).body == reply(drafter, facts).body
