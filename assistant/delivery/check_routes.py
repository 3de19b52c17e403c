"""`GET /api/v1/customers/{external_id}/delivery-check`: the `assistant delivery check` answer.

Review scope (it shows no address, only the zone, country and US state the rules used).
`at` must carry its UTC offset (a naive time is a 422); absent, it is now. Unknown customer:
404 problem.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import AwareDatetime, BaseModel

from assistant.api.deps import ReviewKey, SessionDep
from assistant.api.params import ExternalIdPath
from assistant.config import get_settings
from assistant.delivery.check import UnknownCustomer, check_delivery, find_customer
from assistant.delivery.policy import DeliveryPolicy

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])


class ReasonRead(BaseModel):
    """Why it waits: a machine-readable code and a sentence."""

    code: str
    text: str


class DeliveryCheckRead(BaseModel):
    """Whether a marketing message may go at `at`, why not, and when it next may (UTC)."""

    allowed: bool
    reasons: list[ReasonRead]
    next_allowed_at: datetime | None
    zone: str
    country: str | None
    state: str | None


@router.get("/{external_id}/delivery-check", response_model=DeliveryCheckRead)
def delivery_check(
    external_id: ExternalIdPath,
    _key: ReviewKey,
    session: SessionDep,
    channel: Annotated[Literal["sms", "email"], Query(description="sms or email.")] = "sms",
    at: Annotated[
        AwareDatetime | None, Query(description="ISO 8601 moment with offset (default: now).")
    ] = None,
) -> DeliveryCheckRead:
    """May a marketing message go to the customer at `at`; if not, why and when."""
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    try:
        customer = find_customer(session, external_id)
    except UnknownCustomer as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    policy = DeliveryPolicy.from_settings(get_settings())
    answer = check_delivery(session, customer, channel, moment, policy)
    return DeliveryCheckRead.model_validate(answer.as_json())
