"""One log line per request by route template, with the request id and the path's ids; no
token from the path in any log line of the real server; no SQL parameter in a DB error."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from assistant.api.app import create_app
from assistant.api.commands import server_options
from assistant.config import get_settings
from assistant.db import build_engine
from assistant.delivery.unsubscribe import make_token, secret_from
from tests.observability.logcapture import captured_logs

API_KEY = "ak_test_key_0123456789abcdef"


def test_the_request_id_is_echoed_and_logged_with_the_paths_ids(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_API_KEYS", API_KEY)
    get_settings.cache_clear()
    client = TestClient(create_app(engine))
    with captured_logs("INFO") as logs:
        given = client.get(
            "/api/v1/campaigns/4242",
            headers={"Authorization": f"Bearer {API_KEY}", "X-Request-ID": "req-123"},
        )
        made = client.get("/healthz")
    assert given.headers["x-request-id"] == "req-123"
    generated = made.headers["x-request-id"]
    assert generated and generated != "req-123"
    lines = [e for e in logs.events() if e["event"] == "http.request"]
    assert lines[0]["request_id"] == "req-123"
    assert lines[0]["route"] == "/api/v1/campaigns/{campaign_id}"
    assert lines[0]["campaign_id"] == 4242
    assert lines[0]["status"] == given.status_code
    assert lines[1]["request_id"] == generated and "campaign_id" not in lines[1]
    assert API_KEY not in logs.text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(engine: Engine) -> Iterator[str]:
    """The app under uvicorn with `assistant serve`'s options, on a free loopback port."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(engine), **server_options("127.0.0.1", port, "info"))
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_an_unsubscribe_token_never_reaches_the_servers_log(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSISTANT_SECRET_KEY", "s" * 40)
    get_settings.cache_clear()
    token = make_token(1, "email", secret=secret_from(get_settings()))
    with captured_logs("DEBUG") as logs, served(engine) as base:
        response = httpx.get(f"{base}/unsubscribe/{token}?utm=x")
        assert response.status_code in (200, 400)
    written = capfd.readouterr()
    assert token not in logs.text + written.out + written.err
    routes = [e.get("route") for e in logs.events() if e["event"] == "http.request"]
    assert routes == ["/unsubscribe/{token}"]


def test_a_database_error_names_no_parameter(tmp_path: object) -> None:
    engine = build_engine("sqlite://")
    phone, body = "+15005550123", "my private message"
    with pytest.raises(OperationalError) as raised, engine.connect() as connection:
        connection.execute(
            text("INSERT INTO no_such_table (phone, body) VALUES (:phone, :body)"),
            {"phone": phone, "body": body},
        )
    message = str(raised.value)
    assert "no_such_table" in message
    assert phone not in message and body not in message
