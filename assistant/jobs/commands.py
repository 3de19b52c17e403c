"""`assistant worker`: the Celery worker with the periodic sender tick, or an in-process loop."""

from __future__ import annotations

import logging
import time
from typing import Annotated

import typer

from assistant.config import get_settings
from assistant.jobs.registry import TICK_TASK, get_task

log = logging.getLogger(__name__)


def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Run one tick in this process and exit.")
    ] = False,
    beat: Annotated[
        bool,
        typer.Option(
            "--beat/--no-beat",
            help="Schedule the periodic tick from this worker (exactly one worker should).",
        ),
    ] = True,
    concurrency: Annotated[int, typer.Option(min=1, help="Celery worker processes.")] = 1,
    loglevel: Annotated[
        str | None,
        typer.Option(help="Log level of the worker and Celery (default: ASSISTANT_LOG_LEVEL)."),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=65535,
            help="Serve Prometheus /metrics on this port (default: ASSISTANT_WORKER_METRICS_PORT).",
        ),
    ] = None,
) -> None:
    """Run background work: every tick, send what is due; with a broker, every queued task.

    With ASSISTANT_BROKER_URL set this is a Celery worker (with the beat scheduler unless
    --no-beat: run beat in exactly one worker; an overlapping tick skips); without it, an
    in-process loop.
    """
    from assistant.observability.logging import configure_logging

    settings = get_settings()
    level = (loglevel or settings.app.log_level).upper()
    configure_logging(settings.app.log_format, level, default="json")
    port = metrics_port or settings.worker.metrics_port
    if port and not once:
        from assistant.observability.worker import serve_worker_metrics

        celery_pool = settings.worker.broker_url and concurrency > 1
        serve_worker_metrics(port, processes=concurrency if celery_pool else 1)
    if once or not settings.worker.broker_url:
        from assistant.observability.context import task_context

        tick = get_task(TICK_TASK)
        if once:
            typer.echo(f"tick: {tick()}")
            return
        typer.echo(f"in-process worker, tick every {settings.worker.tick_seconds:g} s")
        while True:
            try:
                with task_context(TICK_TASK, {}):
                    log.info("jobs.tick %s", tick())
            except Exception:
                # A database or provider outage: say so and try again next tick.
                log.exception("jobs.tick_failed")
            time.sleep(settings.worker.tick_seconds)
    from celery import signals  # type: ignore[import-untyped]

    from assistant.jobs.celery_app import create_celery

    # Our logging is set up: Celery keeps it rather than installing its own handlers.
    signals.setup_logging.connect(_keep_logging, weak=False)
    app = create_celery(settings)
    typer.echo(f"Celery worker, sender tick every {settings.worker.tick_seconds:g} s")
    argv = ["worker", f"--loglevel={level}", f"--concurrency={concurrency}"]
    if concurrency == 1:
        argv.append("--pool=solo")
    if beat:
        # The tick needs no persistent schedule: an in-memory one leaves no file behind.
        argv += ["--beat", "--scheduler=celery.beat:Scheduler"]
    app.worker_main(argv=argv)


def _keep_logging(**_: object) -> None:
    """Celery's `setup_logging` signal: having a receiver stops Celery configuring logging."""
