"""Customers' email replies fetched over IMAP (imap-tools against a real loopback server)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import get_settings
from assistant.conversations.email_tasks import poll_now
from assistant.jobs.registry import get_task
from connectors.email.imap import ImapConfig, ImapConfigError
from tests.conversations.email_helpers import raw_email, seed_email_outreach
from tests.conversations.helpers import drafts, messages
from tests.fakes.imap_server import FakeImapServer, running_fake_imap


@pytest.fixture
def imap(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeImapServer]:
    with running_fake_imap() as server:
        monkeypatch.setenv("ASSISTANT_IMAP_URL", server.url(starttls="false", timeout="5"))
        get_settings.cache_clear()
        yield server


def test_unread_replies_are_stored_once_and_marked_read(
    engine: Engine, imap: FakeImapServer
) -> None:
    seeded = seed_email_outreach(engine)
    reply = imap.add(raw_email("Is it oven safe?", in_reply_to=seeded["message_id"]))
    old = imap.add(raw_email("An old one", message_id="<old@x>"), seen=True)
    stranger = imap.add(raw_email("Hello?", message_id="<s@x>", sender="who@example.org"))
    result = poll_now(get_settings())
    assert result is not None
    assert dict(result.outcomes) == {"message": 1, "unknown_sender": 1}
    [inbound] = messages(engine, direction="inbound")
    assert (inbound.channel, inbound.body) == ("email", "Is it oven safe?")
    assert "\\Seen" in imap.flags(reply) and "\\Seen" in imap.flags(stranger)
    assert imap.flags(old) == {"\\Seen"}
    # Read without marking (BODY.PEEK), marked one by one after storing, nothing expunged.
    assert any("BODY.PEEK[]" in c for c in imap.commands)
    assert not any(c.startswith("EXPUNGE") for c in imap.commands)
    [suggestion] = drafts(engine, playbook="reply")  # in-process runner: the follow-up ran
    assert suggestion.channel == "email"

    # A message stored but not marked read (a crash in between) is fetched again: a duplicate.
    imap.flags(reply).discard("\\Seen")
    again = poll_now(get_settings())
    assert again is not None and dict(again.outcomes) == {"duplicate": 1}
    assert len(messages(engine, direction="inbound")) == 1


def test_the_tick_polls_when_the_mailbox_is_set(engine: Engine, imap: FakeImapServer) -> None:
    seeded = seed_email_outreach(engine)
    imap.add(raw_email("Thanks!", in_reply_to=seeded["message_id"]))
    outcome = get_task("worker.tick")()
    assert outcome["emails_fetched"] == 1


def test_the_command(engine: Engine, imap: FakeImapServer) -> None:
    seed_email_outreach(engine)
    imap.add(raw_email("Hi there"))
    result = CliRunner().invoke(app, ["email", "poll", "--json"])
    assert result.exit_code == 0, result.output
    assert '"fetched": 1' in result.output


def test_command_errors_are_one_line(
    engine: Engine, imap: FakeImapServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_IMAP_URL", imap.url(password="wrong", starttls="false"))
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["email", "poll"])
    assert result.exit_code == 2
    assert "refused the login" in result.output and "Traceback" not in result.output
    assert "wrong" not in result.output
    monkeypatch.delenv("ASSISTANT_IMAP_URL")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["email", "poll"])
    assert result.exit_code == 2 and "ASSISTANT_IMAP_URL is not set" in result.output


def test_imap_urls() -> None:
    config = ImapConfig.parse("imaps://care%40shop.example:p%2Fw@mail.example.com/Replies")
    assert (config.host, config.port, config.security, config.folder) == (
        "mail.example.com",
        993,
        "ssl",
        "Replies",
    )
    assert (config.username, config.password) == ("care@shop.example", "p/w")
    assert ImapConfig.parse("imap://u:p@h").security == "starttls"
    assert ImapConfig.parse("imap://u:p@h").folder == "INBOX"
    for bad in ("http://u:p@h", "imaps://h", "imaps://u:p@h?timeout=soon"):
        with pytest.raises(ImapConfigError, match="ASSISTANT_IMAP_URL"):
            ImapConfig.parse(bad)


def test_doctor_checks_the_mailbox(imap: FakeImapServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors.email.health import check_imap

    assert check_imap(get_settings()).status == "ok"
    monkeypatch.setenv("ASSISTANT_IMAP_URL", imap.url(password="nope", starttls="false"))
    get_settings.cache_clear()
    check = check_imap(get_settings())
    assert check.status == "problem" and "refused the login" in check.detail
    assert "nope" not in check.detail
