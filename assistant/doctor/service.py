"""The checks the core can run itself: configuration, database and broker."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from assistant.commandline.preflight import configuration_problems, configuration_warnings
from assistant.doctor.schemas import Check, first_line

if TYPE_CHECKING:
    from assistant.config import Settings

ProviderCheck = Callable[[], Check]


def check_configuration(settings: Settings) -> list[Check]:
    """Settings that parse but cannot work together, one row each; ok when there are none."""
    problems = configuration_problems(settings)
    warnings = [
        Check.warning(f"config {w.setting}", w.problem, w.fix)
        for w in configuration_warnings(settings)
    ]
    if not problems:
        return [Check.ok("configuration", "settings parse and agree"), *warnings]
    return [Check.problem(f"config {p.setting}", p.problem, p.fix) for p in problems] + warnings


def check_database(settings: Settings) -> Check:
    """Reachable, and at this version's migration (a missing SQLite file is not created)."""
    from sqlalchemy.engine import make_url

    from assistant.commandline.preflight import head_revision, known_revisions
    from assistant.db import build_engine, redacted_url
    from assistant.migrate import current_revision

    name = "database"
    try:
        url = make_url(settings.database.url)
    except Exception as exc:
        return Check.problem(name, first_line(exc), "fix ASSISTANT_DATABASE_URL")
    shown = redacted_url(settings.database.url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        from pathlib import Path

        if not Path(url.database).expanduser().exists():
            return Check.ok(name, f"{shown} does not exist yet; created on first use")
    try:
        engine = build_engine(settings.database.url)
        try:
            current = current_revision(engine)
        finally:
            engine.dispose()
    except Exception as exc:
        return Check.problem(
            name,
            f"{shown}: {first_line(exc)}",
            "check that the server runs, the database exists and ASSISTANT_DATABASE_URL is right",
        )
    head = head_revision()
    if current == head:
        return Check.ok(name, f"{shown} at migration {head}")
    if current is not None and current not in known_revisions():
        return Check.problem(
            name, f"{shown} is at {current}, newer than this version", "install that version"
        )
    if url.get_backend_name() == "sqlite":
        return Check.ok(name, f"{shown} at {current or 'no schema'}; migrated on first use")
    return Check.problem(
        name, f"{shown} is at {current or 'no schema'}, needs {head}", "run `assistant db upgrade`"
    )


def check_broker(settings: Settings) -> Check:
    """The Celery broker answers, when one is configured."""
    url = settings.worker.broker_url
    if not url:
        return Check.skipped("broker", "ASSISTANT_BROKER_URL not set: jobs run in-process")
    from kombu.connection import Connection

    try:
        with Connection(url, connect_timeout=3) as connection:  # type: ignore[no-untyped-call]
            connection.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:
        return Check.problem(
            "broker",
            first_line(exc),
            "start Redis or fix ASSISTANT_BROKER_URL (redis://HOST:6379/0)",
        )
    return Check.ok("broker", f"{connection.transport_cls} broker answers")


def run_checks(settings: Settings, provider_checks: Iterable[ProviderCheck]) -> list[Check]:
    """Every check, in order: configuration, database, broker, then each outside system."""
    checks = [*check_configuration(settings), check_database(settings), check_broker(settings)]
    for provider_check in provider_checks:
        try:
            checks.append(provider_check())
        except Exception as exc:  # a check that breaks is itself a finding, not a crash
            checks.append(Check.problem("check", first_line(exc), "see the message"))
    return checks
