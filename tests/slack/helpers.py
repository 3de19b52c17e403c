"""Signing, payloads and waiting, for driving the Slack app the way Slack does."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from httpx import Response

from tests.fakes.slack_server import APP_ID, TEAM_ID, OpenedView, Posted

SECRET = "test-signing-secret-0123456789abcdef"
CHANNEL = "C0REVIEW"
ANN, BOB, CAROL, EVE = "U0ANN", "U0BOB", "U0CAROL", "U0EVE"
GROUP = "S0REVIEWERS"
T = TypeVar("T")
_triggers = iter(range(1, 1_000_000))


def sign(secret: str, timestamp: str, body: str) -> str:
    """Slack's v0 signature: HMAC-SHA256 of `v0:{timestamp}:{body}`, hex, prefixed `v0=`."""
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    return "v0=" + digest.hexdigest()


def signed_headers(
    body: str, *, secret: str = SECRET, timestamp: int | None = None
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sign(secret, ts, body),
    }


def form(payload: dict[str, Any]) -> str:
    """An interaction as Slack posts it: one form field `payload` holding JSON."""
    return urlencode({"payload": json.dumps(payload)})


def post(client: TestClient, payload: dict[str, Any], **signing: Any) -> Response:
    """POST `payload` to /slack/events, signed exactly as Slack signs it."""
    body = form(payload)
    return client.post("/slack/events", content=body, headers=signed_headers(body, **signing))


def _user(user: str) -> dict[str, Any]:
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID}


def button(card: Posted, action_id: str) -> dict[str, Any]:
    """The button `action_id` on a posted card (KeyError when the card has none)."""
    for block in card.blocks:
        for element in block.get("elements") or []:
            if element.get("type") == "button" and element.get("action_id") == action_id:
                return {"block_id": block.get("block_id"), **element}
    raise KeyError(action_id)


def click(card: Posted, action_id: str, user: str) -> dict[str, Any]:
    """A `block_actions` payload: `user` clicked `action_id` on `card`."""
    element = button(card, action_id)
    container: dict[str, Any] = {"type": "message", "message_ts": card.ts,
                                 "channel_id": card.channel, "is_ephemeral": False}  # fmt: skip
    message: dict[str, Any] = {"type": "message", "ts": card.ts, "text": card.text,
                               "blocks": card.blocks, "user": card.user}  # fmt: skip
    if card.thread_ts:
        container["thread_ts"] = card.thread_ts
        message["thread_ts"] = card.thread_ts
    return {
        "type": "block_actions",
        "user": _user(user),
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "container": container,
        "trigger_id": f"{next(_triggers)}.4242.abcdef",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": card.channel, "name": "review"},
        "message": message,
        "state": {"values": {}},
        "response_url": "https://hooks.slack.invalid/actions/T0FAKE/1/abc",
        "actions": [{
            "action_id": element["action_id"], "block_id": element["block_id"],
            "text": element["text"], "value": element.get("value", ""), "type": "button",
            "action_ts": f"{time.time():.6f}",
        }],
    }  # fmt: skip


def submit(opened: OpenedView, user: str, values: dict[str, str | None]) -> dict[str, Any]:
    """A `view_submission` payload for a modal the app opened, with `values` typed in."""
    state = {
        block: {"value": {"type": "plain_text_input", "value": value}}
        for block, value in values.items()
    }
    view = dict(opened.view)
    view["state"] = {"values": state}
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "user": _user(user),
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "trigger_id": f"{next(_triggers)}.4242.abcdef",
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def eventually(check: Callable[[], T | None], timeout: float = 10.0, what: str = "") -> T:
    """Poll `check` until it returns something truthy (background work runs after the ack)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(0.02)


def texts(blocks: list[dict[str, Any]]) -> str:
    """Every text in `blocks`, joined (for asserting what a card says)."""
    found: list[str] = []
    for block in blocks:
        for item in [
            block.get("text"),
            *(block.get("fields") or []),
            *(block.get("elements") or []),
        ]:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                found.append(item["text"])
            elif isinstance(item, dict) and isinstance(item.get("text"), dict):
                found.append(item["text"].get("text", ""))
    return "\n".join(found)


def has_buttons(blocks: list[dict[str, Any]]) -> bool:
    return any(block.get("type") == "actions" for block in blocks)
