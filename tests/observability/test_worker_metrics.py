"""`assistant worker --metrics-port N`: Prometheus metrics and JSON log lines with the task."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import Engine

ASSISTANT = Path(sys.executable).parent / "assistant"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_in_process_worker_serves_metrics_and_logs_json(engine: Engine, tmp_path: Path) -> None:
    port = _free_port()
    env = {
        "PATH": str(Path(sys.executable).parent),
        "HOME": str(tmp_path),
        "ASSISTANT_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "ASSISTANT_WORKER_TICK_SECONDS": "0.2",
        "ASSISTANT_WORKER_METRICS_PORT": str(port),
        "ASSISTANT_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    log = tmp_path / "worker.err"
    with log.open("wb") as errors:
        process = subprocess.Popen(
            [str(ASSISTANT), "worker"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        try:
            body = ""
            for _ in range(300):
                try:
                    body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=1).text
                except httpx.TransportError:
                    time.sleep(0.1)
                    continue
                if '"jobs.tick' in log.read_text():
                    break
                time.sleep(0.1)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
    assert "# TYPE assistant_sends_total counter" in body
    assert "assistant_llm_request_duration_seconds" in body
    ticks = [
        json.loads(line)
        for line in log.read_text().splitlines()
        if line.startswith("{") and '"jobs.tick' in line
    ]
    assert ticks, log.read_text()[-2000:]
    assert ticks[0]["task"] == "worker.tick" and ticks[0]["level"] == "info"
