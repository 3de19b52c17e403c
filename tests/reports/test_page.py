"""The reports page over HTTP: who gets in (form, cookie, bearer), what it shows, escaping."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.api.deps import Caller, Scope
from assistant.apikeys import service as apikeys
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.models.base import utcnow
from assistant.reports import page_auth
from tests.apikeys.helpers import make_key
from tests.clitools import invoke
from tests.reports.outcomes_store import campaign, customer, draft
from tests.reports.page_store import page_store

BOOTSTRAP = "test-bootstrap-key-0123456789"
SECRET = "s" * 40


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ASSISTANT_API_KEYS", BOOTSTRAP)
    monkeypatch.setenv("ASSISTANT_SECRET_KEY", SECRET)
    get_settings.cache_clear()
    with TestClient(create_app(engine), base_url="http://testserver") as test_client:
        yield test_client


def _login(client: TestClient, key: str) -> str:
    """Log in through the form; the session cookie's value."""
    response = client.post("/reports/login", data={"api_key": key}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/reports"
    value = client.cookies.get(page_auth.COOKIE)
    assert value
    return value


def _cells(html: str) -> list[list[str]]:
    """Every table row's cells, as text."""
    return [
        re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)
    ]


def test_anonymous_is_sent_to_the_login_form(client: TestClient) -> None:
    response = client.get("/reports", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/reports/login"
    form = client.get("/reports/login")
    assert form.status_code == 200
    assert '<form method="post" action="/reports/login"' in form.text
    assert "script-src" not in form.headers["content-security-policy"]
    assert "default-src 'none'" in form.headers["content-security-policy"]


def test_a_wrong_or_ingest_key_is_refused_with_a_401_page(
    engine: Engine, client: TestClient
) -> None:
    ingest = make_key(engine, "feeder", "ingest")
    for key in ("ak_00000000_" + "0" * 64, "nonsense", ingest, ""):
        response = client.post("/reports/login", data={"api_key": key}, follow_redirects=False)
        assert response.status_code == 401, key
        assert "That API key was not accepted" in response.text
        assert "feeder" not in response.text and (not key or key not in response.text)
        assert page_auth.COOKIE not in response.headers.get("set-cookie", "")
    stuffed = "&".join(f"f{n}=x" for n in range(10)) + f"&api_key={ingest}"
    response = client.post(
        "/reports/login",
        content=stuffed,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 401
    huge = client.post("/reports/login", data={"api_key": "x" * 5000})
    assert huge.status_code == 401


def test_login_sets_a_strict_http_only_cookie_and_the_page_shows_the_numbers(
    engine: Engine, client: TestClient
) -> None:
    page_store(engine)
    review = make_key(engine, "reader", "review")
    response = client.post("/reports/login", data={"api_key": review}, follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/reports" in cookie
    assert review not in response.headers["set-cookie"]
    page = client.get("/reports")
    assert page.status_code == 200
    assert "Signed in as <strong>reader (review)</strong>" in page.text
    rows = _cells(page.text)
    assert ["approved", "4", "80.0%"] in rows and ["converted", "1", "50.0%"] in rows
    assert ["check_in", "3", "1", "1", "40.00", "13.3333", "0.0237"] in rows
    assert ["winback", "2", "100.0%", "50.0%", "0.0%", "3"] in rows
    assert ["2026-W45", "7", "4", "57.1%"] in rows
    assert ">Funnel of playbook check_in</title>" in page.text
    assert "<desc" in page.text and "drafted 5, approved 4, sent 3" in page.text
    narrow = client.get("/reports", params={"since": "2026-12-01"})
    assert "Nothing in this window." in narrow.text and "check_in" not in narrow.text


def test_a_bearer_key_reads_the_page_without_a_cookie(engine: Engine, client: TestClient) -> None:
    page_store(engine)
    admin = make_key(engine, "boss", "admin")
    ingest = make_key(engine, "feeder", "ingest")
    ok = client.get("/reports", headers={"Authorization": f"Bearer {admin}"})
    assert ok.status_code == 200 and "boss (admin)" in ok.text
    assert "Log out" not in ok.text and page_auth.COOKIE not in client.cookies
    boot = client.get("/reports", headers={"Authorization": f"Bearer {BOOTSTRAP}"})
    assert boot.status_code == 200 and "bootstrap (admin)" in boot.text
    for bad in (ingest, "ak_00000000_" + "0" * 64):
        refused = client.get("/reports", headers={"Authorization": f"Bearer {bad}"})
        assert refused.status_code == 401 and "not accepted" in refused.text


def test_a_tampered_or_foreign_cookie_is_no_session(engine: Engine, client: TestClient) -> None:
    review = make_key(engine, "reader", "review")
    value = _login(client, review)
    payload, signature = value.split(".")
    document = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    promoted = base64.urlsafe_b64encode(json.dumps({**document, "s": "admin"}).encode())
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    forged = page_auth.issue(
        Caller("reader", Scope.ADMIN, None), "x", key=b"another key", now=utcnow().timestamp()
    )
    for bad in (
        f"{flipped}.{signature}",
        f"{promoted.decode().rstrip('=')}.{signature}",
        f"{payload}.{signature[:-1]}",
        forged,
        "garbage",
        ".",
    ):
        client.cookies.clear()
        client.cookies.set(page_auth.COOKIE, bad, path="/reports")
        response = client.get("/reports", follow_redirects=False)
        assert response.status_code == 303, bad
    client.cookies.clear()
    client.cookies.set(page_auth.COOKIE, value, path="/reports")
    assert client.get("/reports", follow_redirects=False).status_code == 200


def test_logout_clears_the_cookie_and_revoking_the_key_ends_sessions(
    engine: Engine, client: TestClient
) -> None:
    review = make_key(engine, "reader", "review")
    value = _login(client, review)
    out = client.post("/reports/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/reports/login"
    assert 'assistant_reports=""' in out.headers["set-cookie"]
    assert client.get("/reports", follow_redirects=False).status_code == 303
    client.cookies.set(page_auth.COOKIE, value, path="/reports")
    assert client.get("/reports", follow_redirects=False).status_code == 200
    with unit_of_work(engine) as session:
        apikeys.revoke(session, "reader", actor="test", now=utcnow())
    assert client.get("/reports", follow_redirects=False).status_code == 303


def test_a_bootstrap_session_ends_when_the_key_leaves_the_setting(
    engine: Engine, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _login(client, BOOTSTRAP)
    assert client.get("/reports", follow_redirects=False).status_code == 200
    monkeypatch.setenv("ASSISTANT_API_KEYS", "another-bootstrap-key-987654321")
    get_settings.cache_clear()
    assert client.get("/reports", follow_redirects=False).status_code == 303


def test_sessions_expire() -> None:
    key = b"k" * 32
    token = page_auth.issue(Caller("reader", Scope.REVIEW, 7), "ak_x", key=key, now=1000.0)
    found = page_auth.read(token, key=key, now=1000.0 + page_auth.SESSION_SECONDS - 1)
    assert found is not None and (found.name, found.key_id, found.bootstrap) == ("reader", 7, None)
    assert page_auth.read(token, key=key, now=1000.0 + page_auth.SESSION_SECONDS) is None
    assert page_auth.read(token, key=b"j" * 32, now=1000.0) is None


def test_cross_site_posts_are_refused(engine: Engine, client: TestClient) -> None:
    review = make_key(engine, "reader", "review")
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://testserver"},
    ):
        response = client.post(
            "/reports/login", data={"api_key": review}, headers=headers, follow_redirects=False
        )
        assert response.status_code == 403
        assert page_auth.COOKIE not in client.cookies
    same = client.post(
        "/reports/login",
        data={"api_key": review},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert same.status_code == 303


def test_text_from_the_data_is_escaped_in_tables_and_charts(
    engine: Engine, client: TestClient
) -> None:
    evil = '<script>x</script><b a="1">&'  # the column holds 32 characters
    with unit_of_work(engine) as session:
        who = customer(session)
        draft(session, who, campaign(session, evil), playbook=evil, state="approved")
    page = client.get("/reports", headers={"Authorization": f"Bearer {BOOTSTRAP}"})
    assert page.status_code == 200
    assert "<script" not in page.text and "<b a=" not in page.text
    escaped = "&lt;script&gt;x&lt;/script&gt;&lt;b a=&#34;1&#34;&gt;&amp;"
    assert f'<th scope="row">{escaped}</th>' in page.text  # a table
    assert f">Funnel of playbook {escaped}</title>" in page.text  # a chart


def test_a_window_the_wrong_way_round_is_a_422_page(client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {BOOTSTRAP}"}
    response = client.get(
        "/reports", params={"since": "2026-12-02", "until": "2026-12-01"}, headers=headers
    )
    assert response.status_code == 422
    assert "is after --until" in response.text
    far = client.get("/reports", params={"since": "3000-01-01"}, headers=headers)
    assert far.status_code == 422


def test_the_stylesheet_is_served_locally(client: TestClient) -> None:
    css = client.get("/reports/static/reports.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "svg.chart" in css.text and "http" not in css.text


def test_the_page_url_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_PUBLIC_URL", "https://assistant.example.com/")
    get_settings.cache_clear()
    plain = invoke("report", "page-url")
    assert (plain.exit_code, plain.output) == (0, "https://assistant.example.com/reports\n")
    both = invoke("report", "page-url", "--since", "2026-11-01", "--until", "2026-11-30")
    assert (
        both.output == "https://assistant.example.com/reports?since=2026-11-01&until=2026-11-30\n"
    )
    bad = invoke("report", "page-url", "--since", "2026-12-02", "--until", "2026-12-01")
    assert bad.exit_code == 2 and "is after --until" in bad.output
    assert len(bad.output.strip().splitlines()) == 1
