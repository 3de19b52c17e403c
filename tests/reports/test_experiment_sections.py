"""The reports page's holdout, variants and send-time sections show the reports' numbers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from tests.reports.holdout_store import holdout_store
from tests.reports.outcomes_store import DAY, T0, campaign, customer, draft, message, reply
from tests.reports.send_time_store import send_time_store
from tests.reports.test_page import BOOTSTRAP, SECRET, _cells


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ASSISTANT_API_KEYS", BOOTSTRAP)
    monkeypatch.setenv("ASSISTANT_SECRET_KEY", SECRET)
    get_settings.cache_clear()
    with TestClient(create_app(engine), base_url="http://testserver") as test_client:
        yield test_client


def _page(client: TestClient, **params: str) -> str:
    response = client.get(
        "/reports", params=params, headers={"Authorization": f"Bearer {BOOTSTRAP}"}
    )
    assert response.status_code == 200, response.text
    return response.text


def test_the_holdout_section_shows_lift_interval_and_probability(
    engine: Engine, client: TestClient
) -> None:
    with unit_of_work(engine) as session:
        holdout_store(session)
    page = _page(client)
    rows = _cells(page)
    # check_in: treated 1/4, holdout 1/2: lift -25 points, P(lift > 0) = 2/7.
    check_in = next(row for row in rows if row and row[0] == "check_in")
    assert check_in[:4] == ["check_in", "1", "1/4 (25.0%)", "1/2 (50.0%)"]
    assert check_in[4].startswith("-25.0 pts [")
    assert check_in[5].startswith("2.50 [")
    assert check_in[6:] == ["28.6%", "not enough data yet"]
    assert ">Conversion lift over the holdout, by playbook</title>" in page
    assert "check_in: -25.0 pts [" in page  # the chart's description
    assert 'id="holdout"' in page


def test_the_send_time_section_shows_rates_and_the_verdict(
    engine: Engine, client: TestClient
) -> None:
    send_time_store(engine)
    page = _page(client)
    rows = _cells(page)
    assert ["learned", "40", "20", "50.0%", "35.2% - 64.8%"] in rows
    assert ["holdout", "40", "8", "20.0%", "10.5% - 34.8%"] in rows
    assert "Learned against holdout: learned lifts the reply rate" in page
    assert "learned - holdout: 30.0%" in page


def test_empty_windows_say_so(engine: Engine, client: TestClient) -> None:
    with unit_of_work(engine) as session:
        holdout_store(session)
    send_time_store(engine)
    page = _page(client, since="2030-01-01")
    assert "check_in" not in page and "learned - holdout" not in page
    assert page.count("Nothing in this window.") >= 2


def test_the_variants_section_shows_each_variant_and_the_verdict(
    engine: Engine, client: TestClient
) -> None:
    with unit_of_work(engine) as session:
        cid = campaign(session, "recognition")
        for variant, replies in (("thanks", 1), ("early_access", 2)):
            for number in range(2):
                who = customer(session)
                made = draft(session, who, cid, playbook="recognition", variant=variant)
                message(session, who, made, T0)
                if number < replies:
                    reply(session, who, T0 + DAY)
    page = _page(client)
    rows = _cells(page)
    thanks = next(row for row in rows if row and row[0] == "thanks")
    early = next(row for row in rows if row and row[0] == "early_access")
    assert thanks[:2] == ["thanks", "2"] and thanks[2].startswith("50.0% [")
    assert early[:2] == ["early_access", "2"] and early[2].startswith("100.0% [")
    assert ">Variants of playbook recognition</title>" in page
    assert "recognition: not enough data yet" in page
