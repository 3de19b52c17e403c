"""The reports page in a real browser: Debian's Chromium, driven by Playwright, against the
app under uvicorn on a loopback port.

Skipped when /usr/bin/chromium (or Playwright) is missing, unless
ASSISTANT_TEST_REQUIRE_BROWSER=1 (CI sets it), where that fails the test instead. Playwright's
own browser downloads are never used (`playwright install` is not needed).
"""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.api.commands import server_options
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.reports import page_auth
from tests.apikeys.helpers import make_key
from tests.reports.holdout_store import holdout_store
from tests.reports.page_store import page_store
from tests.reports.send_time_store import send_time_store

# Another path only for tests/test_ci_guard.py, which checks what a missing browser does.
CHROMIUM = Path(os.environ.get("ASSISTANT_TEST_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("ASSISTANT_TEST_REQUIRE_BROWSER") == "1"


def _browser_problem() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture
def browser_ready() -> None:
    problem = _browser_problem()
    if problem:
        if REQUIRE_BROWSER:
            pytest.fail(f"a browser is required (ASSISTANT_TEST_REQUIRE_BROWSER=1): {problem}")
        pytest.skip(f"no browser: {problem}; set ASSISTANT_TEST_REQUIRE_BROWSER=1 to fail")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(engine: Engine) -> Iterator[str]:
    """The app under uvicorn with `assistant serve`'s options, on a free loopback port."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(engine), **server_options("127.0.0.1", port, "warning"))
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(400):
            if server.started:
                break
            time.sleep(0.05)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def png_pixels(data: bytes) -> tuple[int, int, set[bytes]]:
    """Width, height and the distinct pixels of an 8-bit RGB or RGBA PNG (decoded here)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, chunks, header = 8, b"", b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks += body
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    step = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(chunks), width * step
    previous, pixels = bytearray(stride), set()
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up, corner = previous[i], previous[i - step] if i >= step else 0
            add = (0, left, up, (left + up) // 2, _paeth(left, up, corner))[kind]
            line[i] = (line[i] + add) & 0xFF
        pixels.update(bytes(line[i : i + step]) for i in range(0, stride, step * 7))
        previous = line
    return width, height, pixels


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_reviewer_logs_in_and_sees_the_numbers(
    browser_ready: None, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("ASSISTANT_SECRET_KEY", "s" * 40)
    get_settings.cache_clear()
    page_store(engine)
    with unit_of_work(engine) as session:
        holdout_store(session)  # campaigns with a holdout, in the same week
    send_time_store(engine)
    review = make_key(engine, "reader", "review")
    shot = tmp_path / "reports.png"
    with served(engine) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_context(viewport={"width": 1000, "height": 800}).new_page()
            page.goto(f"{base}/reports")
            assert page.url == f"{base}/reports/login"  # anonymous: sent to the form

            page.fill("#api_key", "ak_00000000_" + "0" * 64)
            with page.expect_response(f"{base}/reports/login") as refused:
                page.click("button[type=submit]")
            assert refused.value.status == 401
            assert "That API key was not accepted" in page.inner_text("[role=alert]")

            page.fill("#api_key", review)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/reports")
            (cookie,) = page.context.cookies()
            assert cookie["name"] == page_auth.COOKIE and cookie["httpOnly"] is True
            assert (cookie["sameSite"], cookie["path"]) == ("Strict", "/reports")
            assert review not in cookie["value"]

            assert "Signed in as reader (review)" in page.inner_text("header")
            funnel = page.inner_text("#funnel")
            assert "check_in\t3\t1\t1\t40.00\t13.3333\t0.0237" in funnel
            assert "winback\t2\t1\t1\t25.50\t12.7500\t0.0158" in funnel
            review_rates = page.inner_text("#review")
            assert "check_in\t5\t80.0%\t20.0%\t20.0%\t7" in review_rates
            assert "2026-W45\t7\t4\t57.1%" in page.inner_text("#review-weeks")
            held = page.inner_text("#holdout")
            assert "check_in\t1\t1/4 (25.0%)\t1/2 (50.0%)\t-25.0 pts [" in held
            assert "28.6%\tnot enough data yet" in held
            timing = page.inner_text("#send-time")
            assert "learned\t40\t20\t50.0%\t35.2% - 64.8%" in timing
            assert "learned lifts the reply rate" in timing
            titles = page.locator("svg > title").all_text_contents()
            assert "Funnel of playbook winback" in titles
            values = page.locator("#funnel svg text.value").all_text_contents()
            # The send-time store's messages have no draft: the "(none)" playbook comes first.
            assert values[6:12] == ["5", "4", "3", "3", "1", "1"]  # check_in's funnel
            assert page.locator("#review svg rect.bar").count() == 6  # 2 playbooks x 3 rates
            assert page.locator("script").count() == 0

            page.screenshot(path=str(shot), full_page=True)

            page.click("text=Log out")
            page.wait_for_url(f"{base}/reports/login")
            assert page.context.cookies() == []
            page.goto(f"{base}/reports")
            assert page.url == f"{base}/reports/login"
        finally:
            browser.close()
    data = shot.read_bytes()
    assert len(data) > 20_000, len(data)
    width, height, pixels = png_pixels(data)
    assert width == 1000 and height > 800  # the full page, longer than the window
    assert len(pixels) > 10, "the screenshot is (nearly) one colour"
