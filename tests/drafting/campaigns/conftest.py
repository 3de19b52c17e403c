"""A demo store per test module and database, with the campaign tables emptied per test.

Campaign tests write only campaigns, members, drafts and their audit rows, so one imported
store serves a whole module; each test starts with none of those rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete

from assistant.config import get_settings
from assistant.db import build_engine, get_engine, unit_of_work
from assistant.models import AuditEntry, Campaign, CampaignMember, Draft, Message, Suppression
from tests.conftest import fresh_postgres_schema, migrate_like_alembic
from tests.drafting.campaigns.helpers import demo_store
from tests.segments.conftest import default_settings

DEMO_CUSTOMERS = 500


def _build(url: str, folder: Path) -> Engine:
    engine = build_engine(url)
    with default_settings(folder):
        migrate_like_alembic(engine)
        demo_store(engine, folder / "demo", customers=DEMO_CUSTOMERS)
    return engine


@pytest.fixture(scope="module")
def demo_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    folder = tmp_path_factory.mktemp("demo-sqlite")
    engine = _build(f"sqlite:///{folder / 'demo.db'}", folder)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def demo_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with fresh_postgres_schema("camp") as url:
        engine = _build(url, tmp_path_factory.mktemp("demo-postgres"))
        try:
            yield engine
        finally:
            engine.dispose()


def clean(engine: Engine) -> None:
    """No campaigns, drafts or messages: every test starts from the imported store."""
    with unit_of_work(engine) as session:
        for model in (AuditEntry, Message, Draft, CampaignMember, Campaign, Suppression):
            session.execute(delete(model))


@pytest.fixture(params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The module's demo store on each database, also the configured one for the CLI."""
    engine: Engine = request.getfixturevalue(
        f"demo_{request.param.replace('postgresql', 'postgres')}"
    )
    clean(engine)
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    get_engine.cache_clear()
    return engine
