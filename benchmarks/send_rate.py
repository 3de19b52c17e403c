"""Send rate: approved SMS sent by two Celery workers at ASSISTANT_SMS_RATE against the fake
Twilio API, measured from the fake's own receipt times.

    python -m benchmarks.send_rate [--messages 300] [--rate 10] [--postgres URL]

Made for the run and removed after: a PostgreSQL database, a private redis-server (the
broker and the shared rate gate). `--messages` customers with SMS consent each get one
approved one-segment SMS draft, scheduled and due before the workers start. Two `assistant
worker` processes (one with --beat, one --no-beat; sender tick every 0.2 s) send them to the
fake Twilio server, which runs in this process. Reported: achieved rate over the run (first
to last send) as a % of the configured rate, the most segments in any one-second window
[t, t + 1) (must be <= rate), how many each worker sent, and the load average.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from datetime import time as clock_time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant import migrate  # noqa: E402
from assistant.db import build_engine, unit_of_work  # noqa: E402
from assistant.delivery.policy import DeliveryPolicy  # noqa: E402
from assistant.delivery.quiet_hours import QuietHours  # noqa: E402
from assistant.delivery.schedule import schedule_draft  # noqa: E402
from assistant.drafting.sms_segments import analyse  # noqa: E402
from assistant.models.base import utcnow  # noqa: E402
from benchmarks.webhook_load import free_port, process, wait_port  # noqa: E402
from tests.delivery.factories import add_customer, add_draft  # noqa: E402
from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FakeTwilioServer  # noqa: E402

BODY = "Hi {n}, your order shipped today and should arrive by Friday. Reply STOP to opt out."
WORKERS = ("beat", "no-beat")


def seed(url: str, messages: int) -> None:
    """`messages` customers, each with one approved SMS draft scheduled now."""
    engine = build_engine(url)
    migrate.upgrade(engine)
    policy = DeliveryPolicy(
        quiet_hours=QuietHours(clock_time(0), clock_time(0)), frequency_cap=10, contact_cap=10
    )
    with unit_of_work(engine) as session:
        ids = []
        for number in range(messages):
            customer = add_customer(
                session, external_id=f"rate-{number}", phone=f"+1415{number:07d}"
            )
            body = BODY.format(n=number)
            assert analyse(body).segments == 1
            ids.append(add_draft(session, customer, body=body).id)
    for draft_id in ids:
        with unit_of_work(engine) as session:
            assert schedule_draft(session, draft_id, now=utcnow(), policy=policy) is not None
    engine.dispose()


def busiest_second(times: list[float]) -> int:
    """The most sends (one segment each) in any one-second window [t, t + 1)."""
    times = sorted(times)
    most, first = 0, 0
    for last, moment in enumerate(times):
        while times[first] <= moment - 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def run(args: argparse.Namespace, work: Path, fake: FakeTwilioServer) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "TWILIO_"))}
    server_url = make_url(args.postgres)
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    database = f"bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    children = []
    try:
        url = server_url.set(database=database).render_as_string(hide_password=False)
        seed(url, args.messages)
        redis_port = free_port()
        (work / "redis").mkdir()
        env.update(
            {
                "ASSISTANT_DATABASE_URL": url,
                "ASSISTANT_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
                "ASSISTANT_SMS_RATE": str(args.rate),
                "ASSISTANT_WORKER_TICK_SECONDS": "0.2",
                "ASSISTANT_QUIET_HOURS_START": "00:00",
                "ASSISTANT_QUIET_HOURS_END": "00:00",
                "ASSISTANT_FREQUENCY_CAP": "10",
                "ASSISTANT_CONTACT_MAX_PER_DAY": "10",
                "ASSISTANT_LOG_LEVEL": "INFO",
                "ASSISTANT_PUBLIC_URL": "https://assistant.example.com/",
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "TWILIO_FROM_NUMBER": "+15005550006",
                "TWILIO_API_URL": fake.base_url,
            }
        )
        redis = process(
            ["redis-server", "--port", str(redis_port), "--save", "", "--dir", str(work / "redis")],
            env,
            work / "redis.log",
        )
        children.append(redis)
        redis.__enter__()
        wait_port(redis_port)
        started = []
        for name in WORKERS:
            argv = [sys.executable, "-m", "assistant.cli", "worker", f"--{name}"]
            worker = process(argv, env, work / f"worker-{name}.log")
            children.append(worker)
            started.append(worker.__enter__())
        deadline = time.monotonic() + args.messages / args.rate * 2 + 90
        while len(fake.messages) < args.messages and time.monotonic() < deadline:
            if any(worker.poll() is not None for worker in started):
                raise SystemExit(f"a worker exited: see {work}")
            time.sleep(0.5)
    finally:
        for child in reversed(children):
            child.__exit__(None, None, None)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
    times = sorted(m.date_created.timestamp() for m in fake.messages.values())
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    achieved = (len(times) - 1) / span if span else 0.0
    per_worker = {
        name: (work / f"worker-{name}.log").read_text(errors="replace").count("delivery.sent ")
        for name in WORKERS
    }
    return {
        "sent": len(times),
        "span": span,
        "achieved": achieved,
        "busiest": busiest_second(times),
        "per_worker": per_worker,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--keep", action="store_true", help="Keep the logs' folder.")
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is not installed")
    work = Path(tempfile.mkdtemp(prefix="send-rate-"))
    load_before = os.getloadavg()
    fake = FakeTwilioServer(port=free_port()).start()
    try:
        result = run(args, work, fake)
    finally:
        fake.stop()
        if args.keep:
            print(f"logs in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    load_after = os.getloadavg()
    rate = args.rate
    achieved = float(result["achieved"])  # type: ignore[arg-type]
    print(
        "| messages | sent | configured rate | first→last s | achieved /s | % of rate "
        "| busiest 1 s window | sent by worker (beat / no-beat) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    per_worker = result["per_worker"]
    assert isinstance(per_worker, dict)
    print(
        f"| {args.messages} | {result['sent']} | {rate:g}/s | {float(result['span']):.2f} "  # type: ignore[arg-type]
        f"| {achieved:.2f} | {achieved / rate * 100:.1f} % | {result['busiest']} "
        f"| {per_worker['beat']} / {per_worker['no-beat']} |"
    )
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")


if __name__ == "__main__":
    main()
