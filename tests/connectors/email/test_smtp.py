"""SmtpEmailSender through smtplib against a real aiosmtpd server on loopback."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from assistant.config import get_settings
from assistant.delivery.unsubscribe import SecretKeyMissing, verify_token
from assistant.ports import EmailMessage, EmailSender, SendError
from connectors.email.smtp import (
    SmtpConfig,
    SmtpConfigError,
    SmtpEmailSender,
    message_id_local_part,
)
from tests.connectors.email.conftest import PUBLIC_URL, SECRET_KEY, SenderFor, trusting
from tests.fakes.smtp_server import FakeSmtpServer, running_fake_smtp

TO = "maya@example.net"
MESSAGE = EmailMessage(
    to=TO,
    subject="How is the skillet treating you, Maya?",
    text="Hi Maya,\n\nYour skillet arrived last week.\nIs it <working> well?\n\nWarmly,\nSam",
    idempotency_key="draft:12",
    customer_id=42,
)
HTTPS_LINK = re.compile(r"<(https://shop\.example\.com/unsubscribe/([^>]+))>")


def _parts(received_message: object) -> dict[str, str]:
    message = received_message
    assert hasattr(message, "iter_parts")
    return {
        part.get_content_type(): part.get_content()
        for part in message.iter_parts()  # type: ignore[attr-defined]
    }


def test_the_sender_fits_the_port(fake_smtp: FakeSmtpServer, email_sender: SenderFor) -> None:
    assert isinstance(email_sender(fake_smtp.url()), EmailSender)


def test_headers_parts_and_unsubscribe(fake_smtp: FakeSmtpServer, email_sender: SenderFor) -> None:
    result = email_sender(fake_smtp.url()).send(MESSAGE)

    received = fake_smtp.last()
    message = received.message
    assert received.mail_from == "care@emberandoak.example"
    assert received.rcpt_tos == [TO]
    assert message["To"] == TO
    assert message["From"] == "Ember & Oak <care@emberandoak.example>"
    assert message["Subject"] == MESSAGE.subject
    assert message["Date"]
    local = message_id_local_part("draft:12")
    assert message["Message-ID"] == f"<{local}@emberandoak.example>"
    assert local.startswith("draft-12.")
    assert result.provider_id == local

    # RFC 8058: one-click POST header, and an HTTPS URI with the token (plus a mailto).
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = str(message["List-Unsubscribe"])
    assert header.startswith("<mailto:care@emberandoak.example?subject=unsubscribe%20")
    match = HTTPS_LINK.search(header)
    assert match is not None
    link, token = match.groups()
    claim = verify_token(token, secret=SECRET_KEY.encode())
    assert (claim.customer_id, claim.channel) == (42, "email")
    # On the wire as one plain header, not RFC 2047 encoded words that receivers ignore.
    assert b"\r\nList-Unsubscribe: <mailto:" in received.raw
    assert b"=?utf-8?" not in received.raw.split(b"\r\nList-Unsubscribe:")[1].split(b"\r\n")[0]

    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    parts = _parts(message)
    text, html = parts["text/plain"], parts["text/html"]
    assert "Your skillet arrived last week." in text
    assert "Is it <working> well?" in text
    assert link in text  # the visible link, in both parts
    assert f'href="{link}"' in html
    assert "Unsubscribe" in html
    assert "&lt;working&gt;" in html and "<working>" not in html
    assert "Your skillet arrived last week.<br>Is it" in html
    assert "Ember &amp; Oak" in html  # the brand from prompts/brand.yaml, escaped


def test_the_message_id_is_the_same_for_the_same_key(email_sender: SenderFor) -> None:
    sender = email_sender("smtp://127.0.0.1:2525")
    first, second = sender.build(MESSAGE), sender.build(MESSAGE)
    assert first["Message-ID"] == second["Message-ID"]
    other = sender.build(EmailMessage(**{**MESSAGE.__dict__, "idempotency_key": "draft:13"}))
    assert other["Message-ID"] != first["Message-ID"]
    odd = message_id_local_part("reply:conv 7/turn\u00e9 3" + "x" * 300)
    assert re.fullmatch(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+", odd)
    assert len(odd) <= 64  # fits messages.provider_message_id


def test_html_from_the_core_is_used_and_no_customer_means_no_unsubscribe(
    email_sender: SenderFor,
) -> None:
    sender = email_sender("smtp://127.0.0.1:2525")
    built = sender.build(
        EmailMessage(
            to=TO, subject="Receipt", text="Thanks", idempotency_key="k", html="<b>Thanks</b>"
        )
    )
    assert built["List-Unsubscribe"] is None
    assert built["List-Unsubscribe-Post"] is None
    assert "<b>Thanks</b>" in _parts(built)["text/html"]


def test_login_with_percent_encoded_password(email_sender: SenderFor) -> None:
    with running_fake_smtp(users={"mailer": "p@ss word/1"}) as server:
        url = f"smtp://mailer:p%40ss%20word%2F1@{server.host}:{server.port}"
        email_sender(url).send(MESSAGE)
        assert server.last().authenticated_as == "mailer"

        with pytest.raises(SendError) as caught:
            email_sender(f"smtp://mailer:wrong@{server.host}:{server.port}").send(MESSAGE)
        assert caught.value.retryable
        assert "ASSISTANT_SMTP_URL" in str(caught.value)
        assert "wrong" not in str(caught.value)
        assert len(server.received) == 1


def test_starttls(tls_files: tuple[str, str]) -> None:
    cert, _key = tls_files
    with running_fake_smtp(tls=tls_files, users={"mailer": "secret"}) as server:
        config = SmtpConfig.parse(server.url(user="mailer", query="starttls=true"))
        assert config.security == "starttls"
        sender = _direct_sender(config, trusting(cert))
        sender.send(MESSAGE)
        assert server.last().tls
        assert server.last().authenticated_as == "mailer"

        # Without STARTTLS this server refuses mail.
        plain = _direct_sender(SmtpConfig.parse(server.url(user="mailer", query="starttls=false")))
        with pytest.raises(SendError):
            plain.send(MESSAGE)
        assert len(server.received) == 1


def test_implicit_tls_smtps(tls_files: tuple[str, str]) -> None:
    cert, _key = tls_files
    with running_fake_smtp(tls=tls_files, implicit_tls=True) as server:
        config = SmtpConfig.parse(server.url(scheme="smtps"))
        assert config.security == "ssl"
        _direct_sender(config, trusting(cert)).send(MESSAGE)
        assert server.last().tls
        # A certificate we do not trust is refused before anything is sent.
        with pytest.raises(SendError) as caught:
            _direct_sender(config).send(MESSAGE)
        assert not caught.value.uncertain
        assert len(server.received) == 1


@pytest.mark.parametrize(
    ("reply", "retryable", "reason"),
    [
        ("550 5.1.1 No such user here", False, "bad_address"),
        ("451 4.3.0 Try again later", True, None),
    ],
)
def test_recipient_refusals(
    fake_smtp: FakeSmtpServer,
    email_sender: SenderFor,
    reply: str,
    retryable: bool,
    reason: str | None,
) -> None:
    fake_smtp.refuse_rcpt[TO] = reply
    with pytest.raises(SendError) as caught:
        email_sender(fake_smtp.url()).send(MESSAGE)
    error = caught.value
    assert (error.code, error.retryable, error.permanent_reason) == (reply[:3], retryable, reason)
    assert not error.uncertain
    assert fake_smtp.received == []


@pytest.mark.parametrize(
    ("reply", "retryable"), [("554 5.7.1 Rejected as spam", False), ("452 4.3.1 Full", True)]
)
def test_data_refusals(
    fake_smtp: FakeSmtpServer, email_sender: SenderFor, reply: str, retryable: bool
) -> None:
    fake_smtp.data_reply = reply
    with pytest.raises(SendError) as caught:
        email_sender(fake_smtp.url()).send(MESSAGE)
    assert (caught.value.code, caught.value.retryable) == (reply[:3], retryable)
    assert caught.value.permanent_reason is None
    assert not caught.value.uncertain


def test_a_timeout_after_the_data_went_out_is_uncertain(
    fake_smtp: FakeSmtpServer, email_sender: SenderFor
) -> None:
    fake_smtp.hang_in_data = 3
    sender = email_sender(fake_smtp.url(query="timeout=0.5"))
    with pytest.raises(SendError) as caught:
        sender.send(MESSAGE)
    assert (caught.value.code, caught.value.retryable, caught.value.uncertain) == (
        "timeout",
        True,
        True,
    )
    assert len(fake_smtp.received) == 1  # the server has it: a blind retry would send twice
    with pytest.raises(SendError) as cannot_tell:
        sender.find_sent(MESSAGE, since=datetime.now(UTC))
    assert not cannot_tell.value.retryable
    assert message_id_local_part("draft:12") in str(cannot_tell.value)


def test_connection_refused_is_certain(email_sender: SenderFor) -> None:
    with running_fake_smtp() as server:
        url = server.url()
    with pytest.raises(SendError) as caught:
        email_sender(url).send(MESSAGE)
    assert caught.value.retryable
    assert not caught.value.uncertain


def test_an_invalid_address_is_refused_before_connecting(
    fake_smtp: FakeSmtpServer, email_sender: SenderFor
) -> None:
    with pytest.raises(SendError) as caught:
        email_sender(fake_smtp.url()).send(
            EmailMessage(**{**MESSAGE.__dict__, "to": "not an address"})
        )
    assert caught.value.permanent_reason == "bad_address"
    assert fake_smtp.received == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://u:p@mail.example.com:587", ("mail.example.com", 587, "starttls", "u", "p")),
        ("smtp://mail.example.com", ("mail.example.com", 587, "starttls", None, None)),
        ("smtp://mail.example.com:25", ("mail.example.com", 25, "plain", None, None)),
        (
            "smtp://mail.example.com:2525?starttls=true",
            ("mail.example.com", 2525, "starttls", None, None),
        ),
        (
            "smtp://mail.example.com:587?starttls=false",
            ("mail.example.com", 587, "plain", None, None),
        ),
        ("smtps://a%40b:c%3Ad@mail.example.com", ("mail.example.com", 465, "ssl", "a@b", "c:d")),
    ],
)
def test_smtp_url_parsing(url: str, expected: tuple[object, ...]) -> None:
    config = SmtpConfig.parse(url)
    assert (config.host, config.port, config.security, config.username, config.password) == expected


@pytest.mark.parametrize(
    "url", ["http://mail.example.com", "smtp://", "smtp://host:99999", "smtp://h?timeout=x"]
)
def test_bad_smtp_urls(url: str) -> None:
    with pytest.raises(SmtpConfigError, match="ASSISTANT_SMTP_URL"):
        SmtpConfig.parse(url)


def test_settings_problems_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SmtpConfigError, match="ASSISTANT_SMTP_URL"):
        SmtpEmailSender.from_settings(get_settings())
    monkeypatch.setenv("ASSISTANT_SMTP_URL", "smtp://127.0.0.1:2525")
    get_settings.cache_clear()
    with pytest.raises(SecretKeyMissing, match="ASSISTANT_SECRET_KEY"):
        SmtpEmailSender.from_settings(get_settings())
    monkeypatch.setenv("ASSISTANT_SECRET_KEY", "too-short")
    get_settings.cache_clear()
    with pytest.raises(ValueError, match="ASSISTANT_SECRET_KEY"):
        get_settings()


def _direct_sender(config: SmtpConfig, context: object = None) -> SmtpEmailSender:
    import ssl

    return SmtpEmailSender(
        config,
        sender="Ember & Oak <care@emberandoak.example>",
        public_url=PUBLIC_URL,
        secret=SECRET_KEY.encode(),
        brand_name="Ember & Oak",
        postal_address="12 Market St, Portland, OR 97201",
        ssl_context=context if isinstance(context, ssl.SSLContext) else None,
    )
