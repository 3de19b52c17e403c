"""Only the new words of an email reply are kept: quoted history and signatures cut off."""

from __future__ import annotations

import pytest

from assistant.conversations.email_parsing import (
    html_as_text,
    message_ids,
    parse_fields,
    parse_message,
    reply_text,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Yes please!\n\nOn Sun, Dec 6, 2026 at 9:00 AM Sam <care@shop.example> wrote:\n> Hi",
            "Yes please!",
        ),
        (  # the attribution split over two lines (Gmail wraps long ones)
            "Sounds good\n\nOn Sun, Dec 6, 2026 at 9:00 AM Ember & Oak\n<care@shop.example> "
            "wrote:\n> Hi",
            "Sounds good",
        ),
        ("Thanks\n\n-----Original Message-----\nFrom: Sam\nSent: Monday", "Thanks"),
        ("Thanks\n________________________________\nFrom: Sam <a@b.c>\nSent: Mon", "Thanks"),
        ("Great, thanks\n\n-- \nMaya Lee\nPortland", "Great, thanks"),
        ("Great\n\nSent from my iPhone", "Great"),
        ("> Is it oven safe?\nYes it is, I checked.\n> Thanks", "Yes it is, I checked."),
        ("Line one\n\n\n\nLine two", "Line one\n\nLine two"),
        ("From: the look of it, the lid is bent.", "From: the look of it, the lid is bent."),
    ],
    ids=[
        "gmail",
        "gmail-wrapped",
        "outlook",
        "outlook-rule",
        "signature",
        "sent-from",
        "inline-quotes",
        "blank-lines",
        "from-as-words",
    ],
)
def test_reply_text(text: str, expected: str) -> None:
    assert reply_text(text) == expected


def test_html_only_mail_and_headers() -> None:
    raw = (
        b"From: =?utf-8?q?Ma=C3=AFa?= <maia@example.net>\r\n"
        b"To: care@shop.example\r\nSubject: Re: hi\r\n"
        b"Message-ID: <a1@example.net>\r\nIn-Reply-To: <ours.1@shop.example>\r\n"
        b"References: <older@shop.example> <ours.1@shop.example>\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<div>Is it <b>oven</b> safe?<br>Thanks &amp; bye</div>"
        b"<div class=quote>On Mon Sam wrote:</div>"
    )
    mail = parse_message(raw)
    assert mail.from_address == "maia@example.net"
    assert mail.message_id == "<a1@example.net>"
    assert mail.references == ["<ours.1@shop.example>", "<older@shop.example>"]
    assert mail.text == "Is it oven safe?\nThanks & bye"


def test_mailgun_fields() -> None:
    mail = parse_fields(
        {
            "sender": "maya@example.net",
            "subject": "Re: hi",
            "body-plain": "Yes\n\nOn Mon Sam <x@y.z> wrote:\n> hi",
            "Message-Id": "<mg-1@example.net>",
            "In-Reply-To": "<ours.2@shop.example>",
        }
    )
    assert (mail.from_address, mail.text, mail.message_id) == (
        "maya@example.net",
        "Yes",
        "<mg-1@example.net>",
    )
    assert mail.references == ["<ours.2@shop.example>"]
    assert (
        mail.key()
        == parse_fields({"sender": "other@x.y", "Message-Id": "<mg-1@example.net>"}).key()
    )


def test_helpers() -> None:
    assert message_ids("<a@b> junk <c@d>") == ["<a@b>", "<c@d>"]
    assert html_as_text("<p>a</p><script>x</script><p>b</p>") == "a\nb\n"
