"""FastAPI application factory: health endpoints now, domain routers as they arrive."""

from __future__ import annotations

import logging
import sys
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from assistant.api.docs import include_offline_docs
from assistant.api.limits import BodyLimit
from assistant.api.problems import ERROR_RESPONSES, install_problem_handlers
from assistant.apikeys.routes import router as apikeys_router
from assistant.campaigns.routes import router as campaign_control_router
from assistant.config import get_settings
from assistant.consent.routes import pack_router as consent_pack_router
from assistant.consent.routes import router as consent_router
from assistant.conversations.conversation_routes import router as conversation_api_router
from assistant.conversations.email_routes import router as email_inbound_router
from assistant.conversations.routes import router as conversations_router
from assistant.customers.routes import router as customers_router
from assistant.db import get_engine
from assistant.delivery.check_routes import router as delivery_check_router
from assistant.delivery.message_routes import router as messages_router
from assistant.delivery.routes import router as delivery_router
from assistant.delivery.unsubscribe_routes import router as unsubscribe_router
from assistant.drafting.routes import router as campaigns_router
from assistant.ingest.routes import router as ingest_router
from assistant.jobs.runners import stop_thread_runner, use_thread_runner
from assistant.learning.routes import router as examples_router
from assistant.migrate import current_revision
from assistant.observability.http import RequestContextMiddleware, bind_path_ids
from assistant.observability.metrics import CONTENT_TYPE, render
from assistant.reports.page import router as reports_page_router
from assistant.reports.routes import router as reports_router
from assistant.review.routes import router as drafts_router
from assistant.segments.routes import router as segments_router
from assistant.shopify.routes import router as shopify_router
from assistant.triggers.routes import router as triggers_router
from assistant.variants.routes import router as variants_router
from assistant.wiring import include_slack_routes

log = logging.getLogger(__name__)


def create_app(engine: Engine | None = None) -> FastAPI:
    """The web service, on `engine` (default: the configured database)."""
    # /docs and /redoc come from installed assets, not a CDN (assistant/api/docs.py).
    app = FastAPI(
        title="Customer messaging assistant",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(RequestContextMiddleware)
    include_offline_docs(app)
    install_problem_handlers(app)
    app.add_middleware(BodyLimit)  # 413 before any body is parsed or its signature checked
    app.state.engine = engine

    def _engine() -> Engine:
        return app.state.engine or get_engine()

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """The process is up (no dependencies checked)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], response_model=None)
    def readyz() -> Any:
        """The database answers and is migrated (and the broker answers, when one is set)."""
        report: dict[str, Any] = {"status": "ready", **_database_check(_engine())}
        broker = get_settings().worker.broker_url
        if broker:
            report["broker"] = broker_check(broker)
        if any(report[name] != "ok" for name in ("database", "broker") if name in report):
            return JSONResponse(status_code=503, content={**report, "status": "unavailable"})
        return report

    @app.get("/metrics", tags=["ops"], response_class=Response)
    def metrics() -> Response:
        """Prometheus metrics: counters and latencies, and gauges read from the database."""
        worker = get_settings().worker
        body = render(_engine(), worker.broker_url, worker.queue)
        return Response(body, media_type=CONTENT_TYPE)

    # Provider webhooks first: Starlette tries routes in order, and these take the traffic
    # (hundreds a second in a busy store) while the API serves people.
    app.include_router(conversations_router)
    app.include_router(email_inbound_router)
    app.include_router(delivery_router)
    app.include_router(shopify_router)
    include_slack_routes(app)
    app.include_router(unsubscribe_router)
    app.include_router(reports_page_router)  # HTML for people; not in the OpenAPI schema
    for api_router in (
        segments_router,
        campaigns_router,
        campaign_control_router,
        consent_router,
        consent_pack_router,
        apikeys_router,
        customers_router,
        delivery_check_router,
        messages_router,
        conversation_api_router,
        drafts_router,
        ingest_router,
        triggers_router,
        variants_router,
        reports_router,
        examples_router,
    ):
        # The ids in a route's path (campaign_id, draft_id, …) join its log lines' context.
        app.include_router(
            api_router, responses=ERROR_RESPONSES, dependencies=[Depends(bind_path_ids)]
        )
    return app


# How long a stopping web process waits for the tasks its requests queued (no broker).
SHUTDOWN_DRAIN_SECONDS = 30.0


def serving_app() -> FastAPI:
    """The app as `assistant serve` runs it. Without a broker, the work requests queue (reply
    suggestions, Slack posts, drafting) runs on one background thread of the process, never
    inside a request or on the request thread pool; a stopping process finishes it first."""
    if not get_settings().worker.broker_url:
        use_thread_runner()
        # A request waits for the GIL while the jobs thread computes; hand it over after 1 ms
        # instead of Python's default 5 ms (each of a request's database calls waits anew).
        sys.setswitchinterval(0.001)
    app = create_app()

    def drain() -> None:
        stop_thread_runner(timeout=SHUTDOWN_DRAIN_SECONDS)

    app.router.add_event_handler("startup", lambda: warm_up(app))
    app.router.add_event_handler("shutdown", drain)
    return app


def serving_process_app() -> FastAPI:
    """`serving_app` in a process uvicorn started for `serve --workers N`: a new interpreter,
    whose logging is set up here as `serve` set up its own."""
    from assistant.observability.logging import configure_logging

    settings = get_settings()
    configure_logging(settings.app.log_format, settings.app.log_level, default="json")
    return serving_app()


def warm_up(app: FastAPI) -> None:
    """Do before the first request what it would otherwise pay for: parse the brand, load the
    phone number metadata, build the Twilio validator and the Slack app. A part that fails
    here is left to the request that needs it, which answers with the reason."""
    from assistant.drafting.brand import PromptsConfigError, load_brand
    from assistant.ingest.fields import FieldError, phone
    from assistant.wiring import build_twilio_signature_validator, warm_slack

    settings = get_settings()
    for step in (
        load_brand,
        lambda: phone("+14155550100", "US"),
        lambda: build_twilio_signature_validator(settings),
        lambda: warm_slack(app),
    ):
        try:
            step()
        except (PromptsConfigError, FieldError, ValueError) as exc:
            log.warning("api.warm_up_skipped reason=%s", type(exc).__name__)


def _database_check(engine: Engine) -> dict[str, Any]:
    """`{"database": "ok", "revision": ...}`, or what is wrong with the database."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        return {"database": f"unreachable ({type(exc).__name__})"}
    if revision is None:
        return {"database": "not migrated: run assistant db upgrade"}
    return {"database": "ok", "revision": revision}


BROKER_TIMEOUT_SECONDS = 2.0


def broker_check(url: str) -> str:
    """ "ok" when the Celery broker accepts a connection within a short timeout."""
    from kombu.connection import Connection

    try:
        connect: Any = Connection
        with connect(url, connect_timeout=BROKER_TIMEOUT_SECONDS) as connection:
            connection.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS
            )
    except Exception as exc:  # any failure to connect means "not ready"
        return f"unreachable ({type(exc).__name__})"
    return "ok"
