"""Orders, their lines and returns.

Order lines and returns repeat the order's customer and date (`customer_id`, `ordered_at`)
so that per-product time-window queries ("bought the same product 3+ times in 90 days")
read one table instead of joining millions of orders. The import keeps the copies in step.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assistant.models.base import Base, BigId, Timestamped

ORDER_STATUSES = (
    "pending",
    "processing",
    "completed",
    "shipped",
    "delivered",
    "cancelled",
    "refunded",
)


class Order(Timestamped, Base):
    """One order by one customer."""

    __tablename__ = "orders"
    # ordered_at alone: the purchase trigger reads one day's orders of the whole store.
    __table_args__ = (Index(None, "customer_id", "ordered_at"), Index(None, "ordered_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    ordered_at: Mapped[datetime]
    total: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="USD", server_default="USD")
    status: Mapped[str] = mapped_column(String(16), default="completed", server_default="completed")


class OrderItem(Base):
    """One product line of an order (one line per product per order)."""

    __tablename__ = "order_items"
    __table_args__ = (
        UniqueConstraint("order_id", "product_id"),
        Index(None, "product_id", "ordered_at"),
        Index(None, "customer_id", "ordered_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    ordered_at: Mapped[datetime]
    quantity: Mapped[int] = mapped_column(default=1, server_default="1")
    unit_price: Mapped[Decimal | None]


class Return(Base):
    """A returned product line, with why it came back."""

    __tablename__ = "returns"
    __table_args__ = (
        UniqueConstraint("order_id", "product_id", "returned_at"),
        Index(None, "product_id", "returned_at"),
        Index(None, "customer_id", "returned_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    returned_at: Mapped[datetime]
    reason_code: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
