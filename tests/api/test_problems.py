"""Every API error is an RFC 9457 problem document, and the OpenAPI says so."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.api.pagination import (
    MAX_CURSOR,
    decode_cursor,
    decode_text_cursor,
    encode_cursor,
    next_cursor,
)

KEY = "test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
PROBLEM = "application/problem+json"


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("ASSISTANT_API_KEYS", KEY)
    from assistant.config import get_settings

    get_settings.cache_clear()
    return TestClient(create_app(engine), raise_server_exceptions=False)


def _is_problem(response: Any, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, object] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_unknown_path_wrong_method_and_missing_key_are_problems(client: TestClient) -> None:
    _is_problem(client.get("/api/v1/nothing-here"), 404)
    _is_problem(client.delete("/api/v1/segments", headers=AUTH), 405)
    missing = _is_problem(client.get("/api/v1/segments"), 401)
    assert "Authorization: Bearer" in str(missing["detail"])
    _is_problem(client.get("/api/v1/segments", headers={"Authorization": "Bearer nope"}), 401)


def test_invalid_parameters_name_each_field(client: TestClient) -> None:
    body = _is_problem(client.get("/api/v1/campaigns?limit=0", headers=AUTH), 422)
    errors = body["errors"]
    assert isinstance(errors, list) and errors[0]["loc"] == ["query", "limit"]


def test_an_unexpected_error_is_a_500_problem_without_details(engine: Engine) -> None:
    app = create_app(engine)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    body = _is_problem(response, 500)
    assert "secret" not in response.text and "logged" in str(body["detail"])


def test_openapi_lists_problem_responses_on_api_routes(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        for operation in operations.values():
            for code in ("401", "403", "422", "500"):
                assert code in operation["responses"], (path, code)
            content = operation["responses"]["422"]["content"]
            assert "application/problem+json" in content


def test_cursors_round_trip_and_foreign_ones_are_refused() -> None:
    assert decode_cursor(encode_cursor(41)) == 41
    assert decode_cursor(None) is None
    assert next_cursor([1, 2], 3, key=lambda row: row) is None
    assert decode_cursor(next_cursor([1, 2, 3], 3, key=lambda row: row)) == 3
    from fastapi import HTTPException

    for foreign in ("abc", encode_cursor(-1), "eyJhZnRlciI6IngifQ", encode_cursor(2**70)):
        with pytest.raises(HTTPException):
            decode_cursor(foreign)


def test_text_cursors_round_trip_within_the_parameter_limit() -> None:
    from fastapi import HTTPException

    for key in ("C01", "ü" * 64, "😀" * 64, "\x01" * 64, 'a"b\\c'):
        cursor = encode_cursor(key)
        assert len(cursor) <= MAX_CURSOR and decode_text_cursor(cursor) == key
    assert decode_text_cursor(next_cursor(["a", "b"], 2, key=lambda row: row)) == "b"
    assert decode_text_cursor("") is None
    for foreign in ("abc", encode_cursor(41), encode_cursor(""), encode_cursor("x" * 65)):
        with pytest.raises(HTTPException):
            decode_text_cursor(foreign)
