"""The Admin GraphQL API over httpx: auth header, throttling waited out, JSONL downloads.

Plain httpx rather than the `ShopifyAPI` package: that package is built around REST resources
and a process-global session (`ShopifyResource.activate_session`), which workers on several
machines and threads would share; it has no types and leaves GraphQL throttling to the caller.
httpx is already installed (the openai SDK uses it), typed, and takes a base URL override
(SHOPIFY_API_URL) that points tests at a loopback stand-in.

Throttling: HTTP 429 waits `Retry-After` seconds; a GraphQL `THROTTLED` error waits until the
bucket holds the query's cost again (`extensions.cost.throttleStatus`: the missing points
over `restoreRate`). 5xx and connection errors are retried a few times, then raise
ShopifyUnreachable. Error messages never carry the token or a customer's data.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx

from assistant.ports import ShopifyApiError, ShopifyAuthError, ShopifyUnreachable

log = logging.getLogger(__name__)

TOKEN_HEADER = "X-Shopify-Access-Token"  # noqa: S105  (a header name, not a secret)
MAX_ATTEMPTS = 6
# Waits beyond these are Shopify asking for something unusual; cap them, then try again.
MAX_WAIT_SECONDS = 60.0
BACKOFF_SECONDS = 1.0


def endpoint(base_url: str, api_version: str) -> str:
    """The GraphQL endpoint under a store's base URL (https://x.myshopify.com or an override)."""
    return f"{base_url.rstrip('/')}/admin/api/{api_version}/graphql.json"


class ShopifyGraphQL:
    """One store's Admin GraphQL API (implements assistant.ports.ShopifyAdmin)."""

    def __init__(
        self,
        base_url: str,
        access_token: str,
        api_version: str,
        *,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.url = endpoint(base_url, api_version)
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._refusals = 0
        self._http = httpx.Client(
            timeout=timeout,
            headers={TOKEN_HEADER: access_token, "Content-Type": "application/json"},
        )
        # Bulk result files live on Shopify's storage, signed in their URL: no token sent there.
        self._files = httpx.Client(timeout=timeout, follow_redirects=True)

    def close(self) -> None:
        """Release the HTTP connections."""
        self._http.close()
        self._files.close()

    def __enter__(self) -> ShopifyGraphQL:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def execute(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of one GraphQL request, after waiting out throttling."""
        body = {"query": query, "variables": dict(variables or {})}
        for attempt in range(1, self._max_attempts + 1):
            last = attempt == self._max_attempts
            response = self._post(body, last=last)
            if response is None:
                continue
            if response.status_code in (401, 403):
                raise ShopifyAuthError(
                    f"Shopify refused the access token (HTTP {response.status_code}); "
                    "check the token and the app's scopes"
                )
            if response.status_code == 429:
                wait = _retry_after(response.headers.get("Retry-After"), default=2.0)
                self._wait("http_429", wait, last)
                continue
            if response.status_code >= 500:
                self._wait(f"http_{response.status_code}", BACKOFF_SECONDS * attempt, last)
                continue
            if response.status_code != 200:
                raise ShopifyApiError(f"Shopify answered HTTP {response.status_code}")
            document = _json(response)
            errors = document.get("errors")
            if errors:
                throttled = _throttle_wait(errors, document.get("extensions"))
                if throttled is not None:
                    self._wait("throttled", throttled, last)
                    continue
                raise ShopifyApiError("Shopify GraphQL error: " + _first_error(errors))
            data = document.get("data")
            if not isinstance(data, dict):
                raise ShopifyApiError("Shopify answered without data")
            return data
        raise ShopifyUnreachable("Shopify kept failing or throttling; try again later")

    def download(self, url: str) -> Iterator[dict[str, Any]]:
        """The objects of a bulk operation's JSONL file, streamed line by line."""
        try:
            with self._files.stream("GET", url) as response:
                if response.status_code != 200:
                    raise ShopifyApiError(f"bulk result download: HTTP {response.status_code}")
                for line in response.iter_lines():
                    if line.strip():
                        yield json.loads(line)
        except httpx.HTTPError as exc:
            raise ShopifyUnreachable(f"bulk result download failed ({type(exc).__name__})") from exc

    def _post(self, body: dict[str, Any], *, last: bool) -> httpx.Response | None:
        try:
            return self._http.post(self.url, json=body)
        except httpx.HTTPError as exc:
            # Nothing listens there (a wrong domain, a closed port): one more try, not six.
            refused = isinstance(exc, httpx.ConnectError) and self._refusals > 0
            self._refusals += isinstance(exc, httpx.ConnectError)
            if last or refused:
                raise ShopifyUnreachable(
                    f"cannot reach Shopify at {self.url} ({type(exc).__name__})"
                ) from exc
            self._wait(type(exc).__name__, BACKOFF_SECONDS / 2, last)
            return None

    def _wait(self, reason: str, seconds: float, last: bool) -> None:
        if last:
            return
        seconds = max(0.0, min(seconds, MAX_WAIT_SECONDS))
        log.info("shopify.retry reason=%s wait=%.2f", reason, seconds)
        self._sleep(seconds)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError as exc:
        raise ShopifyApiError("Shopify answered with something other than JSON") from exc
    if not isinstance(document, dict):
        raise ShopifyApiError("Shopify answered with something other than a JSON object")
    return document


def _retry_after(value: str | None, *, default: float) -> float:
    try:
        return float(value) if value is not None else default
    except ValueError:
        return default


def _first_error(errors: Any) -> str:
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("message", "unknown"))[:200]
    return str(errors)[:200]


def _throttle_wait(errors: Any, extensions: Any) -> float | None:
    """Seconds until the query's cost is available again, when `errors` is THROTTLED."""
    if not isinstance(errors, list):
        return None
    throttled = any(
        isinstance(e, dict) and (e.get("extensions") or {}).get("code") == "THROTTLED"
        for e in errors
    )
    if not throttled:
        return None
    cost = (extensions or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    try:
        requested = float(cost.get("requestedQueryCost", 0))
        available = float(status.get("currentlyAvailable", 0))
        rate = float(status.get("restoreRate", 50)) or 50.0
    except (TypeError, ValueError):
        return 1.0
    return max(requested - available, 0.0) / rate
