"""RFC 9457 problem details (`application/problem+json`) for API routes.

A router built with `route_class=ProblemRoute` answers its errors as problem documents:
HTTPExceptions (404, 409, the API key's 401) and invalid requests (422, with each field's
error in `errors`). Other routers keep FastAPI's default error bodies.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

MEDIA_TYPE = "application/problem+json"


def problem(
    status: int, detail: str, *, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """A problem document: type, title (the status phrase), status, detail, and `extra`."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    body.update(extra)
    return JSONResponse(
        body, status_code=status, media_type=MEDIA_TYPE, headers=dict(headers or {}) or None
    )


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": [str(part) for part in error.get("loc", ())], "msg": str(error.get("msg", ""))}
        for error in exc.errors()
    ]


class ProblemRoute(APIRoute):
    """An APIRoute whose HTTP and validation errors are problem documents."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return problem(422, "the request is not valid", errors=_field_errors(exc))
            except HTTPException as exc:
                return problem(exc.status_code, str(exc.detail), headers=exc.headers)

        return route
