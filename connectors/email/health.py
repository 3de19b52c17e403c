"""`assistant doctor`'s checks of the SMTP server (connect, TLS, log in) and of the IMAP mailbox
customers' replies are read from (log in, select the folder)."""

from __future__ import annotations

import smtplib
import ssl

from assistant.config import Settings
from assistant.doctor.schemas import Check, first_line
from assistant.ports import InboxError
from connectors.email.imap import ImapConfigError, ImapInbox
from connectors.email.smtp import SmtpConfig, SmtpConfigError


def check_smtp(settings: Settings) -> Check:
    """Open a session as the sender would, log in when a user is given, and quit."""
    name = "smtp"
    url = settings.email.smtp_url
    if url is None:
        return Check.skipped(name, "ASSISTANT_SMTP_URL not set: email goes to the outbox")
    try:
        config = SmtpConfig.parse(url.get_secret_value())
    except SmtpConfigError as exc:
        return Check.problem(name, str(exc), "fix ASSISTANT_SMTP_URL")
    context = ssl.create_default_context()
    timeout = min(config.timeout, 15)
    try:
        client: smtplib.SMTP
        if config.security == "ssl":
            client = smtplib.SMTP_SSL(config.host, config.port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=timeout)
        try:
            client.ehlo_or_helo_if_needed()
            if config.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if config.username:
                client.login(config.username, config.password or "")
        finally:
            client.quit()
    except smtplib.SMTPAuthenticationError as exc:
        return Check.problem(
            name, f"login refused ({exc.smtp_code})", "check the user and password"
        )
    except (OSError, smtplib.SMTPException) as exc:
        return Check.problem(name, first_line(exc), "check the host, port and TLS in the URL")
    login = f" as {config.username}" if config.username else ""
    return Check.ok(
        name, f"{config.host}:{config.port} ({config.security}) accepts a session{login}"
    )


def check_imap(settings: Settings) -> Check:
    """Log in to ASSISTANT_IMAP_URL and select its folder, as a poll would; nothing is read."""
    name = "imap"
    try:
        inbox = ImapInbox.from_settings(settings)
    except ImapConfigError as exc:
        return Check.problem(name, str(exc), "fix ASSISTANT_IMAP_URL")
    if inbox is None:
        return Check.skipped(name, "ASSISTANT_IMAP_URL not set: replies come by webhook only")
    try:
        with inbox.open():
            pass
    except InboxError as exc:
        return Check.problem(name, str(exc), "check the user, password, host and folder")
    config = inbox.config
    return Check.ok(name, f"{config.host}:{config.port} ({config.security}) opens {config.folder}")
