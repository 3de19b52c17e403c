"""Customers' email replies read from a mailbox over IMAP with imap-tools, implementing
`EmailInbox`.

`ASSISTANT_IMAP_URL` names it: `imaps://user:password@host:993/INBOX` (TLS from the first
byte, the default port 993), `imap://user:password@host:143/INBOX` (STARTTLS);
`?starttls=false` on `imap://` talks plain text (a loopback test server only) and
`?timeout=SECONDS` sets the timeout. The path is the folder (default INBOX); user and password
are percent-decoded.

Unread messages are fetched with BODY.PEEK (reading does not mark them read) and marked read
(`\\Seen`) one by one once stored, so a crash in between only means the same message is
fetched again, and the inbound store deduplicates it on its Message-ID. Nothing is deleted or
expunged: the mailbox stays the record.
"""

from __future__ import annotations

import imaplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from imap_tools import AND, BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import MailboxFlagError, MailboxLoginError, UnexpectedCommandStatusError
from imap_tools.utils import check_command_status

from assistant.config import Settings
from assistant.ports import InboxError, InboxMail

DEFAULT_TIMEOUT = 30.0
Security = Literal["plain", "starttls", "ssl"]


class ImapConfigError(ValueError):
    """The IMAP settings cannot work; the message names the environment variable to fix."""


@dataclass(frozen=True)
class ImapConfig:
    """Where the mailbox is; parsed from ASSISTANT_IMAP_URL."""

    host: str
    port: int
    security: Security
    username: str
    password: str
    folder: str = "INBOX"
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def parse(cls, url: str) -> ImapConfig:
        """`imaps://user:pass@host:993/INBOX`, `imap://...` (see the module doc)."""
        parts = urlsplit(url.strip())
        if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
            raise ImapConfigError(
                "ASSISTANT_IMAP_URL must look like imaps://user:password@host:993/INBOX"
            )
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        try:
            port = parts.port or (993 if parts.scheme == "imaps" else 143)
            timeout = float(query.get("timeout", DEFAULT_TIMEOUT))
        except ValueError as exc:
            raise ImapConfigError(f"ASSISTANT_IMAP_URL: {exc}") from None
        security: Security = "ssl"
        if parts.scheme == "imap":
            flag = query.get("starttls", "true").lower()
            security = "starttls" if flag in ("1", "true", "yes", "on") else "plain"
        return cls(
            host=parts.hostname,
            port=port,
            security=security,
            username=unquote(parts.username),
            password=unquote(parts.password or ""),
            folder=unquote(parts.path.strip("/")) or "INBOX",
            timeout=timeout,
        )


class _Connection:
    """One logged-in mailbox session."""

    def __init__(self, mailbox: BaseMailBox) -> None:
        self._mailbox = mailbox

    def unseen(self, limit: int) -> list[InboxMail]:
        fetched = self._mailbox.fetch(AND(seen=False), mark_seen=False, limit=limit)
        return [InboxMail(uid=m.uid or "", raw=bytes(m.obj)) for m in fetched if m.uid]

    def mark_seen(self, uid: str) -> None:
        # Not MailBox.flag: it also expunges, which would delete others' \Deleted mail.
        result = self._mailbox.client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        check_command_status(result, MailboxFlagError)


class ImapInbox:
    """The mailbox of ASSISTANT_IMAP_URL."""

    def __init__(self, config: ImapConfig, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self._ssl = ssl_context or ssl.create_default_context()

    @classmethod
    def from_settings(cls, settings: Settings) -> ImapInbox | None:
        """The inbox when ASSISTANT_IMAP_URL is set, else None."""
        url = settings.email.imap_url
        if url is None or not url.get_secret_value().strip():
            return None
        return cls(ImapConfig.parse(url.get_secret_value()))

    def _mailbox(self) -> BaseMailBox:
        config = self.config
        if config.security == "ssl":
            return MailBox(config.host, config.port, timeout=config.timeout, ssl_context=self._ssl)
        if config.security == "starttls":
            return MailBoxStartTls(
                config.host, config.port, timeout=config.timeout, ssl_context=self._ssl
            )
        return MailBoxUnencrypted(config.host, config.port, timeout=config.timeout)

    @contextmanager
    def open(self) -> Iterator[_Connection]:
        """Log in and select the folder; log out at the end. IMAP and network failures are
        `InboxError`s naming the setting to check."""
        try:
            with self._mailbox().login(
                self.config.username, self.config.password, self.config.folder
            ) as mailbox:
                yield _Connection(mailbox)
        except MailboxLoginError:
            raise InboxError(
                "the IMAP server refused the login: check ASSISTANT_IMAP_URL"
            ) from None
        except (OSError, imaplib.IMAP4.error, UnexpectedCommandStatusError) as exc:
            raise InboxError(
                f"IMAP {type(exc).__name__}: check the host, port, TLS and folder in "
                "ASSISTANT_IMAP_URL"
            ) from None
