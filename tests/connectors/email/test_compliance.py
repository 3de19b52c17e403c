"""What makes our email meet the rules: the postal address, DKIM, an https unsubscribe link."""

from __future__ import annotations

import base64
import logging
import subprocess
from pathlib import Path

import dkim
import pytest

from assistant.api.commands import log_configuration_warnings
from assistant.commandline.preflight import configuration_problems, configuration_warnings
from assistant.config import get_settings
from assistant.doctor.service import check_configuration
from assistant.ports import EmailMessage
from connectors.email.smtp import SmtpConfigError
from tests.connectors.email.conftest import SECRET_KEY, SENDER, SenderFor
from tests.fakes.smtp_server import FakeSmtpServer

ADDRESS = "Ember & Oak, 12 Market St, Portland, OR 97201"
MESSAGE = EmailMessage(
    to="maya@example.net",
    subject="A note from Sam",
    text="Hi Maya, thank you.",
    idempotency_key="draft:7",
    customer_id=42,
)


@pytest.fixture(scope="module")
def dkim_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A throwaway RSA key (openssl) and its DNS TXT record, as dkimpy's verify reads it."""
    folder = tmp_path_factory.mktemp("dkim")
    key = folder / "dkim.pem"
    subprocess.run(
        ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        check=True,
        stdout=key.open("wb"),
        stderr=subprocess.DEVNULL,
    )
    public = subprocess.run(
        ["openssl", "pkey", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    return key, record


def test_the_postal_address_is_in_both_footers(
    fake_smtp: FakeSmtpServer, email_sender: SenderFor
) -> None:
    email_sender(fake_smtp.url(), ASSISTANT_BRAND_POSTAL_ADDRESS=ADDRESS).send(MESSAGE)
    message = fake_smtp.last().message
    parts = {p.get_content_type(): p.get_content() for p in message.iter_parts()}
    text, html = parts["text/plain"], parts["text/html"]
    footer = text.replace("\r\n", "\n").split("\n--\n", 1)[1]
    assert ADDRESS in footer and "/unsubscribe/" in footer
    assert "Ember &amp; Oak, 12 Market St, Portland, OR 97201" in html
    assert html.index("12 Market St") < html.index(">Unsubscribe</a>")


def test_no_sender_without_a_postal_address(
    monkeypatch: pytest.MonkeyPatch, email_sender: SenderFor
) -> None:
    monkeypatch.delenv("ASSISTANT_BRAND_POSTAL_ADDRESS")
    with pytest.raises(SmtpConfigError, match="ASSISTANT_BRAND_POSTAL_ADDRESS"):
        email_sender("smtp://127.0.0.1:2525")
    problems = {p.setting for p in configuration_problems(get_settings())}
    assert "ASSISTANT_BRAND_POSTAL_ADDRESS" in problems
    rows = check_configuration(get_settings())
    assert any(r.name == "config ASSISTANT_BRAND_POSTAL_ADDRESS" for r in rows)


def test_outgoing_mail_is_dkim_signed_over_the_unsubscribe_headers(
    fake_smtp: FakeSmtpServer, email_sender: SenderFor, dkim_keys: tuple[Path, bytes]
) -> None:
    key, record = dkim_keys
    sender = email_sender(
        fake_smtp.url(), ASSISTANT_DKIM_PRIVATE_KEY=str(key), ASSISTANT_DKIM_SELECTOR="s2026"
    )
    sender.send(MESSAGE)
    raw = fake_smtp.last().raw
    lookups: list[bytes] = []

    def dns(name: bytes, timeout: int = 5) -> bytes:
        lookups.append(name)
        return record if name == b"s2026._domainkey.emberandoak.example." else b""

    assert dkim.verify(raw, dnsfunc=dns)
    assert lookups == [b"s2026._domainkey.emberandoak.example."]
    signature = fake_smtp.last().message["DKIM-Signature"]
    signed = {h.strip().lower() for h in str(signature).split("h=")[1].split(";")[0].split(":")}
    assert {
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "list-unsubscribe",
        "list-unsubscribe-post",
    } <= signed
    # Changing a signed header (here the one-click header) breaks the signature.
    tampered = raw.replace(b"List-Unsubscribe=One-Click", b"List-Unsubscribe=Two-Click", 1)
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_the_key_may_be_given_as_pem_text_and_another_domain(
    email_sender: SenderFor, dkim_keys: tuple[Path, bytes]
) -> None:
    key, _ = dkim_keys
    sender = email_sender(
        "smtp://127.0.0.1:2525",
        ASSISTANT_DKIM_PRIVATE_KEY=key.read_text(),
        ASSISTANT_DKIM_SELECTOR="mail",
        ASSISTANT_DKIM_DOMAIN="Mail.Example.org",
    )
    assert sender.dkim is not None and sender.dkim.domain == "mail.example.org"
    wire = sender.dkim.sign(sender.build(MESSAGE).as_bytes())
    assert b"d=mail.example.org" in wire.split(b"\r\n\r\n")[0].replace(b"\r\n ", b"")


def test_without_a_key_the_relay_signs(email_sender: SenderFor) -> None:
    assert email_sender("smtp://127.0.0.1:2525").dkim is None


def test_a_key_that_cannot_be_read_is_named(email_sender: SenderFor, tmp_path: Path) -> None:
    with pytest.raises(SmtpConfigError, match="ASSISTANT_DKIM_PRIVATE_KEY"):
        email_sender(
            "smtp://127.0.0.1:2525",
            ASSISTANT_DKIM_PRIVATE_KEY=str(tmp_path / "missing.pem"),
            ASSISTANT_DKIM_SELECTOR="s1",
        )
    (tmp_path / "not.pem").write_text("hello")
    with pytest.raises(SmtpConfigError, match="not a PEM private key"):
        email_sender(
            "smtp://127.0.0.1:2525",
            ASSISTANT_DKIM_PRIVATE_KEY=str(tmp_path / "not.pem"),
            ASSISTANT_DKIM_SELECTOR="s1",
        )


def test_a_key_without_a_selector_is_a_configuration_problem(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASSISTANT_DKIM_PRIVATE_KEY", "/etc/dkim.pem")
    get_settings.cache_clear()
    problems = {p.setting for p in configuration_problems(get_settings())}
    assert "ASSISTANT_DKIM_SELECTOR" in problems


def _email_on(monkeypatch: pytest.MonkeyPatch, public_url: str) -> None:
    for name, value in {
        "ASSISTANT_SMTP_URL": "smtp://mail.example.com:587",
        "ASSISTANT_EMAIL_FROM": SENDER,
        "ASSISTANT_SECRET_KEY": SECRET_KEY,
        "ASSISTANT_PUBLIC_URL": public_url,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


def test_a_plain_http_public_url_is_warned_about(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _email_on(monkeypatch, "http://shop.example.com")
    settings = get_settings()
    [warning] = configuration_warnings(settings)
    assert warning.setting == "ASSISTANT_PUBLIC_URL" and "https" in warning.problem
    assert configuration_problems(settings) == []  # a warning, not an error
    rows = check_configuration(settings)
    assert [r.status for r in rows] == ["ok", "warning"]
    assert rows[1].name == "config ASSISTANT_PUBLIC_URL"
    with caplog.at_level(logging.WARNING):
        log_configuration_warnings(settings)
    [line] = [r.getMessage() for r in caplog.records if "config.warning" in r.getMessage()]
    assert "setting=ASSISTANT_PUBLIC_URL" in line
    assert "mail.example.com" not in line and SECRET_KEY not in line


def test_https_or_email_off_is_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    _email_on(monkeypatch, "https://shop.example.com")
    assert configuration_warnings(get_settings()) == []
    monkeypatch.delenv("ASSISTANT_SMTP_URL")
    monkeypatch.setenv("ASSISTANT_PUBLIC_URL", "http://shop.example.com")
    get_settings.cache_clear()
    assert configuration_warnings(get_settings()) == []
