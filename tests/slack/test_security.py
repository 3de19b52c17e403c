"""Only Slack, only now, only reviewers: signatures, the 300 s window, and the allow-list."""

from __future__ import annotations

import json
import logging
import time

import pytest
from fastapi.testclient import TestClient
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine

from assistant.api.app import create_app
from connectors.slack.actions import ActionId
from connectors.slack.poster import SlackPoster
from connectors.slack.routes import refusal_reason
from tests.fakes.slack_server import FakeSlack
from tests.slack.helpers import (
    ANN,
    CAROL,
    CHANNEL,
    EVE,
    click,
    eventually,
    form,
    has_buttons,
    post,
    sign,
    signed_headers,
)
from tests.slack.seed import Store
from tests.slack.test_interactions import audit_rows, draft_row

# The official vector (protocol-facts.md, from Slack's documentation).
VECTOR_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
VECTOR_TS = "1531420618"
VECTOR_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
    "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
    "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885"
    "554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fc"
    "e8b6703c"
)
VECTOR_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
MARKER = "PRIVATE-DRAFT-TEXT-7f3a"


def test_the_test_signer_and_the_route_agree_with_slacks_official_vector() -> None:
    assert sign(VECTOR_SECRET, VECTOR_TS, VECTOR_BODY) == VECTOR_SIGNATURE
    verifier = SignatureVerifier(VECTOR_SECRET)
    assert verifier.generate_signature(timestamp=VECTOR_TS, body=VECTOR_BODY) == VECTOR_SIGNATURE
    body = VECTOR_BODY.encode()
    at = float(VECTOR_TS)
    assert refusal_reason(VECTOR_SECRET, body, VECTOR_TS, VECTOR_SIGNATURE, now=at) is None
    assert refusal_reason(VECTOR_SECRET, body, VECTOR_TS, VECTOR_SIGNATURE, now=at + 299) is None
    assert refusal_reason(VECTOR_SECRET, body, VECTOR_TS, VECTOR_SIGNATURE, now=at + 301) == "stale"
    assert refusal_reason(VECTOR_SECRET, body, VECTOR_TS, VECTOR_SIGNATURE, now=at - 301) == "stale"
    tampered = body.replace(b"text=", b"text=x")
    assert refusal_reason(VECTOR_SECRET, tampered, VECTOR_TS, VECTOR_SIGNATURE, now=at) == (
        "bad_signature"
    )
    assert refusal_reason(VECTOR_SECRET, body, None, None, now=at) == "unsigned"


@pytest.fixture
def shown(engine: Engine, fake: FakeSlack, poster: SlackPoster, store: Store) -> int:
    """The campaign posted; the first draft's id (its card is in the fake)."""
    poster.post_campaign(store.campaign_id)
    fake.reset_calls()
    return store.drafts[0]


def _payload(engine: Engine, fake: FakeSlack, draft_id: int, user: str) -> dict[str, object]:
    card = fake.message(CHANNEL, draft_row(engine, draft_id).slack_ts or "")
    payload = click(card, ActionId.APPROVE, user)
    payload["message"]["text"] = MARKER  # type: ignore[index]
    return payload


def _unchanged(engine: Engine, fake: FakeSlack, draft_id: int) -> None:
    time.sleep(0.3)  # give any (wrongly) started background work the time to show
    draft = draft_row(engine, draft_id)
    assert (draft.state, draft.version, draft.decided_by) == ("pending_review", 1, None)
    assert audit_rows(engine, draft_id) == []
    assert fake.calls_of("chat.update") == [] and fake.calls_of("chat.postMessage") == []


def test_a_replayed_request_is_refused_and_changes_nothing(
    engine: Engine,
    fake: FakeSlack,
    web: TestClient,
    shown: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    payload = _payload(engine, fake, shown, ANN)
    response = post(web, payload, timestamp=int(time.time()) - 301)
    assert response.status_code == 401
    _unchanged(engine, fake, shown)
    assert fake.calls == []
    assert "slack.request_refused reason=stale" in caplog.text
    assert MARKER not in caplog.text


@pytest.mark.parametrize("kind", ["unsigned", "tampered", "wrong_secret"])
def test_unsigned_or_tampered_requests_are_refused_and_their_body_is_not_logged(
    engine: Engine,
    fake: FakeSlack,
    web: TestClient,
    shown: int,
    caplog: pytest.LogCaptureFixture,
    kind: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    body = form(_payload(engine, fake, shown, ANN))
    if kind == "unsigned":
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
    elif kind == "tampered":
        headers = signed_headers(body)
        body = body.replace(ANN, "U0MALLORY")
    else:
        headers = signed_headers(body, secret="not-the-signing-secret")
    response = web.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "The request is not signed by Slack."
    _unchanged(engine, fake, shown)
    assert fake.calls == []
    reason = "unsigned" if kind == "unsigned" else "bad_signature"
    assert f"slack.request_refused reason={reason}" in caplog.text
    assert MARKER not in caplog.text


def test_someone_not_allowed_gets_an_ephemeral_refusal_and_nothing_changes(
    engine: Engine, fake: FakeSlack, web: TestClient, shown: int
) -> None:
    for action in (ActionId.APPROVE, ActionId.EDIT, ActionId.REJECT):
        card = fake.message(CHANNEL, draft_row(engine, shown).slack_ts or "")
        assert post(web, click(card, action, EVE)).status_code == 200
    eventually(lambda: len(fake.ephemerals) == 3, what="three refusals")
    assert {e.user for e in fake.ephemerals} == {EVE}
    assert all("Only reviewers" in e.text for e in fake.ephemerals)
    assert fake.views == []
    draft = draft_row(engine, shown)
    assert (draft.state, draft.version, draft.decided_by) == ("pending_review", 1, None)
    assert audit_rows(engine, shown) == []
    assert fake.calls_of("chat.update") == []


def test_a_member_of_the_reviewers_group_may_act(
    engine: Engine, fake: FakeSlack, web: TestClient, shown: int
) -> None:
    card = fake.message(CHANNEL, draft_row(engine, shown).slack_ts or "")
    post(web, click(card, ActionId.APPROVE, CAROL))
    eventually(lambda: card.updates, what="chat.update")
    assert draft_row(engine, shown).decided_by == f"slack:{CAROL}"
    assert not has_buttons(card.blocks)
    assert [c.params["usergroup"] for c in fake.calls_of("usergroups.users.list")] == [
        "S0REVIEWERS"
    ]


def test_url_verification_echoes_the_challenge(web: TestClient) -> None:
    body = json.dumps({"token": "x", "challenge": "c-123", "type": "url_verification"})
    headers = signed_headers(body)
    headers["Content-Type"] = "application/json"
    response = web.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200 and response.json() == {"challenge": "c-123"}


def test_without_slack_settings_the_endpoint_says_so(engine: Engine) -> None:
    with TestClient(create_app(engine)) as client:
        response = client.post("/slack/events", content="payload=%7B%7D")
    assert response.status_code == 503
    assert response.json()["detail"] == "Slack is not configured on this server."
