"""Ordinary setup mistakes give one line naming the setting, exit code 2 and no traceback.

Every command runs against each mistake; nothing may be created (no stray database file).
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.commandline import output
from assistant.config import get_settings
from assistant.db import get_engine

# One invocation of every command that touches the database or an outside system.
COMMANDS: list[list[str]] = [
    ["import", "customers.csv"],
    ["metrics", "refresh"],
    ["metrics", "export"],
    ["segments", "list"],
    ["segments", "count", "vip"],
    ["segments", "members", "vip"],
    ["drafts", "list"],
    ["drafts", "show", "1"],
    ["drafts", "export", "--format", "json"],
    ["drafts", "generate", "--playbook", "recognition", "--preview", "1"],
    ["campaigns", "list"],
    ["campaigns", "cancel", "1"],
    ["messages", "list"],
    ["conversations", "list"],
    ["conversations", "reply", "1", "--approve"],
    ["consent", "show", "C1"],
    ["review"],
    ["worker", "--once"],
    ["serve"],
    ["quickstart", "--customers", "5"],
    ["db", "upgrade"],
]

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/test"

# name -> (environment, words the one line must contain)
MISTAKES: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "malformed database URL": (
        {"ASSISTANT_DATABASE_URL": "not a url"},
        ("ASSISTANT_DATABASE_URL",),
    ),
    "unknown database driver": (
        {"ASSISTANT_DATABASE_URL": "mysqlx://user@host/db"},
        ("ASSISTANT_DATABASE_URL",),
    ),
    "unreachable PostgreSQL": (
        {"ASSISTANT_DATABASE_URL": UNREACHABLE},
        ("ASSISTANT_DATABASE_URL",),
    ),
    "unknown ASSISTANT_REVIEW": ({"ASSISTANT_REVIEW": "email"}, ("ASSISTANT_REVIEW", "email")),
    "unknown ASSISTANT_LLM": ({"ASSISTANT_LLM": "gpt"}, ("ASSISTANT_LLM", "gpt")),
    "Slack without its tokens": ({"ASSISTANT_REVIEW": "slack"}, ("SLACK_BOT_TOKEN",)),
    "loopback public URL with Twilio": (
        {
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "TWILIO_AUTH_TOKEN": "token",
            "TWILIO_FROM_NUMBER": "+15005550006",
            "ASSISTANT_PUBLIC_URL": "http://localhost:8000",
        },
        ("ASSISTANT_PUBLIC_URL", "loopback"),
    ),
    "loopback public URL with SMTP": (
        {
            "ASSISTANT_SMTP_URL": "smtp://mail.example.com:587",
            "ASSISTANT_SECRET_KEY": "k" * 40,
        },
        ("ASSISTANT_PUBLIC_URL",),
    ),
    "openai without key or URL": ({"ASSISTANT_LLM": "openai"}, ("OPENAI_API_KEY",)),
}


# Settings that parse but cannot work together; `db upgrade` needs none of them to migrate.
INTEGRATION = {
    "Slack without its tokens",
    "loopback public URL with Twilio",
    "loopback public URL with SMTP",
    "openai without key or URL",
}
CASES = [
    pytest.param(mistake, command, id=f"{' '.join(command)}: {mistake}")
    for mistake in sorted(MISTAKES)
    for command in COMMANDS
    if not (command == ["db", "upgrade"] and mistake in INTEGRATION)
]


def run(args: list[str]) -> tuple[int, str]:
    """The command's exit code and everything it printed; fails on any traceback."""
    get_settings.cache_clear()
    get_engine.cache_clear()
    widths = output.console.width, output.errors.width
    output.console.width = output.errors.width = 400
    try:
        result = CliRunner().invoke(app, args)
    finally:
        output.console.width, output.errors.width = widths
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        details = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"`assistant {' '.join(args)}` raised:\n{details}")
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize(("mistake", "command"), CASES)
def test_every_command_names_the_mistake_in_one_line(
    mistake: str, command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment, words = MISTAKES[mistake]
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    before = _files(tmp_path)
    code, printed = run(command)
    assert code == 2, printed
    lines = [line for line in printed.splitlines() if line.strip()]
    assert len(lines) == 1, printed
    assert lines[0].startswith("error: ")
    for word in words:
        assert word in lines[0]
    assert _files(tmp_path) == before, "a failed command left files behind"


def test_missing_postgres_database_is_named(
    monkeypatch: pytest.MonkeyPatch, postgres_url: str, tmp_path: Path
) -> None:
    missing = postgres_url.split("?")[0].rsplit("/", 1)[0] + "/no_such_database_here"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", missing)
    code, printed = run(["drafts", "list"])
    assert code == 2
    assert "no_such_database_here" in printed and "does not exist" in printed


# `db upgrade` is the fix itself, and quickstart migrates any database it is given.
@pytest.mark.parametrize(
    "command", [c for c in COMMANDS if c[0] not in ("db", "quickstart")], ids=" ".join
)
def test_unmigrated_postgres_says_run_db_upgrade(
    command: list[str], monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", postgres_url)
    code, printed = run(command)
    assert code == 2, printed
    assert "assistant db upgrade" in printed


FRESH_COMMANDS = [
    ["drafts", "list"],
    ["campaigns", "list"],
    ["messages", "list"],
    ["conversations", "list"],
    ["segments", "list"],
    ["segments", "count", "vip"],
    ["metrics", "export", "--format", "json"],
    ["metrics", "refresh"],
    ["worker", "--once"],
    ["review"],
]


@pytest.mark.parametrize("command", FRESH_COMMANDS, ids=" ".join)
def test_every_command_works_on_a_fresh_sqlite_path(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "new" / "store.db"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", f"sqlite:///{database}")
    code, printed = run(command)
    assert code == 0, printed
    from assistant.commandline.preflight import head_revision
    from assistant.db import build_engine
    from assistant.migrate import current_revision

    engine = build_engine(f"sqlite:///{database}")
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_help_of_a_command_needs_no_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", UNREACHABLE)
    code, printed = run(["drafts", "generate", "--help"])
    assert code == 0
    assert "--playbook" in printed


def test_unknown_command_suggests_the_closest(monkeypatch: pytest.MonkeyPatch) -> None:
    code, printed = run(["segmnts"])
    assert code == 2
    assert "Did you mean 'segments'" in printed


def test_settings_from_the_environment_are_isolated() -> None:
    # Guard for the tests above: the suite's own environment sets no provider.
    assert not any(name.startswith(("TWILIO_", "SLACK_")) for name in os.environ)
