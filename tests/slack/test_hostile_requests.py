"""Hostile requests to `/slack/events`: never a 5xx, always a problem document, never read
past the limit."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest
from fastapi.testclient import TestClient

from assistant.api.limits import SLACK_MAX_BYTES
from tests.slack.helpers import SECRET

PROBLEM = "application/problem+json"
INVALID_UTF8 = b"payload=%7B%22type%22%3A\xff\xfe\xfd%7D"


def _headers(signature: str, timestamp: str | None = None) -> dict[str, bytes]:
    """Headers as raw bytes, as a hostile client may send them (latin-1, not just ASCII)."""
    return {
        "Content-Type": b"application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": (timestamp or str(int(time.time()))).encode("latin-1"),
        "X-Slack-Signature": signature.encode("latin-1"),
    }


@pytest.mark.parametrize("signature", ["v0=" + "0" * 64, "v0=nothex", "garbage", "v0=\u00e9"])
def test_invalid_utf8_with_a_fake_signature_is_a_401_problem(
    web: TestClient, signature: str
) -> None:
    response = web.post("/slack/events", content=INVALID_UTF8, headers=_headers(signature))
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


def test_invalid_utf8_correctly_signed_is_a_400_problem(web: TestClient) -> None:
    timestamp = str(int(time.time()))
    base = b"v0:" + timestamp.encode() + b":" + INVALID_UTF8
    signature = "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    response = web.post(
        "/slack/events", content=INVALID_UTF8, headers=_headers(signature, timestamp)
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM


def test_a_garbled_timestamp_is_a_401_problem(web: TestClient) -> None:
    response = web.post(
        "/slack/events", content=b"a=b", headers=_headers("v0=" + "0" * 64, "12\u00e9")
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


def test_a_body_over_the_limit_is_413_before_the_signature(web: TestClient) -> None:
    body = b"a" * (SLACK_MAX_BYTES + 1)
    response = web.post("/slack/events", content=body, headers=_headers("v0=" + "0" * 64))
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
