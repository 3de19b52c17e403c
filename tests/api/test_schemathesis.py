"""Property test of the whole HTTP API from its own OpenAPI description (schemathesis).

Every operation the app publishes, whoever added it, gets valid and invalid requests generated
from its schema, with an admin key. No answer may be a 5xx, and every 4xx must be a problem
document. Few examples per operation, derandomized: the same requests on every run, so a
failure reproduces, and the test stays quick on a loaded machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import build_engine, get_engine
from tests.conftest import migrate_like_alembic

KEY = "schemathesis-key-0123456789"
PROBLEM = "application/problem+json"
EXAMPLES_PER_MODE = 6


@pytest.fixture
def sqlite_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)
    monkeypatch.setenv("ASSISTANT_API_KEYS", KEY)
    monkeypatch.setenv("ASSISTANT_SECRET_KEY", "s" * 32)
    get_settings.cache_clear()
    get_engine.cache_clear()
    engine = build_engine(url)
    migrate_like_alembic(engine)
    yield engine
    engine.dispose()


def _for_people(operation: Any) -> bool:
    """Pages for people (the unsubscribe page) answer their errors as pages too."""
    responses = operation.definition.raw.get("responses", {})
    return any("text/html" in (r.get("content") or {}) for r in responses.values())


def _verdict(status: int, content_type: str, *, html: bool) -> str | None:
    if status >= 500:
        return f"{status}"
    if html and content_type.startswith("text/html"):
        return None
    if status >= 400 and not content_type.startswith(PROBLEM):
        return f"{status} as {content_type or 'no content type'}"
    return None


def _explore(operation: Any, auth: dict[str, str], failures: dict[str, str]) -> None:
    """Send the operation's generated requests; note the first bad answer."""
    html = _for_people(operation)
    strategies = [
        operation.as_strategy(generation_mode=mode, headers=auth)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    ]

    @settings(
        max_examples=EXAMPLES_PER_MODE * len(strategies),
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def probe(case: schemathesis.Case) -> None:
        response = case.call()
        content_type = response.headers.get("content-type") or [""]
        problem = _verdict(response.status_code, content_type[0], html=html)
        if problem is not None:
            failures.setdefault(operation.label, f"{problem} for {case.as_curl_command()}")

    probe()


def test_no_operation_answers_a_5xx_or_a_4xx_that_is_not_a_problem(
    sqlite_engine: Engine,
) -> None:
    app = create_app(sqlite_engine)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    auth = {"Authorization": f"Bearer {KEY}"}
    failures: dict[str, str] = {}
    operations = 0
    with TestClient(app):  # lifespan, as under a server
        for result in schema.get_all_operations():
            operations += 1
            _explore(result.ok(), auth, failures)
    assert operations > 0
    assert failures == {}, "\n".join(f"{k}: {v}" for k, v in failures.items())
