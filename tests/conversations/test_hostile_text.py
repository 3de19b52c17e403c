"""Hostile inbound SMS text: control characters never reach the database, and a body longer
than Twilio ever sends is stored bounded and marked, never copied whole into a prompt."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.conversations.inbound import MAX_BODY_CHARS
from assistant.drafting.brand import load_brand
from assistant.drafting.prompts import MESSAGE_CHARS, load_prompt, render_prompt
from assistant.values import TRUNCATED, bounded_text, clean_text
from tests.conversations.helpers import (
    drafts,
    inbound_params,
    messages,
    post_inbound,
    seed_outreach,
    text_from,
)


def test_clean_text_keeps_tabs_and_newlines_and_drops_other_controls() -> None:
    assert clean_text("a\x00b\x07c\x1bd\x7fe") == "abcde"
    assert clean_text("one\r\ntwo\rthree\tfour\nfive") == "one\ntwo\nthree\tfour\nfive"
    assert clean_text("Zoë 👋 «ok»") == "Zoë 👋 «ok»"
    assert bounded_text("abc", 3) == ("abc", False)
    assert bounded_text("ab\x00cd", 3) == ("abc" + TRUNCATED, True)


def test_a_nul_in_an_sms_is_dropped_and_the_message_kept(engine: Engine, web: TestClient) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, "Is it\x00 oven\x1b[31m safe?\r\nThanks")
    [inbound] = messages(engine, direction="inbound")
    assert inbound.body == "Is it oven[31m safe?\nThanks"


def test_a_nul_from_an_unknown_sender_is_dropped_too(engine: Engine, web: TestClient) -> None:
    response = post_inbound(web, inbound_params("+15005550009", "hello\x00 there"))
    assert response.status_code == 200
    assert messages(engine, direction="inbound") == []


def test_a_signed_sms_longer_than_twilio_sends_is_stored_bounded_and_marked(
    engine: Engine, web: TestClient
) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, "Does it fit? " + "x" * 20_000)
    [inbound] = messages(engine, direction="inbound")
    assert inbound.body.endswith(TRUNCATED)
    assert len(inbound.body) == MAX_BODY_CHARS + len(TRUNCATED)
    # The suggested reply's prompt quotes at most an excerpt of it.
    [suggestion] = drafts(engine, playbook="reply")
    prompt = render_prompt(
        load_prompt("reply"), facts=suggestion.facts, brand=load_brand(), channel="sms"
    )
    assert "Does it fit? xxx" in prompt.user
    assert "x" * MESSAGE_CHARS not in prompt.user


def test_a_signed_sms_of_megabytes_is_refused_unread(engine: Engine, web: TestClient) -> None:
    seeded = seed_outreach(engine)
    response = post_inbound(web, inbound_params(seeded.phone, "x" * 10_000_000))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert messages(engine, direction="inbound") == []
