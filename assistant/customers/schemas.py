"""A customer as staff see them (`customers show`, the API) and what forgetting did."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel

from assistant.consent.schemas import ChannelConsentRead


class MetricsRead(BaseModel):
    """The numbers segments read, as of the last `metrics refresh`."""

    as_of: str
    orders_count: int
    lifetime_spend: Decimal
    last_order_at: datetime | None
    rfm_label: str
    clv_12m: Decimal | None


class CustomerRead(BaseModel):
    """A short profile: first name only, addresses masked (in `consent`), counts of records."""

    customer_id: str
    first_name: str | None
    customer_since: datetime | None
    timezone: str | None
    forgotten_at: datetime | None
    metrics: MetricsRead | None
    orders: int
    drafts: int
    messages: int
    conversations: int
    consent: dict[str, ChannelConsentRead]


class ForgetRead(BaseModel):
    """What `forget` did; `forgotten` False: the customer had been forgotten already."""

    customer_id: str
    forgotten: bool
    forgotten_at: datetime | None
    cancelled_messages: int
    cancelled_drafts: int
    erased: dict[str, int]
