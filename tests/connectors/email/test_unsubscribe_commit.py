"""The one-click POST answers only after the opt-out is committed.

Driven at the ASGI level: the moment the app sends `http.response.start`, a fresh session
on another connection reads the customer. Before the fix the unit of work committed after
the response had gone out, so that read still saw consent on.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.delivery.unsubscribe import make_token
from assistant.models import ConsentEvent, Customer
from tests.asgi import call
from tests.connectors.email.conftest import SECRET_KEY


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_SECRET_KEY", SECRET_KEY)
    get_settings.cache_clear()


def _customer(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        customer = Customer(external_id="C-1", email="maya@example.net", email_consent=True)
        session.add(customer)
        session.flush()
        return customer.id


def _consent_in_fresh_session(engine: Engine, customer_id: int) -> bool | None:
    with unit_of_work(engine) as session:
        return session.get_one(Customer, customer_id).email_consent


def _post(engine: Engine, path: str, body: bytes) -> tuple[int, list[bool | None]]:
    """POST through the ASGI app; what a fresh session read when the response started."""
    customer_id = int(path.split("/")[-1].split(".")[1])
    status, seen = call(
        create_app(engine),
        "POST",
        path,
        body=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
        at_response_start=lambda: _consent_in_fresh_session(engine, customer_id),
    )
    return status, [seen]


def test_one_click_is_committed_before_the_200(engine: Engine) -> None:
    customer_id = _customer(engine)
    token = make_token(customer_id, "email", secret=SECRET_KEY.encode())
    status, seen = _post(engine, f"/unsubscribe/{token}", b"List-Unsubscribe=One-Click")
    assert status == 200
    assert seen == [False]  # already off when the response started


def test_confirm_form_is_committed_before_the_200_and_repeats_are_harmless(
    engine: Engine,
) -> None:
    customer_id = _customer(engine)
    token = make_token(customer_id, "email", secret=SECRET_KEY.encode())
    for _ in range(2):
        status, seen = _post(engine, f"/unsubscribe/{token}", b"List-Unsubscribe=One-Click")
        assert (status, seen) == (200, [False])
    # The page's button posts the same form; a third post changes nothing either.
    status, seen = _post(engine, f"/unsubscribe/{token}", b"")
    assert (status, seen) == (200, [False])
    with unit_of_work(engine) as session:
        events = session.scalar(select(func.count()).select_from(ConsentEvent))
    assert events == 1
