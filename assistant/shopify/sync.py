"""`assistant shopify sync`: backfill products, customers and orders (with their lines and
refunds) into our model, through the ingest service, resumably.

Each resource is read by cursor pagination, or by a bulk operation (`bulkOperationRunQuery`,
polled, its JSONL result downloaded) for large stores. Every page (or chunk of a bulk file)
is one unit of work that writes its records and the resource's place (`shopify_sync_state`)
together, so a run stopped at any point continues, when run again with the same `--since`,
after the last page that was stored. A finished resource starts from the beginning next time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assistant.db import unit_of_work
from assistant.models import ShopifySyncState
from assistant.models.base import utcnow
from assistant.ports import ShopifyAdmin, ShopifyApiError
from assistant.shopify import queries
from assistant.shopify import repository as repo
from assistant.shopify.mapping import (
    OrderRecords,
    Record,
    customer_record,
    order_records,
    product_record,
    refund_returns,
)
from assistant.shopify.records import RecordWriter, Written, touched

log = logging.getLogger(__name__)

RESOURCES = ("products", "customers", "orders")
# Parents (orders, customers, products) of a bulk file written per unit of work.
BULK_CHUNK = 250
BULK_DONE = "COMPLETED"
BULK_FAILED = ("FAILED", "CANCELED", "CANCELLED", "EXPIRED")


class SyncError(Exception):
    """The backfill cannot go on (the message is one line for the person)."""


class SyncProgress(Protocol):
    """Where a sync reports how far it got."""

    def started(self, resource: str, total: int | None, done: int, bulk: bool) -> None: ...

    def advanced(self, resource: str, count: int) -> None: ...

    def finished(self, resource: str) -> None: ...


class _Silent:
    def started(self, resource: str, total: int | None, done: int, bulk: bool) -> None:
        pass

    def advanced(self, resource: str, count: int) -> None:
        pass

    def finished(self, resource: str) -> None:
        pass


@dataclass
class ResourceReport:
    """What one resource's backfill did in this run."""

    resource: str
    read: int = 0
    bulk: bool = False
    resumed: bool = False
    skipped_lines: int = 0
    written: Written = field(default_factory=Written)


@dataclass
class SyncReport:
    resources: list[ResourceReport] = field(default_factory=list)


@dataclass
class SyncOptions:
    """How to run: since when, bulk or not (None: by SHOPIFY_BULK_THRESHOLD), polling."""

    since: datetime | None = None
    bulk: bool | None = None
    bulk_threshold: int = 10_000
    poll_seconds: float = 5.0
    # A day of polls at 5 s: a bulk operation still running then is reported, not waited on.
    max_polls: int = 17_280
    sleep: Callable[[float], None] = lambda _seconds: None
    resources: Sequence[str] = RESOURCES
    # Records per page (smaller pages: cheaper queries, more requests).
    page_sizes: Mapping[str, int] = field(default_factory=lambda: dict(queries.PAGE_SIZES))


def search_filter(since: datetime | None) -> str | None:
    """The Admin API search string of `--since` (records updated at or after it)."""
    if since is None:
        return None
    stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"updated_at:>='{stamp}'"


class Backfill:
    """One store's backfill run (see the module's docstring)."""

    def __init__(
        self,
        engine: Engine,
        admin: ShopifyAdmin,
        shop_domain: str,
        write: RecordWriter,
        options: SyncOptions,
        progress: SyncProgress | None = None,
    ) -> None:
        self.engine = engine
        self.admin = admin
        self.shop = shop_domain
        self.write = write
        self.options = options
        self.progress = progress or _Silent()
        self.search = search_filter(options.since)

    def run(self) -> SyncReport:
        report = SyncReport()
        for resource in self.options.resources:
            report.resources.append(self._resource(resource))
        return report

    def _resource(self, resource: str) -> ResourceReport:
        report = ResourceReport(resource)
        with unit_of_work(self.engine, writes=True) as session:
            state = self._state(session, resource, report)
            cursor, bulk_id, done = state.cursor, state.bulk_operation_id, state.records
        total = self._count(resource)
        report.bulk = bool(bulk_id) or (
            self.options.bulk
            if self.options.bulk is not None
            else bool(self.options.bulk_threshold)
            and total is not None
            and total >= self.options.bulk_threshold
        )
        self.progress.started(resource, total, done, report.bulk)
        if report.bulk:
            self._bulk(resource, bulk_id, done, report)
        else:
            self._pages(resource, cursor, report)
        with unit_of_work(self.engine, writes=True) as session:
            state = self._state(session, resource, None)
            state.completed_at = utcnow()
            state.cursor = state.bulk_operation_id = None
        self.progress.finished(resource)
        return report

    def _state(
        self, session: Session, resource: str, report: ResourceReport | None
    ) -> ShopifySyncState:
        """The resource's state: resumed when unfinished with the same `since`, else reset."""
        state = repo.sync_state(session, self.shop, resource)
        if state is None:
            state = ShopifySyncState(shop_domain=self.shop, resource=resource, records=0)
            session.add(state)
        elif report is None:
            return state
        elif state.completed_at is None and state.since == self.options.since:
            report.resumed = bool(state.cursor or state.bulk_operation_id)
            return state
        state.since = self.options.since
        state.cursor = state.bulk_operation_id = None
        state.records = 0
        state.started_at = utcnow()
        state.completed_at = None
        session.flush()
        return state

    def _count(self, resource: str) -> int | None:
        try:
            data = self.admin.execute(queries.COUNTS[resource], {"query": self.search})
        except ShopifyApiError as exc:
            log.info("shopify.count_unavailable resource=%s error=%s", resource, exc)
            return None
        count = (data.get(f"{resource}Count") or {}).get("count")
        return int(count) if isinstance(count, int) else None

    def _pages(self, resource: str, cursor: str | None, report: ResourceReport) -> None:
        while True:
            data = self.admin.execute(
                queries.PAGES[resource],
                {
                    "first": self.options.page_sizes[resource],
                    "after": cursor,
                    "query": self.search,
                },
            )[resource]
            nodes = list(data.get("nodes") or ())
            info = data.get("pageInfo") or {}
            cursor = info.get("endCursor") or cursor
            self._store(resource, [(node, []) for node in nodes], report, cursor=cursor)
            if not info.get("hasNextPage"):
                return

    def _store(
        self,
        resource: str,
        batch: list[tuple[dict[str, Any], list[dict[str, Any]]]],
        report: ResourceReport,
        *,
        cursor: str | None = None,
    ) -> None:
        """Write one page's (or bulk chunk's) records and the resource's new place at once."""
        refunds = self._refunds(batch) if resource == "orders" else {}
        with unit_of_work(self.engine, writes=True) as session:
            written = self._write(session, resource, batch, refunds, report)
            state = self._state(session, resource, None)
            if cursor is not None:
                state.cursor = cursor
            state.records += len(batch)
            touched(session, written.customer_ids)
        report.read += len(batch)
        report.written.add(written)
        self.progress.advanced(resource, len(batch))

    def _write(
        self,
        session: Session,
        resource: str,
        batch: list[tuple[dict[str, Any], list[dict[str, Any]]]],
        refunds: dict[str, list[Record]],
        report: ResourceReport,
    ) -> Written:
        if resource == "products":
            records = [r for node, _ in batch if (r := product_record(node)) is not None]
            return self.write(session, "products", records)
        if resource == "customers":
            records = [r for node, _ in batch if (r := customer_record(node)) is not None]
            return self.write(session, "customers", records)
        mapped = [order_records(node, children) for node, children in batch]
        for order in mapped:
            report.skipped_lines += order.skipped_lines
            for refund_id in order.refund_ids:
                order.returns += refunds.get(refund_id, [])
        return write_orders(session, self.write, mapped)

    def _refunds(
        self, batch: list[tuple[dict[str, Any], list[dict[str, Any]]]]
    ) -> dict[str, list[Record]]:
        """Returns records of the refunds the batch's orders name, by refund id."""
        ids = [
            str(refund["id"])
            for node, _ in batch
            for refund in node.get("refunds") or ()
            if isinstance(refund, dict) and refund.get("id")
        ]
        found: dict[str, list[Record]] = {}
        for start in range(0, len(ids), queries.REFUND_BATCH):
            chunk = ids[start : start + queries.REFUND_BATCH]
            data = self.admin.execute(queries.REFUNDS, {"ids": chunk})
            for refund in data.get("nodes") or ():
                if isinstance(refund, dict) and refund.get("id"):
                    found[str(refund["id"])] = refund_returns(refund)
        return found

    def _bulk(self, resource: str, bulk_id: str | None, done: int, report: ResourceReport) -> None:
        if bulk_id is None:
            bulk_id = self._start_bulk(resource)
        url = self._await_bulk(resource, bulk_id)
        if url is None:
            return
        chunk: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        skipped = 0
        for parent, children in _parents(self.admin.download(url)):
            if skipped < done:  # stored by the run that was interrupted
                skipped += 1
                continue
            chunk.append((parent, children))
            if len(chunk) >= BULK_CHUNK:
                self._store(resource, chunk, report)
                chunk = []
        if chunk:
            self._store(resource, chunk, report)

    def _start_bulk(self, resource: str) -> str:
        data = self.admin.execute(
            queries.BULK_RUN, {"query": queries.bulk_query(resource, self.search)}
        )["bulkOperationRunQuery"]
        errors = data.get("userErrors") or []
        operation = data.get("bulkOperation") or {}
        if errors or not operation.get("id"):
            message = errors[0].get("message") if errors else "no operation returned"
            raise SyncError(f"Shopify refused the {resource} bulk operation: {message}")
        with unit_of_work(self.engine, writes=True) as session:
            self._state(session, resource, None).bulk_operation_id = str(operation["id"])
        return str(operation["id"])

    def _await_bulk(self, resource: str, bulk_id: str) -> str | None:
        for poll in range(self.options.max_polls):
            node = self.admin.execute(queries.BULK_STATUS, {"id": bulk_id}).get("node") or {}
            status = str(node.get("status") or "")
            if status == BULK_DONE:
                url = node.get("url")
                return str(url) if url else None
            if status in BULK_FAILED or not node:
                with unit_of_work(self.engine, writes=True) as session:
                    self._state(session, resource, None).bulk_operation_id = None
                reason = node.get("errorCode") or status or "not found"
                raise SyncError(f"the {resource} bulk operation ended {reason}; run sync again")
            if poll + 1 < self.options.max_polls:
                self.options.sleep(self.options.poll_seconds)
        raise SyncError(
            f"the {resource} bulk operation is still running; run sync again later to continue"
        )


def _parents(
    lines: Iterable[dict[str, Any]],
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """A bulk file's top-level objects, each with the child lines (`__parentId`) after it."""
    parent: dict[str, Any] | None = None
    children: list[dict[str, Any]] = []
    for line in lines:
        if line.get("__parentId"):
            children.append(line)
            continue
        if parent is not None:
            yield parent, children
        parent, children = line, []
    if parent is not None:
        yield parent, children


def write_orders(session: Session, write: RecordWriter, mapped: Sequence[OrderRecords]) -> Written:
    """Write mapped orders: their customers, products the catalog lacks (named by the line),
    the orders, their items and returns, in that order."""
    written = Written()
    customers = {o.customer["customer_id"]: o.customer for o in mapped if o.customer}
    written.add(write(session, "customers", list(customers.values())))
    names: dict[str, str] = {}
    for order in mapped:
        if order.order is not None:
            names.update(order.products)
    missing = repo.missing_products(session, names)
    products = [
        {"product_id": pid, "name": names[pid] or f"Shopify product {pid}"}
        for pid in sorted(missing)
    ]
    written.add(write(session, "products", products))
    orders = [o for o in mapped if o.order is not None]
    written.add(write(session, "orders", [o.order for o in orders if o.order is not None]))
    written.add(write(session, "order_items", [i for o in orders for i in o.items]))
    written.add(write(session, "returns", [r for o in orders for r in o.returns]))
    return written
