"""Health endpoints of the web service."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import build_engine
from tests.jobs.conftest import REDIS_URL, REQUIRE_REDIS, redis_problem


def test_healthz_and_readyz_on_a_migrated_database(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


def test_readyz_refuses_traffic_before_migrations(tmp_path: Path) -> None:
    client = TestClient(create_app(build_engine(f"sqlite:///{tmp_path / 'empty.db'}")))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "not migrated" in response.json()["database"]


def test_readyz_reports_an_unreachable_database() -> None:
    engine = build_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    response = TestClient(create_app(engine)).get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_readyz_names_an_unreachable_broker(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_BROKER_URL", "redis://127.0.0.1:1/0")
    get_settings.cache_clear()
    response = TestClient(create_app(engine)).get("/readyz")
    assert response.status_code == 503
    report = response.json()
    assert report["status"] == "unavailable"
    assert report["database"] == "ok"
    assert report["broker"].startswith("unreachable")


def test_readyz_checks_a_reachable_broker(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    problem = redis_problem()
    if problem and not REQUIRE_REDIS:
        pytest.skip(f"Redis unreachable: {problem}")
    monkeypatch.setenv("ASSISTANT_BROKER_URL", REDIS_URL)
    get_settings.cache_clear()
    response = TestClient(create_app(engine)).get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ready",
        "database": "ok",
        "revision": response.json()["revision"],
        "broker": "ok",
    }
