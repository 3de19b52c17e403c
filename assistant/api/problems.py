"""RFC 9457 problem details (`application/problem+json`) for requests we refuse."""

from __future__ import annotations

import json

from fastapi import Response

PROBLEM_TYPE = "application/problem+json"


def problem(status: int, title: str, detail: str | None = None) -> Response:
    """A problem+json response; `detail` must never echo personal data from the request."""
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    return Response(json.dumps(body), status_code=status, media_type=PROBLEM_TYPE)
