"""`/reports`: the server-rendered reports page (HTML with inline SVG charts, no script).

Anonymous requests are sent to `/reports/login` (303). The login form takes an API key with
the `review` or `admin` scope and sets a signed session cookie (`page_auth`): HttpOnly,
SameSite=Strict, Path=/reports, Secure over HTTPS. Scripts may instead send
`Authorization: Bearer <key>` with every request. The POST routes refuse a cross-site
request (`Sec-Fetch-Site` other than same-origin, or an `Origin` other than the page's
host); with the SameSite=Strict cookie that is the page's CSRF defence (docs/reports.md).
"""

from __future__ import annotations

import time
from datetime import date
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from assistant.api.deps import Caller, authenticate
from assistant.api.params import BOUNDED_DAY
from assistant.config import Settings, get_settings
from assistant.db import get_engine, unit_of_work
from assistant.reports import experiment_sections, page_auth, sections
from assistant.reports.html import STATIC, render
from assistant.reports.sections import SectionFunction, Window
from assistant.reports.service import BadReportInput

router = APIRouter(prefix="/reports", include_in_schema=False)

# The page's sections, in order. Adding one is one line here.
SECTIONS: tuple[SectionFunction, ...] = (
    sections.funnel_section,
    sections.review_section,
    sections.review_trend_section,
    experiment_sections.holdout_section,
    experiment_sections.variants_section,
    experiment_sections.send_time_section,
)

SinceParam = Annotated[date | None, Query(), BOUNDED_DAY]
UntilParam = Annotated[date | None, Query(), BOUNDED_DAY]
REFUSED = (
    "That API key was not accepted: it is unknown, revoked, or has neither the review nor "
    "the admin scope."
)
# No script, no external asset, no framing: injected markup could not run or call out.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # same-origin: a form post carries its Origin, which `_cross_site` checks.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
MAX_FORM_BYTES = 4096


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=HEADERS)


def _login_page(error: str | None = None, status: int = 200) -> HTMLResponse:
    hours = page_auth.SESSION_SECONDS // 3600
    return _html(render("login.html", title="Reports: log in", error=error, hours=hours), status)


def _message(title: str, message: str, status: int) -> HTMLResponse:
    page = render("message.html", title=title, message=message, link="/reports", link_text="Back")
    return _html(page, status)


def _bearer(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


def _cross_site(request: Request) -> bool:
    """A request another site's page made: the browser's `Sec-Fetch-Site` says so, or (older
    browsers) its `Origin` names another host. Requests without either (scripts) pass."""
    fetched_from = request.headers.get("sec-fetch-site")
    if fetched_from is not None:
        return fetched_from not in ("same-origin", "none")
    origin = request.headers.get("origin")
    return origin is not None and urlsplit(origin).netloc != request.headers.get("host", "")


def _secure(request: Request, settings: Settings) -> bool:
    return request.url.scheme == "https" or settings.app.public_url.startswith("https://")


@router.get("")
def reports_page(request: Request, since: SinceParam = None, until: UntilParam = None) -> Response:
    """The page: every registered section for the window (`since`/`until`, UTC days)."""
    settings = get_settings()
    presented = _bearer(request)
    caller: Caller | None = None
    if presented is not None:
        caller = authenticate(request, presented)
        if not page_auth.admitted(caller):
            return _message("Reports: not allowed", REFUSED, 401)
    key = page_auth.session_key(settings)
    token = request.cookies.get(page_auth.COOKIE)
    found = page_auth.read(token, key=key, now=time.time()) if caller is None and token else None
    if caller is None and found is None:
        return RedirectResponse("/reports/login", status_code=303, headers=HEADERS)
    window = Window(since, until)
    with unit_of_work(request.app.state.engine or get_engine()) as session:
        if found is not None:
            if not page_auth.still_valid(found, session, settings, key):
                return RedirectResponse("/reports/login", status_code=303, headers=HEADERS)
            caller = page_auth.caller_of(found)
        try:
            sections = [build(session, settings, window) for build in SECTIONS]
        except BadReportInput as exc:
            return _message("Reports: bad window", str(exc), 422)
    assert caller is not None
    page = render(
        "page.html",
        title="Reports",
        who=f"{caller.name} ({caller.scope.value})",
        cookie=found is not None,
        since=since.isoformat() if since else "",
        until=until.isoformat() if until else "",
        window_text=f"{since or 'the beginning'} to {until or 'now'}",
        sections=sections,
    )
    return _html(page)


@router.get("/login")
def login_form() -> Response:
    """The login form."""
    return _login_page()


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the key from the form; on success set the session cookie and go to the page."""
    if _cross_site(request):
        return _message("Reports: refused", "Cross-site login refused.", 403)
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return _login_page(REFUSED, 401)
    try:
        fields = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=5)
    except ValueError:  # more fields than the form has
        return _login_page(REFUSED, 401)
    presented = (fields.get("api_key") or [""])[0].strip()
    caller = authenticate(request, presented) if presented else None
    if caller is None or not page_auth.admitted(caller):
        return _login_page(REFUSED, 401)
    settings = get_settings()
    token = page_auth.issue(caller, presented, key=page_auth.session_key(settings), now=time.time())
    response = RedirectResponse("/reports", status_code=303, headers=HEADERS)
    response.set_cookie(
        page_auth.COOKIE,
        token,
        max_age=page_auth.SESSION_SECONDS,
        path=page_auth.COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request, settings),
    )
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """End the session: the cookie is cleared and the login form shown."""
    if _cross_site(request):
        return _message("Reports: refused", "Cross-site logout refused.", 403)
    response = RedirectResponse("/reports/login", status_code=303, headers=HEADERS)
    response.delete_cookie(
        page_auth.COOKIE,
        path=page_auth.COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request, get_settings()),
    )
    return response


@router.get("/static/reports.css")
def stylesheet() -> Response:
    """The page's stylesheet (served here: no CDN)."""
    return FileResponse(STATIC / "reports.css", media_type="text/css", headers=HEADERS)
