"""Unsubscribe tokens and the GET|POST /unsubscribe/{token} round trip from a real sent email."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from assistant.api.app import create_app
from assistant.db import unit_of_work
from assistant.delivery.unsubscribe import (
    TOKEN_TTL,
    UnsubscribeTokenError,
    make_token,
    unsubscribe_url,
    verify_token,
)
from assistant.models import AuditEntry, ConsentEvent, Customer, Draft, DraftState, Message
from assistant.ports import EmailMessage
from tests.connectors.email.conftest import PUBLIC_URL, SECRET_KEY, SenderFor
from tests.fakes.smtp_server import FakeSmtpServer

SECRET = SECRET_KEY.encode()
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
ONE_CLICK = {"Content-Type": "application/x-www-form-urlencoded"}


def test_token_round_trip() -> None:
    token = make_token(42, "email", secret=SECRET, now=NOW)
    assert re.fullmatch(r"[A-Za-z0-9._-]+", token)  # safe in a URL path as is
    claim = verify_token(token, secret=SECRET, now=NOW + TOKEN_TTL - timedelta(seconds=1))
    assert (claim.customer_id, claim.channel) == (42, "email")
    assert claim.expires_at == NOW + TOKEN_TTL


def test_expired_token() -> None:
    token = make_token(42, "email", secret=SECRET, now=NOW)
    with pytest.raises(UnsubscribeTokenError) as caught:
        verify_token(token, secret=SECRET, now=NOW + TOKEN_TTL)
    assert caught.value.problem == "expired"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace("v1.42.", "v1.43.", 1),  # another customer
        lambda t: t.replace(".email.", ".sms.", 1),  # another channel
        lambda t: re.sub(r"\.(\d+)\.(?=[^.]+$)", lambda m: f".{int(m[1]) + 86400}.", t),  # later
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
    ],
    ids=["customer", "channel", "expiry", "signature"],
)
def test_tampered_tokens_are_refused(tamper: object) -> None:
    token = make_token(42, "email", secret=SECRET, now=NOW)
    altered = tamper(token)  # type: ignore[operator]
    assert altered != token
    with pytest.raises(UnsubscribeTokenError) as caught:
        verify_token(altered, secret=SECRET, now=NOW)
    assert caught.value.problem == "bad_signature"


def test_another_secret_or_garbage_is_refused() -> None:
    token = make_token(42, "email", secret=SECRET, now=NOW)
    with pytest.raises(UnsubscribeTokenError, match="not valid"):
        verify_token(token, secret=b"another-secret-another-secret-xx", now=NOW)
    for garbage in (
        "",
        "abc",
        "v1.42.email.99",
        "v2.42.email.1.sig",
        "v1.-1.email.1.sig",
        "x" * 500,
    ):
        with pytest.raises(UnsubscribeTokenError) as caught:
            verify_token(garbage, secret=SECRET, now=NOW)
        assert caught.value.problem == "malformed"


def _seed(engine: Engine) -> dict[str, int]:
    """A consenting customer with a queued email, an unsent email draft and a queued SMS."""
    with unit_of_work(engine) as session:
        customer = Customer(
            external_id="C-42",
            first_name="Maya",
            email="maya@example.net",
            phone="+14155550123",
            email_consent=True,
            email_consent_source="import",
            sms_consent=True,
        )
        session.add(customer)
        session.flush()
        queued_draft = Draft(
            idempotency_key="draft-queued",
            customer_id=customer.id,
            playbook="check_in",
            channel="email",
            state=DraftState.SCHEDULED,
            subject="How is the skillet?",
            body="Hi Maya",
        )
        pending_draft = Draft(
            idempotency_key="draft-pending",
            customer_id=customer.id,
            playbook="upsell",
            channel="email",
            state=DraftState.PENDING_REVIEW,
            body="Hi again",
        )
        session.add_all([queued_draft, pending_draft])
        session.flush()
        email = Message(
            idempotency_key=f"draft:{queued_draft.id}",
            customer_id=customer.id,
            draft_id=queued_draft.id,
            direction="outbound",
            channel="email",
            status="scheduled",
            to_address=customer.email,
            subject="How is the skillet?",
            body="Hi Maya",
            scheduled_for=NOW,
        )
        sms = Message(
            idempotency_key="sms-1",
            customer_id=customer.id,
            direction="outbound",
            channel="sms",
            status="scheduled",
            to_address=customer.phone,
            body="Hi Maya",
            scheduled_for=NOW,
        )
        session.add_all([email, sms])
        session.flush()
        return {
            "customer": customer.id,
            "queued_draft": queued_draft.id,
            "pending_draft": pending_draft.id,
            "email": email.id,
            "sms": sms.id,
        }


def _link_from_sent_mail(fake_smtp: FakeSmtpServer) -> str:
    header = str(fake_smtp.last().message["List-Unsubscribe"])
    match = re.search(r"<(https://[^>]+)>", header)
    assert match is not None
    return match.group(1)


def test_one_click_round_trip(
    engine: Engine,
    fake_smtp: FakeSmtpServer,
    email_sender: SenderFor,
) -> None:
    ids = _seed(engine)
    sender = email_sender(fake_smtp.url())
    sender.send(
        EmailMessage(
            to="maya@example.net",
            subject="A note from Sam",
            text="Hi Maya, thank you for your order.",
            idempotency_key="draft:earlier",
            customer_id=ids["customer"],
        )
    )
    link = _link_from_sent_mail(fake_smtp)
    assert link.startswith(f"{PUBLIC_URL}/unsubscribe/")
    path = urlsplit(link).path
    client = TestClient(create_app(engine), follow_redirects=False)

    # GET only shows the page (scanners prefetch links): nothing changes.
    page = client.get(path)
    assert page.status_code == 200
    assert '<form method="post">' in page.text
    assert "Unsubscribe from Ember &amp; Oak emails?" in page.text
    with unit_of_work(engine) as session:
        assert session.get_one(Customer, ids["customer"]).email_consent is True

    # The mail provider's one-click POST (RFC 8058): no cookies, this exact body, no redirect.
    done = client.post(path, content="List-Unsubscribe=One-Click", headers=ONE_CLICK)
    assert done.status_code == 200
    assert "You are unsubscribed" in done.text

    with unit_of_work(engine) as session:
        customer = session.get_one(Customer, ids["customer"])
        assert customer.email_consent is False
        assert customer.email_consent_source == "email_unsubscribe"
        assert customer.sms_consent is True  # only the token's channel
        [event] = session.scalars(select(ConsentEvent)).all()
        assert (event.channel, event.consented, event.source, event.detail) == (
            "email",
            False,
            "email_unsubscribe",
            "one-click",
        )
        assert event.destination == session.get_one(Customer, ids["customer"]).email.lower()
        assert event.wording == "one-click unsubscribe"
        assert len(event.evidence["unsubscribe_token_id"]) == 16  # a hash, never the token
        assert event.evidence["method"] == "one-click"
        assert session.get_one(Message, ids["email"]).status == "cancelled"
        assert session.get_one(Message, ids["sms"]).status == "scheduled"
        assert session.get_one(Draft, ids["queued_draft"]).state == DraftState.CANCELLED
        assert session.get_one(Draft, ids["pending_draft"]).state == DraftState.CANCELLED
        actors = set(session.scalars(select(AuditEntry.actor)).all())
        assert actors == {f"customer:{ids['customer']}"}

    # Repeats (a second click, the page's button) are harmless and record nothing new.
    again = client.post(path, content="List-Unsubscribe=One-Click", headers=ONE_CLICK)
    assert again.status_code == 200
    assert "You are unsubscribed" in client.get(path).text
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(ConsentEvent)) == 1


def test_the_page_button_opts_out_too(engine: Engine, email_sender: SenderFor) -> None:
    ids = _seed(engine)
    email_sender("smtp://127.0.0.1:2525")  # sets ASSISTANT_SECRET_KEY and the public URL
    token = make_token(ids["customer"], "email", secret=SECRET)
    client = TestClient(create_app(engine))
    # What the page's form sends (an empty POST works too).
    response = client.post(f"/unsubscribe/{token}", content="", headers=ONE_CLICK)
    assert response.status_code == 200
    with unit_of_work(engine) as session:
        assert session.get_one(Customer, ids["customer"]).email_consent is False
        [event] = session.scalars(select(ConsentEvent)).all()
        assert event.detail == "unsubscribe page"


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda cid: make_token(cid, "email", secret=SECRET, now=NOW - TOKEN_TTL * 2), "expired"),
        (
            lambda cid: make_token(cid, "email", secret=SECRET).replace(
                f"v1.{cid}.", f"v1.{cid + 1}.", 1
            ),
            "not valid",
        ),
        (lambda cid: make_token(cid, "email", secret=b"x" * 32), "not valid"),
        (lambda cid: "v1.nonsense", "incomplete or damaged"),
    ],
    ids=["expired", "other-customer", "other-secret", "malformed"],
)
def test_bad_tokens_get_a_400_page_and_change_nothing(
    engine: Engine, email_sender: SenderFor, make: object, words: str
) -> None:
    ids = _seed(engine)
    email_sender("smtp://127.0.0.1:2525")
    token = make(ids["customer"])  # type: ignore[operator]
    client = TestClient(create_app(engine), follow_redirects=False)
    path = urlsplit(unsubscribe_url(PUBLIC_URL, token)).path
    for response in (
        client.get(path),
        client.post(path, content="List-Unsubscribe=One-Click", headers=ONE_CLICK),
    ):
        assert response.status_code == 400
        assert "This unsubscribe link cannot be used" in response.text
        assert words in response.text
    with unit_of_work(engine) as session:
        assert session.get_one(Customer, ids["customer"]).email_consent is True
        assert session.scalar(select(func.count()).select_from(ConsentEvent)) == 0
        assert session.get_one(Message, ids["email"]).status == "scheduled"


def test_without_a_secret_key_the_route_says_so(engine: Engine) -> None:
    token = make_token(1, "email", secret=SECRET)
    response = TestClient(create_app(engine)).post(f"/unsubscribe/{token}")
    assert response.status_code == 503
