"""Prometheus metrics: counters and histograms updated as work happens, and gauges read
from the database (and the broker) when /metrics is scraped.

The scrape-time gauges cost two small queries: drafts counted by state (the `state`
index), and the guardrail finding codes of drafts awaiting review (a bounded queue, not
the whole history).
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from assistant.models import Draft, DraftState

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
AWAITING_REVIEW = (DraftState.PENDING_REVIEW.value, DraftState.NEEDS_ATTENTION.value)

LLM_REQUEST_SECONDS = Histogram(
    "assistant_llm_request_duration_seconds",
    "Time for one LLM drafting request, by provider and outcome (ok or the error reason).",
    ["provider", "outcome"],
    buckets=(0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120),
)
LLM_TOKENS = Counter(
    "assistant_llm_tokens",
    "Tokens the LLM provider billed, by provider and kind (input or output).",
    ["provider", "kind"],
)
SENDS = Counter(
    "assistant_sends",
    "Messages the sender handled, by channel and outcome (sent, failed, retry, held, …).",
    ["channel", "status"],
)
HTTP_REQUEST_SECONDS = Histogram(
    "assistant_http_request_duration_seconds",
    "Time to answer an HTTP request (webhooks included), by route template and status.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TRIGGER_RUNS = Counter(
    "assistant_trigger_runs",
    "Runs of automatic triggers, by trigger and outcome.",
    ["trigger", "outcome"],
)


def finding_codes(findings: Any) -> Iterator[str]:
    """The codes in a draft's findings document (`{"items": [{"code": ...}, ...]}`)."""
    items = findings.get("items", []) if isinstance(findings, dict) else []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("code"), str):
            yield item["code"]


class DatabaseCollector(Collector):
    """Gauges computed at scrape time: drafts by state, open findings, queue depth."""

    def __init__(self, engine: Engine, broker_url: str | None, queue: str) -> None:
        self.engine = engine
        self.broker_url = broker_url
        self.queue = queue

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """One family per gauge; a database or broker outage leaves its gauges out."""
        try:
            with self.engine.connect() as connection:
                states = connection.execute(
                    select(Draft.state, func.count()).group_by(Draft.state)
                ).all()
                documents = connection.execute(
                    select(Draft.findings).where(Draft.state.in_(AWAITING_REVIEW))
                ).scalars()
                codes = Tally(code for doc in documents for code in finding_codes(doc))
        except SQLAlchemyError:
            pass  # /readyz says what is wrong with the database
        else:
            drafts = GaugeMetricFamily("assistant_drafts", "Drafts by state.", labels=["state"])
            counted = {str(state): int(count) for state, count in states}
            for state in DraftState:
                drafts.add_metric([state.value], counted.get(state.value, 0))
            yield drafts
            found = GaugeMetricFamily(
                "assistant_review_findings",
                "Guardrail findings on drafts awaiting review, by finding code.",
                labels=["code"],
            )
            for code, count in sorted(codes.items()):
                found.add_metric([code], count)
            yield found
        depth = queue_depth(self.broker_url, self.queue)
        if depth is not None:
            gauge = GaugeMetricFamily(
                "assistant_queue_depth", "Tasks waiting on the broker queue.", labels=["queue"]
            )
            gauge.add_metric([self.queue], depth)
            yield gauge


def queue_depth(broker_url: str | None, queue: str) -> int | None:
    """Tasks waiting in the Celery queue on a Redis broker (None: no Redis broker, or down)."""
    if not broker_url or not broker_url.startswith(("redis://", "rediss://")):
        return None
    import redis

    try:
        client = redis.Redis.from_url(broker_url, socket_timeout=1, socket_connect_timeout=1)
        try:
            return int(client.llen(queue))
        finally:
            client.close()
    except redis.RedisError:
        return None


def render(engine: Engine, broker_url: str | None, queue: str) -> bytes:
    """The exposition text: process-wide metrics, then the scrape-time gauges."""
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(DatabaseCollector(engine, broker_url, queue))
    return generate_latest(REGISTRY) + generate_latest(scraped)
