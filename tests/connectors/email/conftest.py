"""The fake SMTP server and email senders built from settings pointed at it."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.config import get_settings
from connectors.email.smtp import SmtpEmailSender
from tests.fakes.smtp_server import FakeSmtpServer, running_fake_smtp

PUBLIC_URL = "https://shop.example.com"
SECRET_KEY = "test-secret-key-0123456789abcdef-0123456789"
SENDER = "Ember & Oak <care@emberandoak.example>"


@pytest.fixture
def fake_smtp() -> Iterator[FakeSmtpServer]:
    """A fresh fake SMTP server per test (no auth, no TLS)."""
    with running_fake_smtp() as server:
        yield server


SenderFor = Callable[..., SmtpEmailSender]


@pytest.fixture
def email_sender(monkeypatch: pytest.MonkeyPatch) -> SenderFor:
    """`email_sender(smtp_url, **env)`: a sender from the settings, as users set them."""

    def build(smtp_url: str, **env: str) -> SmtpEmailSender:
        values = {
            "ASSISTANT_SMTP_URL": smtp_url,
            "ASSISTANT_EMAIL_FROM": SENDER,
            "ASSISTANT_SECRET_KEY": SECRET_KEY,
            "ASSISTANT_PUBLIC_URL": PUBLIC_URL,
            **env,
        }
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        return SmtpEmailSender.from_settings(get_settings())

    return build


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A throwaway self-signed certificate for 127.0.0.1 (made with the openssl CLI)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


def trusting(cert: str) -> ssl.SSLContext:
    """A client context that trusts only `cert`, with hostname checks on."""
    context = ssl.create_default_context(cafile=str(Path(cert)))
    return context
