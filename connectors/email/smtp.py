"""Email over SMTP with the standard library's smtplib, implementing `EmailSender`.

`ASSISTANT_SMTP_URL` names the server: `smtp://user:pass@host:587` (STARTTLS, the default on
port 587), `smtp://host:25` (plain), `smtps://user:pass@host:465` (TLS from the first byte);
`?starttls=true|false` overrides the STARTTLS choice and `?timeout=SECONDS` the timeout.
User and password are percent-decoded.

Every message is multipart/alternative (text, then HTML) rendered from `prompts/email/`
(`message.txt.j2`, `message.html.j2`; a prompts folder of one's own may carry its own
`email/` copies), with RFC 8058 one-click unsubscribe: a `List-Unsubscribe` header holding a
mailto and the HTTPS link with a signed token, `List-Unsubscribe-Post:
List-Unsubscribe=One-Click`, and the same link visible in both parts. The footer of both
parts also carries the brand's postal address (`ASSISTANT_BRAND_POSTAL_ADDRESS`, CAN-SPAM);
a sender cannot be built without it. With `ASSISTANT_DKIM_PRIVATE_KEY` and
`ASSISTANT_DKIM_SELECTOR` set, each message is DKIM-signed here (connectors/email/dkim.py),
else the relay is left to sign. A conversation reply carries In-Reply-To/References.

The Message-ID is derived from the idempotency key, so the same outgoing message always has
the same id: `<provider_id@sender domain>`, where `provider_id` (what `send` returns) is the
key made header-safe plus a short hash of it. SMTP offers no way to ask a server what it
accepted, so `find_sent` cannot tell and says so (a non-retryable `SendError`); the fixed
Message-ID is what lets a person (or an ESP's logs) check, and lets mailboxes that dedupe on
Message-ID collapse a repeat. SMTP outcomes are only uncertain when the connection breaks
after the message data went out and before the server's reply; that case is `uncertain=True`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime, getaddresses
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, quote, unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from assistant.config import Settings
from assistant.delivery.unsubscribe import make_token, secret_from, unsubscribe_url
from assistant.drafting.brand import DEFAULT_PROMPTS_DIR, load_brand, prompts_dir
from assistant.ports import EmailMessage, SendError, SendResult
from connectors.email.dkim import DkimConfigError, DkimSigner

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
TEMPLATE_FOLDER = "email"
TEXT_TEMPLATE = "message.txt.j2"
HTML_TEMPLATE = "message.html.j2"
# Built with 78-column folding for the bodies, serialised with the RFC 5322 line limit so the
# long List-Unsubscribe header stays one plain header instead of RFC 2047 encoded words.
_BUILD_POLICY = policy.SMTP
_WIRE_POLICY = policy.SMTP.clone(max_line_length=998)
_ATEXT = re.compile(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")

Security = Literal["plain", "starttls", "ssl"]


class SmtpConfigError(ValueError):
    """The SMTP settings cannot work; the message names the environment variable to fix."""


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to connect; parsed from ASSISTANT_SMTP_URL."""

    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def parse(cls, url: str) -> SmtpConfig:
        """`smtp://user:pass@host:port?starttls=true`, `smtps://...` (see the module doc)."""
        parts = urlsplit(url.strip())
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise SmtpConfigError(
                "ASSISTANT_SMTP_URL must look like smtp://user:password@host:587 or "
                "smtps://user:password@host:465"
            )
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        try:
            port = parts.port or (465 if parts.scheme == "smtps" else 587)
            timeout = float(query.get("timeout", DEFAULT_TIMEOUT))
        except ValueError as exc:
            raise SmtpConfigError(f"ASSISTANT_SMTP_URL: {exc}") from None
        security: Security
        if parts.scheme == "smtps":
            security = "ssl"
        else:
            flag = query.get("starttls")
            wanted = port == 587 if flag is None else flag.lower() in ("1", "true", "yes", "on")
            security = "starttls" if wanted else "plain"
        return cls(
            host=parts.hostname,
            port=port,
            security=security,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            timeout=timeout,
        )


def message_id_local_part(idempotency_key: str) -> str:
    """The left half of the Message-ID for `idempotency_key`: readable, unique, header-safe."""
    readable = _ATEXT.sub("-", idempotency_key).strip("-")[:40] or "message"
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:12]
    return f"{readable}.{digest}"


def templates_folder(settings: Settings | None = None) -> Path:
    """`email/` in the configured prompts folder when it has one, else the bundled one."""
    del settings  # prompts_dir() reads the same cached settings
    own = prompts_dir() / TEMPLATE_FOLDER
    return own if (own / TEXT_TEMPLATE).is_file() else DEFAULT_PROMPTS_DIR / TEMPLATE_FOLDER


def _paragraphs(text: str) -> list[list[str]]:
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return [block.split("\n") for block in blocks if block.strip()]


class SmtpEmailSender:
    """Sends one email per connection (1:1 messages, not bulk)."""

    name = "smtp"

    def __init__(
        self,
        config: SmtpConfig,
        *,
        sender: str,
        public_url: str,
        secret: bytes,
        brand_name: str,
        postal_address: str,
        templates_dir: Path | None = None,
        ssl_context: ssl.SSLContext | None = None,
        dkim_signer: DkimSigner | None = None,
    ) -> None:
        addresses = getaddresses([sender])
        if len(addresses) != 1 or "@" not in addresses[0][1]:
            raise SmtpConfigError(f"ASSISTANT_EMAIL_FROM is not one address: {sender!r}")
        self.config = config
        self.sender = sender
        self.sender_address = addresses[0][1]
        self.domain = self.sender_address.rsplit("@", 1)[1]
        self.public_url = public_url
        self.brand_name = brand_name
        if not postal_address.strip():
            raise SmtpConfigError(
                "ASSISTANT_BRAND_POSTAL_ADDRESS is not set: every marketing email must show "
                "the brand's postal address (CAN-SPAM)"
            )
        self.postal_address = postal_address.strip()
        self.dkim = dkim_signer
        self._secret = secret
        self._ssl = ssl_context or ssl.create_default_context()
        self._templates = Environment(
            loader=FileSystemLoader(str(templates_dir or templates_folder())),
            autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpEmailSender:
        """A sender from ASSISTANT_SMTP_URL, ASSISTANT_EMAIL_FROM, ASSISTANT_SECRET_KEY."""
        url = settings.email.smtp_url
        if url is None or not url.get_secret_value().strip():
            raise SmtpConfigError("email over SMTP needs ASSISTANT_SMTP_URL")
        sender = settings.email.sender
        domain = getaddresses([sender])[0][1].rpartition("@")[2]
        try:
            signer = DkimSigner.from_settings(settings, domain)
        except DkimConfigError as exc:
            raise SmtpConfigError(str(exc)) from None
        return cls(
            SmtpConfig.parse(url.get_secret_value()),
            sender=sender,
            public_url=settings.app.public_url,
            secret=secret_from(settings),
            brand_name=load_brand().name,
            postal_address=settings.app.brand_postal_address or "",
            templates_dir=templates_folder(settings),
            dkim_signer=signer,
        )

    def unsubscribe_link(self, customer_id: int, *, now: datetime | None = None) -> str:
        """The signed one-click link for this customer's email."""
        token = make_token(customer_id, "email", secret=self._secret, now=now)
        return unsubscribe_url(self.public_url, token)

    def build(self, message: EmailMessage, *, now: datetime | None = None) -> MimeMessage:
        """The MIME message as it goes on the wire.

        Without a `customer_id` there is nobody to unsubscribe, so no unsubscribe headers or
        link are added (the outbox always sets it for customer mail).
        """
        when = now or datetime.now(UTC)
        link = (
            self.unsubscribe_link(message.customer_id, now=when)
            if message.customer_id is not None
            else None
        )
        variables = {
            "subject": message.subject,
            "body": message.text.strip(),
            "paragraphs": _paragraphs(message.text),
            "html_body": Markup(message.html) if message.html else None,  # noqa: S704  # the core's own markup
            "brand_name": self.brand_name,
            "postal_address": self.postal_address,
            "postal_lines": [line.strip() for line in self.postal_address.split("\n")],
            "unsubscribe_url": link,
        }
        mime = MimeMessage(policy=_BUILD_POLICY)
        mime["From"] = self.sender
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = format_datetime(when)
        mime["Message-ID"] = f"<{message_id_local_part(message.idempotency_key)}@{self.domain}>"
        if message.in_reply_to:
            mime["In-Reply-To"] = message.in_reply_to
            mime["References"] = message.in_reply_to
        if link is not None:
            token = link.rsplit("/", 1)[1]
            mailto = f"mailto:{self.sender_address}?subject={quote('unsubscribe ' + token)}"
            mime["List-Unsubscribe"] = f"<{mailto}>, <{link}>"
            mime["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        mime.set_content(self._templates.get_template(TEXT_TEMPLATE).render(variables))
        mime.add_alternative(
            self._templates.get_template(HTML_TEMPLATE).render(variables), subtype="html"
        )
        return mime

    def send(self, message: EmailMessage) -> SendResult:
        """Deliver to the SMTP server; `SendError` on any failure (never retried here)."""
        local = message_id_local_part(message.idempotency_key)
        try:
            Address(addr_spec=message.to)
        except (ValueError, IndexError) as exc:
            raise SendError(
                "invalid_address", "not a valid email address", permanent_reason="bad_address"
            ) from exc
        wire = self.build(message).as_bytes(policy=_WIRE_POLICY)
        if self.dkim is not None:
            wire = self.dkim.sign(wire)
        self._deliver(wire, message.to)
        log.info("smtp.sent", extra={"key": message.idempotency_key, "message_id": local})
        return SendResult(provider_id=local, status="sent")

    def find_sent(self, message: EmailMessage, *, since: datetime) -> SendResult | None:
        """SMTP cannot be asked what it accepted: always a non-retryable `SendError`."""
        raise SendError(
            "unsupported",
            "SMTP cannot confirm a past delivery; check the mail logs for Message-ID "
            f"<{message_id_local_part(message.idempotency_key)}@{self.domain}>",
        )

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        if config.security == "ssl":
            return smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=self._ssl
            )
        return smtplib.SMTP(config.host, config.port, timeout=config.timeout)

    def _deliver(self, wire: bytes, to: str) -> None:
        config = self.config
        in_data = False
        try:
            client = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            raise _error(exc, in_data=False) from exc
        try:
            client.ehlo_or_helo_if_needed()
            if config.security == "starttls":
                client.starttls(context=self._ssl)
                client.ehlo()
            if config.username:
                client.login(config.username, config.password or "")
            code, reply = client.mail(self.sender_address)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, self.sender_address)
            code, reply = client.rcpt(to)
            if code not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({to: (code, reply)})
            in_data = True
            code, reply = client.data(wire)
            if code != 250:  # smtplib raises only when DATA itself is refused, not the message
                in_data = False
                raise smtplib.SMTPDataError(code, reply)
        except (OSError, smtplib.SMTPException) as exc:
            raise _error(exc, in_data=in_data) from exc
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()


def _error(exc: BaseException, *, in_data: bool) -> SendError:
    """The `SendError` for an smtplib or socket failure.

    A 5xx refusal of the recipient is a bad address; 4xx answers, network trouble, and our own
    credentials or sender being refused are retryable (the message waits for the fix). A
    broken connection during DATA is uncertain: the server may have queued the message.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()), (0, b""))
        if 500 <= code < 600:
            return SendError(str(code), _reply(reply), permanent_reason="bad_address")
        return SendError(str(code), _reply(reply), retryable=True)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return SendError(
            str(exc.smtp_code),
            "the SMTP server refused our login: check ASSISTANT_SMTP_URL",
            retryable=True,
        )
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return SendError(
            str(exc.smtp_code),
            "the SMTP server refused our sender: check ASSISTANT_EMAIL_FROM",
            retryable=True,
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        message = _reply(exc.smtp_error)
        if 500 <= exc.smtp_code < 600:
            return SendError(str(exc.smtp_code), f"the SMTP server refused the message: {message}")
        return SendError(str(exc.smtp_code), message, retryable=True)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return SendError(
            "unsupported", f"SMTP server: {exc}; check ASSISTANT_SMTP_URL", retryable=True
        )
    # smtplib turns a socket timeout while reading a reply into SMTPServerDisconnected.
    timed_out = isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError)
    kind = "timeout" if timed_out else "connection"
    return SendError(kind, f"SMTP {kind}: {type(exc).__name__}", retryable=True, uncertain=in_data)


def _reply(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())[:200]
