"""Health endpoints of the web service."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.db import build_engine


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
