"""Segment definitions as pydantic models: the `where` tree over the leaf conditions.

A condition is a mapping with exactly one *kind* key (`all`, `any`, `not`, `metric`,
`customer`, `attribute`, `orders`, `product_repeat`, `returned`, `event`, `milestone`).
`errors.format_errors` turns pydantic's errors into
`where.all[2].metric: unknown metric 'clv' (known: ...)` lines.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Discriminator, Field, Tag, field_validator
from pydantic_core import PydanticCustomError

from assistant.segments.leaves import (
    CUSTOMER_FIELDS,
    KINDS,
    METRICS,
    MILESTONES,
    MONEY_METRICS,
    NUMERIC_METRICS,
    RFM_LABELS,
    TIME_METRICS,
    AttributeCondition,
    CustomerCondition,
    EventCondition,
    EventWindow,
    MetricCondition,
    Milestone,
    MilestoneCondition,
    OrdersCondition,
    OrdersWindow,
    ProductRepeat,
    ProductRepeatCondition,
    Returned,
    ReturnedCondition,
    StrictModel,
)

__all__ = [
    "CUSTOMER_FIELDS",
    "KINDS",
    "METRICS",
    "MILESTONES",
    "MONEY_METRICS",
    "NUMERIC_METRICS",
    "RFM_LABELS",
    "TIME_METRICS",
    "AllCondition",
    "AnyCondition",
    "AttributeCondition",
    "Condition",
    "CustomerCondition",
    "DefinitionDocument",
    "EventCondition",
    "EventWindow",
    "MetricCondition",
    "Milestone",
    "MilestoneCondition",
    "NotCondition",
    "OrdersCondition",
    "OrdersWindow",
    "ProductRepeat",
    "ProductRepeatCondition",
    "Returned",
    "ReturnedCondition",
]


class AllCondition(StrictModel):
    all: list[Condition] = Field(min_length=1)


class AnyCondition(StrictModel):
    any: list[Condition] = Field(min_length=1)


class NotCondition(StrictModel):
    not_: Condition = Field(alias="not")


def condition_kind(value: Any) -> str | None:
    """The kind key of a condition (a mapping or a model), or None when it has none."""
    if isinstance(value, dict):
        return next((kind for kind in KINDS if kind in value), None)
    if isinstance(value, BaseModel):
        return next((kind for kind, model in _MODELS.items() if isinstance(value, model)), None)
    return None


Condition = Annotated[
    Annotated[AllCondition, Tag("all")]
    | Annotated[AnyCondition, Tag("any")]
    | Annotated[NotCondition, Tag("not")]
    | Annotated[MetricCondition, Tag("metric")]
    | Annotated[CustomerCondition, Tag("customer")]
    | Annotated[AttributeCondition, Tag("attribute")]
    | Annotated[OrdersCondition, Tag("orders")]
    | Annotated[ProductRepeatCondition, Tag("product_repeat")]
    | Annotated[ReturnedCondition, Tag("returned")]
    | Annotated[EventCondition, Tag("event")]
    | Annotated[MilestoneCondition, Tag("milestone")],
    Discriminator(
        condition_kind,
        custom_error_type="condition_kind",
        custom_error_message="not a condition",
    ),
]

_MODELS: dict[str, type[BaseModel]] = {
    "all": AllCondition,
    "any": AnyCondition,
    "not": NotCondition,
    "metric": MetricCondition,
    "customer": CustomerCondition,
    "attribute": AttributeCondition,
    "orders": OrdersCondition,
    "product_repeat": ProductRepeatCondition,
    "returned": ReturnedCondition,
    "event": EventCondition,
    "milestone": MilestoneCondition,
}

for _model in (AllCondition, AnyCondition, NotCondition):
    _model.model_rebuild()

ParamValue = bool | int | float | Decimal | str | date | list[Any] | None


class DefinitionDocument(StrictModel):
    """A definition file's top level; `where` is checked after params are substituted."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    description: str = ""
    params: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], ParamValue] = {}
    where: Any

    @field_validator("where")
    @classmethod
    def _present(cls, value: Any) -> Any:
        if value is None:
            raise PydanticCustomError("missing", "Field required")
        return value
