"""The API docs pages work offline: every script, stylesheet and icon is served by us."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.db import build_engine

ASSET = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']|url:\s*'([^']+)'""")


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(build_engine(f"sqlite:///{tmp_path / 'docs.db'}")))


def referenced(html: str) -> list[str]:
    return [a or b for a, b in ASSET.findall(html)]


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (
            "/docs",
            {
                "/static/docs/swagger-ui-bundle.js": "text/javascript",
                "/static/docs/swagger-ui.css": "text/css",
                "/static/docs/favicon.png": "image/png",
                "/openapi.json": "application/json",
            },
        ),
        (
            "/redoc",
            {
                "/static/docs/redoc.standalone.js": "text/javascript",
                "/static/docs/favicon.png": "image/png",
                "/openapi.json": "application/json",
            },
        ),
    ],
)
def test_docs_pages_reference_only_local_assets_that_are_served(
    client: TestClient, page: str, expected: dict[str, str]
) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "cdn" not in html.lower() and "fonts.googleapis" not in html
    urls = referenced(html)
    assert set(urls) >= set(expected), urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), f"not a local URL: {url}"
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url
        wanted = expected.get(url)
        if wanted is not None:
            assert asset.headers["content-type"].startswith(wanted), (url, asset.headers)


def test_the_swagger_oauth2_redirect_page_is_served(client: TestClient) -> None:
    response = client.get("/docs/oauth2-redirect")
    assert response.status_code == 200
    assert "oauth2" in response.text.lower()


def test_the_docs_pages_are_not_in_the_api_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not {"/docs", "/redoc", "/docs/oauth2-redirect"} & set(paths)
