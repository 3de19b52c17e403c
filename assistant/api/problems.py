"""RFC 9457 problem details (`application/problem+json`) for every error the API gives.

`install_problem_handlers(app)` makes HTTP errors (404, 409, the API key's 401/403, 405,
413), invalid requests (422, each field's error in `errors`) and anything unexpected (500,
logged with its request id, no detail leaked) into problem documents. `ERROR_RESPONSES` puts
them in the OpenAPI description of every route.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, params
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.observability.http import route_template

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)


class FieldError(BaseModel):
    """One invalid part of a request: where it is and what is wrong with it."""

    loc: list[str]
    msg: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


def _response(description: str) -> dict[str, Any]:
    return {"description": description, "model": Problem, "content": {MEDIA_TYPE: {}}}


# The errors any API route may answer, for the OpenAPI description.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _response("The request is malformed."),
    401: _response("No API key, or an unknown or revoked one."),
    403: _response("The API key lacks the scope this route needs."),
    404: _response("No such resource."),
    409: _response("The resource is not in a state that allows this."),
    413: _response("The body is larger than allowed."),
    415: _response("The body is not of a supported content type."),
    422: _response("A parameter or field is not valid; `errors` lists each one."),
    500: _response("An unexpected error; the log has it under the request id."),
}


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


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc.detail, list):  # several problems: each also in `errors`
        messages = [str(item) for item in exc.detail]
        errors = [{"loc": [], "msg": message} for message in messages]
        return problem(exc.status_code, "; ".join(messages), headers=exc.headers, errors=errors)
    return problem(exc.status_code, str(exc.detail), headers=exc.headers)


def _json_body_refused(request: Request, exc: RequestValidationError) -> bool:
    """The route takes a JSON body and the request sent a body of another declared type."""
    route = request.scope.get("route")
    field = getattr(route, "body_field", None)
    if field is None or isinstance(field.field_info, params.Form):  # File is a Form too
        return False
    declared = request.headers.get("content-type")
    if declared is None:  # FastAPI reads an untyped body as no body at all
        sent = request.headers.get("content-length", "0").strip("0 ") != ""
        return sent or "transfer-encoding" in request.headers
    media = declared.split(";", 1)[0].strip().lower()
    json_like = media == "application/json" or media.endswith("+json")
    return not json_like and any(error.get("loc", ())[:1] == ("body",) for error in exc.errors())


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if _json_body_refused(request, exc):
        return problem(
            415,
            "The body must be JSON: send it with `Content-Type: application/json`.",
            headers={"Accept": "application/json"},
        )
    return problem(422, "The request is not valid: see `errors`.", errors=_field_errors(exc))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The route's template, not the raw path: a path can carry a token (`/unsubscribe/…`).
    log.error(
        "api.unexpected_error route=%s error=%s",
        route_template(request.scope),
        type(exc).__name__,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return problem(500, "An unexpected error; it has been logged. Try again later.")


def install_problem_handlers(app: FastAPI) -> None:
    """Every error `app` answers is a problem document."""
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(Exception, _unexpected)
