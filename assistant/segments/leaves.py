"""The leaf conditions of a segment definition, as pydantic models (the tree: schemas.py).

Unknown keys are refused everywhere. Checks that concern one field of a model raise
`field_error(field, ...)`, so the error's path names that field.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

# Metric columns of customer_metrics a condition may read, by value type.
INT_METRICS = (
    "orders_count",
    "recency_days",
    "tenure_days",
    "r_score",
    "f_score",
    "m_score",
    "btyd_frequency",
)
MONEY_METRICS = ("lifetime_spend", "aov", "btyd_monetary", "clv_12m")
FLOAT_METRICS = ("btyd_recency", "btyd_T")
TIME_METRICS = ("first_order_at", "last_order_at")
TEXT_METRICS = ("rfm_label",)
METRICS = INT_METRICS + MONEY_METRICS + FLOAT_METRICS + TIME_METRICS + TEXT_METRICS
NUMERIC_METRICS = INT_METRICS + MONEY_METRICS + FLOAT_METRICS
# The labels assistant/metrics/service.py writes; a typo would otherwise match nobody.
RFM_LABELS = (
    "champions",
    "loyal",
    "potential_loyalist",
    "new",
    "at_risk",
    "cant_lose",
    "hibernating",
    "lost",
    "no_purchases",
)

CUSTOMER_FIELDS = {
    "timezone": "text",
    "email": "text",
    "phone": "text",
    "sms_consent": "bool",
    "email_consent": "bool",
    "customer_since": "time",
}

KINDS = (
    "all",
    "any",
    "not",
    "metric",
    "customer",
    "attribute",
    "orders",
    "product_repeat",
    "returned",
    "event",
    "milestone",
)

Count = Annotated[int, Strict(), Field(ge=1)]
Days = Annotated[int, Strict(), Field(ge=1, le=36_500)]
Value = bool | int | float | Decimal | str | date | datetime
Percent = Annotated[Decimal, Field(gt=0, le=100, decimal_places=2)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def field_error(field: str, message: str, **context: Any) -> PydanticCustomError:
    """An error about one field of a model, raised from a model validator.

    `errors.format_errors` appends `field` to the error's location.
    """
    return PydanticCustomError("segment_field", message, {"field": field, **context})


def value_kind(value: Any) -> str:
    """'bool', 'number', 'text' or 'time': what a condition value is."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, date):  # datetime is a date too
        return "time"
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return "text"
        return "time" if value[:4].isdigit() else "text"
    return "other"


class Comparison(StrictModel):
    """Operators shared by metric and customer-field conditions; all given must hold."""

    eq: Value | None = None
    ne: Value | None = None
    gt: Value | None = None
    gte: Value | None = None
    lt: Value | None = None
    lte: Value | None = None
    between: tuple[Value, Value] | None = None
    in_: list[Value] | None = Field(None, alias="in", min_length=1)
    not_in: list[Value] | None = Field(None, min_length=1)
    is_null: bool | None = None

    def operators(self) -> dict[str, Any]:
        """The operators given, by name (`in` under its YAML name)."""
        names = ("eq", "ne", "gt", "gte", "lt", "lte", "between", "in_", "not_in", "is_null")
        given = {name.rstrip("_"): getattr(self, name) for name in names}
        return {name: value for name, value in given.items() if value is not None}

    def _check_values(self, what: str, allowed: set[str]) -> None:
        """Every compared value is of a kind in `allowed` (bool, number, text, time)."""
        for op, operand in self.operators().items():
            if op == "is_null":
                continue
            if op in ("gt", "gte", "lt", "lte", "between") and allowed & {"text", "bool"}:
                raise field_error(
                    op, "{what} cannot be ordered: use eq, ne, in or not_in", what=what
                )
            values = list(operand) if isinstance(operand, tuple | list) else [operand]
            for value in values:
                if value_kind(value) not in allowed:
                    expected = " or ".join(sorted(allowed))
                    raise field_error(
                        op,
                        "{what} compares with {expected} values, not {value}",
                        what=what,
                        expected=expected,
                        value=repr(value),
                    )


class MetricCondition(Comparison):
    """A comparison on one column of customer_metrics, or a top/bottom percent tier of it."""

    metric: str
    top_percent: Percent | None = None
    bottom_percent: Percent | None = None

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        if value not in METRICS:
            raise PydanticCustomError(
                "unknown_metric",
                "unknown metric {name} (known: {known})",
                {"name": repr(value), "known": ", ".join(METRICS)},
            )
        return value

    @model_validator(mode="after")
    def _operators_fit_metric(self) -> MetricCondition:
        ops = self.operators()
        tiers = [n for n in ("top_percent", "bottom_percent") if getattr(self, n) is not None]
        if not ops and not tiers:
            raise field_error(
                "metric",
                "give an operator: eq, ne, gt, gte, lt, lte, between, in, not_in, is_null, "
                "top_percent or bottom_percent",
            )
        if tiers and self.metric not in NUMERIC_METRICS:
            raise field_error(tiers[0], "{metric} is not numeric", metric=self.metric)
        if self.metric in NUMERIC_METRICS:
            self._check_values(self.metric, {"number"})
        elif self.metric in TIME_METRICS:
            self._check_values(self.metric, {"time"})
        else:
            self._check_values(self.metric, {"text"})
            for op, operand in ops.items():
                values = operand if isinstance(operand, list) else [operand]
                for label in values:
                    if op != "is_null" and label not in RFM_LABELS:
                        raise field_error(
                            op,
                            "unknown rfm_label {label} (known: {known})",
                            label=repr(label),
                            known=", ".join(RFM_LABELS),
                        )
        return self


class CustomerCondition(Comparison):
    """A comparison on a customer field: timezone, email, phone, consent, customer_since."""

    customer: str

    @field_validator("customer")
    @classmethod
    def _known_field(cls, value: str) -> str:
        if value not in CUSTOMER_FIELDS:
            raise PydanticCustomError(
                "unknown_field",
                "unknown customer field {name} (known: {known})",
                {"name": repr(value), "known": ", ".join(CUSTOMER_FIELDS)},
            )
        return value

    @model_validator(mode="after")
    def _operators_fit_field(self) -> CustomerCondition:
        if not self.operators():
            raise field_error("customer", "give an operator: eq, ne, gt, gte, lt, lte, ...")
        self._check_values(self.customer, {CUSTOMER_FIELDS[self.customer]})
        return self


AttributeValue = bool | int | float | str


class AttributeCondition(StrictModel):
    """A custom attribute (an extra customers.csv column), compared as text."""

    attribute: str = Field(pattern=r'^[^"\\]{1,100}$')
    eq: AttributeValue | None = None
    ne: AttributeValue | None = None
    in_: list[AttributeValue] | None = Field(None, alias="in", min_length=1)
    exists: bool | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> AttributeCondition:
        if all(v is None for v in (self.eq, self.ne, self.in_, self.exists)):
            raise field_error("attribute", "give an operator: eq, ne, in or exists")
        return self


class OrdersWindow(StrictModel):
    """Purchases (not cancelled or refunded) in the last `within_days` local days."""

    within_days: Days | None = None
    min_count: Count = 1
    max_count: Count | None = None
    min_amount: Annotated[Decimal, Field(ge=0)] | None = None
    max_amount: Annotated[Decimal, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _ordered_bounds(self) -> OrdersWindow:
        if self.max_count is not None and self.max_count < self.min_count:
            raise field_error("max_count", "must be at least min_count ({low})", low=self.min_count)
        if (
            self.min_amount is not None
            and self.max_amount is not None
            and self.max_amount < self.min_amount
        ):
            raise field_error("max_amount", "must be at least min_amount")
        return self

    @property
    def is_existence(self) -> bool:
        """Only 'at least one purchase': compiles to a plain EXISTS (a semi-join)."""
        return (
            self.min_count == 1
            and self.max_count is None
            and self.min_amount is None
            and self.max_amount is None
        )


class OrdersCondition(StrictModel):
    orders: OrdersWindow


class ProductRepeat(StrictModel):
    """The same product bought on `min_purchases` separate days (or orders) in a window."""

    min_purchases: Annotated[int, Strict(), Field(ge=2)] = 3
    within_days: Days | None = None
    with_upgrade: bool = False
    # Orders placed on the same local day are one purchase occasion (a split checkout).
    count_by: Literal["day", "order"] = "day"


class ProductRepeatCondition(StrictModel):
    product_repeat: ProductRepeat


class Returned(StrictModel):
    """A returned product line, optionally by reason, window and relaunch after the return."""

    reasons: list[str] | None = Field(None, min_length=1)
    within_days: Days | None = None
    relaunched_after: bool = False
    relaunched_within_days: Days | None = None

    @field_validator("reasons")
    @classmethod
    def _codes(cls, value: list[str] | None) -> list[str] | None:
        # The import stores reason codes lower-case with underscores (ingest.fields.slug).
        return None if value is None else [v.strip().lower().replace(" ", "_") for v in value]

    @model_validator(mode="after")
    def _relaunch_window_needs_relaunch(self) -> Returned:
        if self.relaunched_within_days is not None and not self.relaunched_after:
            raise field_error("relaunched_within_days", "needs relaunched_after: true")
        return self


class ReturnedCondition(StrictModel):
    returned: Returned


class EventWindow(StrictModel):
    """At least `min_count` events of a kind in the last `within_days` local days."""

    kind: str | list[str]
    within_days: Days | None = None
    min_count: Count = 1

    @property
    def kinds(self) -> list[str]:
        return [self.kind] if isinstance(self.kind, str) else list(self.kind)


class EventCondition(StrictModel):
    event: EventWindow


MILESTONES = ("lifetime_spend", "orders", "tenure_years")


class Milestone(StrictModel):
    """A milestone reached within the last `within_days` days: true now, not then."""

    lifetime_spend: Annotated[Decimal, Field(gt=0)] | None = None
    orders: Count | None = None
    tenure_years: Annotated[int, Strict(), Field(ge=1, le=100)] | None = None
    within_days: Days

    @model_validator(mode="after")
    def _exactly_one(self) -> Milestone:
        given = [name for name in MILESTONES if getattr(self, name) is not None]
        if len(given) != 1:
            raise field_error(
                given[1] if len(given) > 1 else "within_days",
                "give exactly one milestone: lifetime_spend, orders or tenure_years",
            )
        return self

    @property
    def which(self) -> str:
        return next(name for name in MILESTONES if getattr(self, name) is not None)


class MilestoneCondition(StrictModel):
    milestone: Milestone
