"""Before a command runs: settings that parse and agree, and a database at this version.

Each problem names the setting and what to do. Nothing is created when something is wrong:
the SQLite file is made (and migrated) only once the settings are known to be good.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from assistant.commandline.errors import UserError, friendly_message

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Engine

    from assistant.config import Settings

DatabaseNeed = Literal["none", "ready", "migrate"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the configuration: which setting, what, and the fix."""

    setting: str
    problem: str
    fix: str

    def line(self) -> str:
        return f"{self.setting}: {self.problem}; {self.fix}"


@contextmanager
def _mistakes_as_user_errors() -> Iterator[None]:
    """Errors a person can fix (settings, database URL or connection) become a UserError;
    anything else is a bug and keeps its traceback."""
    try:
        yield
    except UserError:
        raise
    except Exception as exc:
        message = friendly_message(exc)
        if message is None:
            raise
        raise UserError(message) from None


def load_settings() -> Settings:
    """The settings, or a UserError naming every invalid one."""
    from assistant.config import get_settings

    with _mistakes_as_user_errors():
        return get_settings()


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def _secret(value: object) -> bool:
    getter = getattr(value, "get_secret_value", None)
    return bool(getter() if getter else value)


def configuration_problems(settings: Settings) -> list[Problem]:
    """Settings that parse but cannot work together (no network is used)."""
    problems: list[Problem] = []
    llm, slack, twilio = settings.llm, settings.slack, settings.twilio
    openai_chat = llm.provider == "openai" and llm.chat_provider.strip().lower() == "openai"
    if openai_chat and not _secret(llm.api_key) and not llm.base_url:
        problems.append(
            Problem(
                "ASSISTANT_LLM",
                "openai needs OPENAI_API_KEY or OPENAI_BASE_URL",
                "set one of them, or ASSISTANT_LLM=offline",
            )
        )
    if settings.review.channel == "slack":
        missing = [
            name
            for name, value in (
                ("SLACK_BOT_TOKEN", slack.bot_token),
                ("SLACK_REVIEW_CHANNEL", slack.review_channel),
            )
            if not _secret(value)
        ]
        if not _secret(slack.signing_secret) and not _secret(slack.app_token):
            missing.append("SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)")
        if missing:
            problems.append(
                Problem(
                    "ASSISTANT_REVIEW",
                    "slack is selected but " + ", ".join(missing) + " is not set",
                    "set them from your Slack app's settings, or ASSISTANT_REVIEW=terminal",
                )
            )
    twilio_on = bool(twilio.account_sid)
    if twilio_on:
        missing = []
        if not _secret(twilio.auth_token):
            missing.append("TWILIO_AUTH_TOKEN")
        if not twilio.messaging_service_sid and not twilio.from_number:
            missing.append("TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER")
        if missing:
            problems.append(
                Problem(
                    "TWILIO_ACCOUNT_SID",
                    "Twilio is configured but " + ", ".join(missing) + " is not set",
                    "set them from the Twilio console, or unset TWILIO_ACCOUNT_SID for the outbox",
                )
            )
    smtp_on = _secret(settings.email.smtp_url)
    if (twilio_on or smtp_on) and _is_loopback(settings.app.public_url):
        which = " and ".join(n for n, on in (("Twilio", twilio_on), ("SMTP", smtp_on)) if on)
        problems.append(
            Problem(
                "ASSISTANT_PUBLIC_URL",
                f"is {settings.app.public_url}, a loopback address, while {which} is configured "
                "(webhooks and unsubscribe links would point at this machine)",
                "set it to the public https:// URL of `assistant serve`",
            )
        )
    webhook = settings.webhook
    if (webhook.url or _secret(webhook.secret)) and not webhook.configured:
        problems.append(
            Problem(
                "ASSISTANT_WEBHOOK_URL",
                webhook.problem() or "is incomplete",
                "set both ASSISTANT_WEBHOOK_URL and ASSISTANT_WEBHOOK_SECRET, or neither",
            )
        )
    if smtp_on and not (settings.app.brand_postal_address or "").strip():
        problems.append(
            Problem(
                "ASSISTANT_BRAND_POSTAL_ADDRESS",
                "is not set while SMTP is configured (CAN-SPAM wants the sender's postal "
                "address in every marketing email)",
                "set the brand's postal address (a P.O. box or registered mailbox will do)",
            )
        )
    if settings.email.dkim_private_key is not None and not settings.email.dkim_configured:
        problems.append(
            Problem(
                "ASSISTANT_DKIM_SELECTOR",
                "is not set while ASSISTANT_DKIM_PRIVATE_KEY is",
                "set the selector published as <selector>._domainkey.<domain>, or unset the key",
            )
        )
    if smtp_on and settings.app.secret_key is None:
        problems.append(
            Problem(
                "ASSISTANT_SECRET_KEY",
                "is not set while SMTP is configured (it signs unsubscribe links)",
                "set 32+ random characters, e.g. `openssl rand -hex 32`",
            )
        )
    return problems


def configuration_warnings(settings: Settings) -> list[Problem]:
    """Settings that work but fall short of a standard; shown by doctor and logged by serve."""
    warnings: list[Problem] = []
    scheme = urlsplit(settings.app.public_url).scheme.lower()
    if settings.email.enabled and scheme != "https":
        warnings.append(
            Problem(
                "ASSISTANT_PUBLIC_URL",
                f"is not https ({scheme or 'no scheme'}://) while email is on: RFC 8058 "
                "one-click unsubscribe needs an https link, and mailbox providers ignore others",
                "serve the app behind TLS and set ASSISTANT_PUBLIC_URL to its https:// URL",
            )
        )
    return warnings


def check_configuration(settings: Settings) -> None:
    """Raise a UserError with the first configuration problem, if any."""
    problems = configuration_problems(settings)
    if problems:
        more = f" (and {len(problems) - 1} more: `assistant doctor`)" if len(problems) > 1 else ""
        raise UserError(problems[0].line() + more)


def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    from assistant.migrate import ROOT

    return ScriptDirectory(str(ROOT / "alembic"))


def head_revision() -> str:
    """The newest migration this version of the package ships."""
    head = _scripts().get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    """Every migration this version of the package ships."""
    return {rev.revision for rev in _scripts().walk_revisions()}


def database_engine() -> Engine:
    """The configured engine, or a UserError for a URL that is not one (nothing is created)."""
    from assistant.db import get_engine

    with _mistakes_as_user_errors():
        return get_engine()


def prepare_database(need: DatabaseNeed) -> None:
    """Make the configured database ready for a command, or say why it cannot be.

    `ready`: SQLite is created and migrated on first use; a server database must already be
    at this version (`assistant db upgrade`). `migrate`: migrate any database (quickstart).
    """
    if need == "none":
        return
    settings = load_settings()
    check_configuration(settings)
    from assistant.db import redacted_url
    from assistant.migrate import current_revision, upgrade

    engine = database_engine()
    with _mistakes_as_user_errors():
        current = current_revision(engine)
        if need == "migrate" or engine.dialect.name == "sqlite":
            if current is not None and current not in known_revisions():
                raise UserError(_newer(settings.database.url, current))
            if current != head_revision():
                upgrade(engine)
            return
        if current is None:
            raise UserError(
                f"{redacted_url(settings.database.url)} has no schema yet; run "
                "`assistant db upgrade` (ASSISTANT_DATABASE_URL names the database)"
            )
        if current != head_revision():
            if current not in known_revisions():
                raise UserError(_newer(settings.database.url, current))
            raise UserError(
                f"{redacted_url(settings.database.url)} is at migration {current}, this version "
                f"needs {head_revision()}; run `assistant db upgrade`"
            )


def _newer(url: str, current: str) -> str:
    from assistant.db import redacted_url

    return (
        f"{redacted_url(url)} is at migration {current}, which this version does not know "
        "(it was upgraded by a newer version); install that version"
    )
