"""`GET|POST /unsubscribe/{token}`: the email unsubscribe page and RFC 8058 one-click endpoint.

GET only shows a page with a button (link scanners and mail previews fetch links; a GET must
never unsubscribe by itself). POST, from that button or straight from a mail provider's
one-click (`List-Unsubscribe=One-Click`, no cookies), opts the customer out of the token's
channel at once through `consent.opt_out`: consent off, a ConsentEvent, queued messages and
unsent drafts cancelled (their review cards updated after the commit by the job
`conversations.update_drafts`, as for an SMS STOP). The opt-out is committed before the
response is sent (`SessionDep` commits when the route returns), so whoever reads consent
once the 200 arrived sees it off. The POST answers 200 directly, never a redirect. A bad or
expired token gets a 400 page naming the problem.
"""

from __future__ import annotations

import html
import logging
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from assistant.api.deps import SessionDep
from assistant.config import get_settings
from assistant.conversations.inbound import UPDATE_DRAFTS
from assistant.delivery import consent
from assistant.delivery.unsubscribe import (
    SecretKeyMissing,
    UnsubscribeClaim,
    UnsubscribeTokenError,
    secret_from,
    unsubscribe_proof,
    verify_token,
)
from assistant.drafting.brand import PromptsConfigError, load_brand
from assistant.jobs.runners import build_runner, enqueue_after_commit
from assistant.models import Customer

router = APIRouter(tags=["unsubscribe"])
log = logging.getLogger(__name__)

SOURCE = "email_unsubscribe"
_CHANNEL_WORDS = {"email": "emails", "sms": "text messages"}


def _brand_name() -> str:
    try:
        return load_brand().name
    except PromptsConfigError:
        return "us"


def _page(title: str, *paragraphs: str, form: bool = False, status: int = 200) -> HTMLResponse:
    """A small self-contained page; every text passed in is escaped here."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    if form:
        # No action: the form posts back to this very URL, whatever prefix a proxy adds.
        body += (
            '<form method="post">'
            '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
            '<button type="submit">Unsubscribe</button></form>'
        )
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;"
        "padding:0 1rem;line-height:1.5;color:#2b2623}button{font-size:1rem;"
        "padding:.6rem 1.4rem;border-radius:6px;border:1px solid #2b2623;background:#2b2623;"
        "color:#fff;cursor:pointer}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})


def _refusal(error: UnsubscribeTokenError) -> HTMLResponse:
    brand = _brand_name()
    return _page(
        "This unsubscribe link cannot be used",
        f"The link is {_PROBLEMS[error.problem]}.",
        f"To stop hearing from {brand}, use the unsubscribe link in a newer email, or reply "
        "to any of our emails and ask us to stop.",
        status=400,
    )


_PROBLEMS = {
    "malformed": "incomplete or damaged (it may have been cut off when copied)",
    "bad_signature": "not valid (it was not made by us, or it was altered)",
    "expired": "expired",
}


def _claim(token: str) -> UnsubscribeClaim | HTMLResponse:
    try:
        return verify_token(token, secret=secret_from(get_settings()))
    except UnsubscribeTokenError as error:
        log.info("unsubscribe.refused", extra={"problem": error.problem})
        return _refusal(error)
    except SecretKeyMissing:
        log.error("unsubscribe.no_secret_key")
        return _page(
            "Unsubscribe is unavailable",
            "We cannot check this link right now. Please reply to our email and ask us to stop.",
            status=503,
        )


async def _one_click(request: Request) -> bool:
    """Whether the POST body is RFC 8058's `List-Unsubscribe=One-Click`."""
    raw = await request.body()
    fields = parse_qs(raw[:4096].decode("utf-8", "replace"))
    return fields.get("List-Unsubscribe") == ["One-Click"]


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(token: str, session: SessionDep) -> HTMLResponse:
    """The confirmation page; changes nothing."""
    claim = _claim(token)
    if isinstance(claim, HTMLResponse):
        return claim
    words = _CHANNEL_WORDS.get(claim.channel, claim.channel)
    brand = _brand_name()
    customer = session.get(Customer, claim.customer_id)
    if customer is not None and not _consented(customer, claim.channel):
        return _page("You are unsubscribed", f"You will not get any more {words} from {brand}.")
    return _page(
        f"Unsubscribe from {brand} {words}?",
        f"Press the button and we will stop sending you {words} at once.",
        form=True,
    )


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe(
    token: str, session: SessionDep, one_click: Annotated[bool, Depends(_one_click)]
) -> HTMLResponse:
    """Opt out now (one-click or the page's button); repeating it is harmless."""
    claim = _claim(token)
    if isinstance(claim, HTMLResponse):
        return claim
    words = _CHANNEL_WORDS.get(claim.channel, claim.channel)
    customer = session.get(Customer, claim.customer_id)
    if customer is not None and _consented(customer, claim.channel):
        result = consent.opt_out(
            session,
            claim.customer_id,
            claim.channel,
            source=SOURCE,
            now=datetime.now(UTC),
            detail="one-click" if one_click else "unsubscribe page",
            actor=f"customer:{claim.customer_id}",
            proof=unsubscribe_proof(token, claim, one_click=one_click),
        )
        if result.cancelled_drafts:
            enqueue_after_commit(
                session,
                build_runner(get_settings()),
                UPDATE_DRAFTS,
                draft_ids=list(result.cancelled_drafts),
            )
        log.info(
            "unsubscribe.opted_out",
            extra={
                "customer_id": claim.customer_id,
                "channel": claim.channel,
                "cancelled_messages": len(result.cancelled_messages),
                "cancelled_drafts": len(result.cancelled_drafts),
            },
        )
    return _page("You are unsubscribed", f"You will not get any more {words} from {_brand_name()}.")


def _consented(customer: Customer, channel: str) -> bool:
    return bool(customer.sms_consent if channel == "sms" else customer.email_consent)
