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
    loglevel: Annotated[str, typer.Option(help="Celery log level.")] = "INFO",
) -> None:
    """Run background work: every tick, send what is due; with a broker, every queued task.

    With ASSISTANT_BROKER_URL set this is a Celery worker (with the beat scheduler unless
    --no-beat: run beat in exactly one worker; an overlapping tick skips); without it, an
    in-process loop.
    """
    settings = get_settings()
    logging.basicConfig(level=loglevel.upper(), format="%(asctime)s %(levelname)s %(message)s")
    if once or not settings.worker.broker_url:
        tick = get_task(TICK_TASK)
        if once:
            typer.echo(f"tick: {tick()}")
            return
        typer.echo(f"in-process worker, tick every {settings.worker.tick_seconds:g} s")
        while True:
            try:
                log.info("jobs.tick %s", tick())
            except Exception:
                # A database or provider outage: say so and try again next tick.
                log.exception("jobs.tick_failed")
            time.sleep(settings.worker.tick_seconds)
    from assistant.jobs.celery_app import create_celery

    app = create_celery(settings)
    typer.echo(f"Celery worker, sender tick every {settings.worker.tick_seconds:g} s")
    argv = ["worker", f"--loglevel={loglevel}", f"--concurrency={concurrency}"]
    if concurrency == 1:
        argv.append("--pool=solo")
    if beat:
        # The tick needs no persistent schedule: an in-memory one leaves no file behind.
        argv += ["--beat", "--scheduler=celery.beat:Scheduler"]
    app.worker_main(argv=argv)
