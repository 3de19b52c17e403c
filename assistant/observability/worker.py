"""The worker's Prometheus endpoint (`assistant worker --metrics-port N`).

`assistant worker` runs either one process (the in-process loop, or Celery with
`--pool=solo` at `--concurrency 1`) or a Celery prefork pool whose child processes run the
tasks. One process: prometheus_client's own `start_http_server` on the default registry is
all it takes. A prefork pool: the counters are incremented in the children, which the
parent's HTTP server cannot see, so we use prometheus_client's multiprocess mode (each
process writes its samples to files under PROMETHEUS_MULTIPROC_DIR; the parent's server
sums them). That mode must be chosen before prometheus_client is first imported, which is
why `serve_worker_metrics` runs before the task modules are loaded.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class MetricsTooLate(RuntimeError):
    """prometheus_client was imported before multiprocess mode could be chosen."""


# Every interface by default: Prometheus scrapes the worker from another host.
ANY_INTERFACE = "0.0.0.0"  # noqa: S104


def serve_worker_metrics(port: int, *, processes: int, host: str = ANY_INTERFACE) -> None:
    """Serve /metrics on `port` for a worker of `processes` task processes."""
    if processes > 1:
        if "prometheus_client" in sys.modules and not os.environ.get(MULTIPROC_ENV):
            raise MetricsTooLate("prometheus_client is loaded: multiprocess mode is too late")
        given = os.environ.get(MULTIPROC_ENV)
        directory = Path(given or tempfile.mkdtemp(prefix="assistant-metrics-"))
        if not given:  # ours: gone with the worker
            atexit.register(shutil.rmtree, directory, ignore_errors=True)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):  # samples of a previous run's processes
            stale.unlink()
        os.environ[MULTIPROC_ENV] = str(directory)
        from prometheus_client import CollectorRegistry, multiprocess, start_http_server

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        start_http_server(port, addr=host, registry=registry)
        _forget_dead_children()
        return
    from prometheus_client import start_http_server

    start_http_server(port, addr=host)


def _forget_dead_children() -> None:
    """A pool child that exits leaves its files; mark it dead so live gauges drop it."""
    from celery import signals  # type: ignore[import-untyped]
    from prometheus_client import multiprocess

    def on_exit(pid: int | None = None, **_: Any) -> None:
        multiprocess.mark_process_dead(pid or os.getpid())  # type: ignore[no-untyped-call]

    signals.worker_process_shutdown.connect(on_exit, weak=False)
