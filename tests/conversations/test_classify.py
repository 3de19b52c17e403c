"""Classifying inbound messages: realistic texts, typos, emoji and negation."""

from __future__ import annotations

import pytest

from assistant.conversations.classify import (
    ORDER_DATE,
    ORDER_NUMBER,
    ORDER_PRODUCT,
    Classification,
    MessageKind,
    classify,
    latest_customer_text,
)

COMPLAINT = MessageKind.COMPLAINT
QUESTION = MessageKind.QUESTION
THANKS = MessageKind.THANKS
STATUS = MessageKind.ORDER_STATUS
RETURN = MessageKind.RETURN_REQUEST
OTHER = MessageKind.OTHER

CASES: tuple[tuple[str, MessageKind], ...] = (
    # complaints and problems
    ("the bag was torn open, can you send another?", COMPLAINT),
    ("It arrived but the handle has a crack in it", COMPLAINT),
    ("My kettle arrived with a dented lid, what can I do?", COMPLAINT),
    ("THE LID IS MISSING!!!", COMPLAINT),
    ("not happy with the grinder tbh", COMPLAINT),
    ("Honestly I'm not impressed, the coating is peeling already", COMPLAINT),
    ("the pour over kettle doesnt work anymore", COMPLAINT),
    ("It still hasn't arrived and it's been 2 weeks", COMPLAINT),
    ("package came damagd 😡", COMPLAINT),
    ("Recieved the wrong colour mug", COMPLAINT),
    ("Thanks, but the beans were stale", COMPLAINT),
    ("You charged me twice, I was overcharged", COMPLAINT),
    ("I sent it back 3 weeks ago and still no refund", COMPLAINT),
    ("Great, it arrived smashed. 👎", COMPLAINT),
    ("my order never came", COMPLAINT),
    ("Very disapointed with the quality", COMPLAINT),
    # return requests
    ("Can I return the skillet? It's too heavy for me", RETURN),
    ("I'd like to exchange the apron for a larger size", RETURN),
    ("How do I send it back?", RETURN),
    ("i want a refund pls", RETURN),
    ("The mug doesn't fit my machine, can I swap it for the smaller one?", RETURN),
    ("Could I get my money back for the grinder", RETURN),
    # order status
    ("Where is my order?", STATUS),
    ("wheres my package", STATUS),
    ("Has my order shipped yet?", STATUS),
    ("When will the skillet arrive?", STATUS),
    ("Can I get a tracking number please", STATUS),
    ("any update on my order", STATUS),
    ("Is it on its way? 🙂", STATUS),
    # questions
    ("Do you ship to Canada?", QUESTION),
    ("Is the skillet oven safe", QUESTION),
    ("Can I change the grind on my subscription?", QUESTION),
    ("When did I order the kettle?", QUESTION),
    ("what did I buy last time?", QUESTION),
    ("Is it too late to add a filter to my order?", QUESTION),
    ("Love it! Do you sell a matching lid?", QUESTION),
    ("I was wondering if you have gift wrapping", QUESTION),
    # thanks
    ("Love the new beans, thank you so much!", THANKS),
    ("Thanks Sam, that worked perfectly", THANKS),
    ("thx!! ❤️", THANKS),
    ("tysm, it's gorgeous", THANKS),
    ("No problem at all, thanks!", THANKS),
    ("not bad at all, really happy with it :)", THANKS),
    ("Never had a problem with you guys, best shop ever", THANKS),
    ("🙏🙏", THANKS),
    # other
    ("ok", OTHER),
    ("Yes please", OTHER),
    ("no thanks", OTHER),
    ("I'll be home after 5", OTHER),
    ("Sounds good", OTHER),
    ("🤷", OTHER),
)


@pytest.mark.parametrize(("text", "kind"), CASES)
def test_realistic_messages_are_classified(text: str, kind: MessageKind) -> None:
    assert classify(text).kind == kind


def test_the_table_covers_every_kind_with_enough_texts() -> None:
    assert len(CASES) >= 30
    assert {kind for _, kind in CASES} == set(MessageKind)


@pytest.mark.parametrize(
    "text",
    [
        "the bag was torn open, can you send another?",
        "THE BAG WAS TORN OPEN - CAN YOU SEND ANOTHER",
        "the bag was  torn open... can u send another??",
        "The bag was torn open 😢 can you send another",
    ],
)
def test_casing_punctuation_and_emoji_do_not_change_the_kind(text: str) -> None:
    assert classify(text).kind == COMPLAINT


def test_negation_turns_praise_into_a_problem_and_problems_into_praise() -> None:
    assert classify("I'm happy with it").kind == THANKS
    assert classify("I'm not happy with it").kind == COMPLAINT
    assert classify("It isn't right").kind == COMPLAINT
    assert classify("there's nothing wrong with it, love it").kind == THANKS
    assert classify("It works").kind == OTHER
    assert classify("It won't work").kind == COMPLAINT


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("When did I order the kettle?", (ORDER_DATE,)),
        ("what did I buy last time?", (ORDER_PRODUCT,)),
        ("What's my order number?", (ORDER_NUMBER,)),
        ("Do you ship to Canada?", ()),
    ],
)
def test_questions_say_which_order_facts_they_ask_for(text: str, asks: tuple[str, ...]) -> None:
    found = classify(text)
    assert found == Classification(QUESTION, asks)
    assert found.as_fact() == {"kind": "question", "asks": list(asks)}


def test_the_latest_customer_message_is_the_one_classified() -> None:
    turns = [
        {"from": "customer", "text": "Love it!"},
        {"from": "us", "text": "Thank you!"},
        {"from": "customer", "text": "Actually the lid is cracked"},
        {"from": "us", "text": "Checking"},
    ]
    assert latest_customer_text(turns) == "Actually the lid is cracked"
    assert latest_customer_text([]) == ""


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Is the skillet oven safe", QUESTION),
        ("who is this", QUESTION),
        ("Do not text me after 8pm", OTHER),
        ("Will do", OTHER),
        ("Can I get another one in blue?", QUESTION),
        ("I'll be home late tonight", OTHER),
        ("My parcel arrived late and squashed", COMPLAINT),
        ("my order is late", COMPLAINT),
    ],
)
def test_questions_without_a_question_mark_and_near_misses(text: str, kind: MessageKind) -> None:
    assert classify(text).kind == kind
