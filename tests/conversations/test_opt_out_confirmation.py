"""One confirmation per opt-out, at once, with nothing but the confirmation; in Spanish for a
Spanish request; repeated STOPs get no second one. Possible opt-outs reach staff flagged."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.config import get_settings
from assistant.conversations.views import thread_view
from assistant.db import unit_of_work
from assistant.drafting.brand import load_brand
from tests.conversations.helpers import (
    consent_events,
    conversations,
    customer,
    drafts,
    messages,
    seed_outreach,
    text_from,
)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
GSM7 = re.compile(
    r"^[A-Za-z0-9 @£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!\"#¤%&'()*+,\-./:;<=>?¡ÄÖÑÜ§¿äöñüà]*$"
)


def confirmations(engine: Engine) -> list[str]:
    return [m.body for m in messages(engine, kind="system", direction="outbound")]


def test_a_free_text_opt_out_is_confirmed_once_however_often_it_is_repeated(
    engine: Engine, web: TestClient
) -> None:
    seeded = seed_outreach(engine)
    first = text_from(web, seeded.phone, "please stop texting me")
    assert "unsubscribed" in first.text
    for again in ("STOP TEXTING ME", "stop!!", "no more texts please"):
        assert text_from(web, seeded.phone, again).text == EMPTY_TWIML
    [confirmation] = confirmations(engine)
    brand = load_brand()
    assert confirmation == (
        f"{brand.name}: you're unsubscribed and won't get any more texts from us. "
        "Reply START to resubscribe."
    )
    assert not customer(engine, seeded.customer_id).sms_consent


def test_the_confirmation_goes_out_with_the_webhook_answer_and_sells_nothing(
    engine: Engine, web: TestClient
) -> None:
    seeded = seed_outreach(engine)
    response = text_from(web, seeded.phone, "take me off your list")
    [inbound] = messages(engine, direction="inbound")
    [answer] = messages(engine, kind="system", direction="outbound")
    assert answer.body.replace("&", "&amp;") in response.text  # in Twilio's answer: at once
    assert answer.status == "sent" and answer.sent_at == inbound.created_at
    body = answer.body.lower()
    for selling in ("http", "www", ".com", "%", "$", "offer", "sale", "discount", "skillet"):
        assert selling not in body
    assert GSM7.match(answer.body)  # one plain segment set, no emoji


@pytest.mark.parametrize("mode", ["provider", "app"])
def test_repeated_stop_keywords_get_at_most_one_confirmation(
    engine: Engine, web: TestClient, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setenv("ASSISTANT_SMS_KEYWORD_REPLIES", mode)
    get_settings.cache_clear()
    seeded = seed_outreach(engine)
    for _ in range(3):
        text_from(web, seeded.phone, "STOP")
    assert len(confirmations(engine)) == (1 if mode == "app" else 0)  # Twilio answers its own


def test_a_new_opt_out_after_opting_back_in_is_confirmed_again(
    engine: Engine, web: TestClient
) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, "please stop texting me")
    text_from(web, seeded.phone, "START")
    assert "unsubscribed" in text_from(web, seeded.phone, "please stop texting me").text
    assert len(confirmations(engine)) == 2


def test_repeated_opt_outs_from_an_unknown_number_are_confirmed_once(
    engine: Engine, web: TestClient
) -> None:
    stranger = "+14155550998"
    assert "unsubscribed" in text_from(web, stranger, "remove me from your list").text
    assert text_from(web, stranger, "remove me from your list!").text == EMPTY_TWIML


@pytest.mark.parametrize("text", ["no me envíen más mensajes", "BAJA", "Quítenme de la lista"])
def test_a_spanish_opt_out_is_confirmed_in_spanish(
    engine: Engine, web: TestClient, text: str
) -> None:
    seeded = seed_outreach(engine)
    response = text_from(web, seeded.phone, text)
    assert "le dimos de baja" in response.text  # Twilio does not know BAJA: we confirm it
    person = customer(engine, seeded.customer_id)
    assert not person.sms_consent
    [confirmation] = confirmations(engine)
    assert confirmation.endswith("Responda START para volver a suscribirse.")
    assert GSM7.match(confirmation)
    assert [m.kind for m in messages(engine, direction="inbound")] == ["system"]


def test_a_possible_opt_out_goes_to_staff_flagged_and_changes_no_consent(
    engine: Engine, web: TestClient
) -> None:
    seeded = seed_outreach(engine)
    assert text_from(web, seeded.phone, "can you stop the order?").text == EMPTY_TWIML
    person = customer(engine, seeded.customer_id)
    assert person.sms_consent and consent_events(engine, seeded.customer_id) == []
    [inbound] = messages(engine, direction="inbound")
    assert inbound.kind == "conversation"
    [conversation] = conversations(engine, seeded.customer_id)
    assert conversation.status == "open"
    with unit_of_work(engine) as session:
        view = thread_view(session, str(conversation.id))
    assert view is not None
    assert [line.flag for line in view.lines if line.direction == "inbound"] == ["possible_opt_out"]
    [suggestion] = drafts(engine, playbook="reply")
    assert suggestion.facts["inbound"]["possible_opt_out"] is True
    codes = {item["code"] for item in suggestion.findings["items"]}
    assert "reply_possible_opt_out" in codes or "STOP" in suggestion.body


def test_the_thread_flags_only_the_possible_opt_out(engine: Engine, web: TestClient) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, "too many texts")
    text_from(web, seeded.phone, "Where is my order?")
    [conversation] = conversations(engine, seeded.customer_id)
    with unit_of_work(engine) as session:
        view = thread_view(session, str(conversation.id))
    assert view is not None
    flags = {line.body: line.flag for line in view.lines if line.direction == "inbound"}
    assert flags == {"too many texts": "possible_opt_out", "Where is my order?": None}
