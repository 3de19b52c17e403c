"""Webhook load: signed inbound SMS and Slack clicks at a fixed rate against a real deployment.

    python -m benchmarks.webhook_load [--setup production|embedded|both] [--rate 200]
        [--embedded-rate 50] [--duration 60] [--web-workers 3] [--celery-workers 2]
        [--postgres URL] [--customers 2000] [--cards 300]

Each setup runs the real processes on loopback:

- production: `assistant serve --workers N` on PostgreSQL (a database made for the run and
  dropped after), `assistant worker` (Celery with beat) on a private redis-server, Slack
  review against the fake Slack Web API, reply suggestions drafted on the worker by the
  offline drafter. Offered `--rate` requests/s.
- embedded: one `assistant serve` process on SQLite with no broker (follow-up work runs in
  that process after each answer). Offered `--embedded-rate` requests/s.

Per setup, two rounds of `--duration` seconds, open loop (a request is sent at its planned
instant whether or not earlier ones were answered, and its latency counts from that
instant, so a server that falls behind shows it): (1) inbound SMS, each from one of
`--customers` customers with SMS consent, signed as Twilio signs; (2) Slack `block_actions`
clicks on "Approve" of `--cards` posted review cards, signed as Slack signs (the first click
on a card approves it; later ones get the "already decided" answer). Reported: answered,
errors (non-2xx or no answer within 15 s), p50/p99/max latency, and whether every inbound
message was stored exactly once (rows by MessageSid against 200 answers).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant import migrate  # noqa: E402
from assistant.db import build_engine, unit_of_work  # noqa: E402
from assistant.models import Campaign, Customer, Draft, Message  # noqa: E402
from assistant.models.inbound import UnmatchedInbound  # noqa: E402
from tests.delivery.factories import add_customer  # noqa: E402
from tests.fakes.slack_server import BOT_TOKEN  # noqa: E402
from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN  # noqa: E402
from tests.slack.helpers import button  # noqa: E402
from tests.slack.seed import _draft, upsell_body, upsell_facts  # noqa: E402

PUBLIC = "https://assistant.example.com"
SMS_PATH = "/webhooks/twilio/sms"
SLACK_PATH = "/slack/events"
OUR_NUMBER = "+15005550006"
SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
CHANNEL = "C0REVIEW"
REVIEWER = "U0ANN"
APPROVE = "draft_approve"
TWILIO_TIMEOUT = 15.0
# Requests sent at 10/s before each round and not measured: connection pools, statement caches.
WARMUP = 20
BODIES = (
    "Thanks, it arrived yesterday and looks great",
    "Can I swap it for the bigger size?",
    "When will my order ship?",
    "Love it! Do you have it in green?",
)


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Round:
    """One round's answers: latencies (s) of 2xx answers, error count, stored-once check."""

    name: str
    offered: int
    rate: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    late_sends: int = 0
    slowest: list[tuple[float, int]] = field(default_factory=list)
    stored: str = "-"
    # CPU the web tier (the serve process and its workers) spent per offered request, in ms:
    # unlike latency, it hardly depends on what else the machine is doing.
    web_cpu_ms: float = float("nan")

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def row(self) -> str:
        ms = 1000.0
        return (
            f"| {self.name} | {self.rate:g}/s | {self.offered} | {len(self.latencies)} | "
            f"{self.errors} | {self.percentile(0.5) * ms:.1f} | {self.percentile(0.99) * ms:.1f} | "
            f"{max(self.latencies, default=float('nan')) * ms:.1f} | {self.stored} | "
            f"{self.web_cpu_ms:.2f} |"
        )


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` and its children (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(entry.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def measured(pid: int, run: Any) -> tuple[Round, list[int]]:
    """Run one round (`run()`), with the web tier's CPU per offered request."""
    before = tree_cpu_seconds(pid)
    result, statuses = asyncio.run(run)
    result.web_cpu_ms = (tree_cpu_seconds(pid) - before) * 1000 / max(1, result.offered)
    return result, statuses


def has_button(card: Any, action_id: str) -> bool:
    """Whether a posted card has the button `action_id`."""
    try:
        button(card, action_id)
    except KeyError:
        return False
    return True


def twilio_signature(url: str, params: dict[str, str]) -> str:
    """X-Twilio-Signature: base64 HMAC-SHA1 of the URL and the sorted form pairs."""
    import base64

    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(AUTH_TOKEN.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def sms_request(phone: str) -> tuple[str, bytes, dict[str, str]]:
    """A signed inbound SMS from `phone`: (MessageSid, body, headers)."""
    sid = "SM" + uuid.uuid4().hex
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": phone,
        "To": OUR_NUMBER,
        "Body": random.choice(BODIES),
        "NumSegments": "1",
        "NumMedia": "0",
        "ApiVersion": "2010-04-01",
    }
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_signature(PUBLIC + SMS_PATH, params),
    }
    return sid, urlencode(params).encode(), headers


def slack_request(payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """A signed Slack interaction (form field `payload`)."""
    body = urlencode({"payload": json.dumps(payload)})
    timestamp = str(int(time.time()))
    digest = hmac.new(
        SIGNING_SECRET.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256
    ).hexdigest()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
    }
    return body.encode(), headers


class RawPool:
    """A minimal HTTP/1.1 client over keep-alive connections: the generator must cost far less
    than the server it measures (httpx spent most of a core at 200 requests/s)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self.host, self.port)

    async def post(self, raw: bytes) -> int:
        """Send one prepared request; its status code."""
        reused = bool(self.idle)
        reader, writer = self.idle.pop() if reused else await self._connect()
        writer.write(raw)
        first = await reader.readline()
        if not first and reused:  # the server closed the idle connection: as a client would,
            writer.close()  # send again on a new one
            reader, writer = await self._connect()
            writer.write(raw)
            first = await reader.readline()
        status = int(first.split()[1])
        length, close, chunked = 0, False, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            key = name.strip().lower()
            if key == b"content-length":
                length = int(value)
            elif key == b"connection":
                close = value.strip().lower() == b"close"
            elif key == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
        if chunked:
            while (size := int((await reader.readline()).strip() or b"0", 16)) > 0:
                await reader.readexactly(size + 2)
            await reader.readline()
        else:
            await reader.readexactly(length)
        if close:
            writer.close()
        else:
            self.idle.append((reader, writer))
        return status


def prepared(path: str, port: int, body: bytes, headers: dict[str, str]) -> bytes:
    """The bytes of a POST as the generator sends it."""
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def offer(
    port: int, path: str, requests: list[tuple[bytes, dict[str, str]]], rate: float, name: str
) -> tuple[Round, list[int]]:
    """Send `requests` open loop at `rate`/s; latencies count from each planned instant."""
    result = Round(name=name, offered=len(requests), rate=rate)
    statuses: list[int] = [0] * len(requests)
    raws = [prepared(path, port, body, headers) for body, headers in requests]
    pool = RawPool("127.0.0.1", port)

    async def one(index: int, planned: float) -> None:
        if time.perf_counter() - planned > 0.05:
            result.late_sends += 1
        try:
            status = await asyncio.wait_for(pool.post(raws[index]), TWILIO_TIMEOUT)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            result.errors += 1
            return
        statuses[index] = status
        if 200 <= status < 300:
            result.latencies.append(time.perf_counter() - planned)
            result.slowest.append((result.latencies[-1], index))
        else:
            result.errors += 1

    start = time.perf_counter() + 0.5
    tasks = []
    for index in range(len(requests)):
        planned = start + index / rate
        delay = planned - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(index, planned)))
    await asyncio.gather(*tasks)
    for _, writer in pool.idle:
        writer.close()
    return result, statuses


@contextmanager
def process(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A child process (its own process group), stopped with SIGTERM then SIGKILL."""
    with log.open("wb") as out:
        child = subprocess.Popen(
            argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield child
        finally:
            for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
                if child.poll() is not None:
                    break
                os.killpg(child.pid, sig)
                try:
                    child.wait(wait)
                except subprocess.TimeoutExpired:
                    continue


def wait_ready(url: str, child: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise SystemExit(f"the server exited: see {log}")
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server did not become ready: see {log}")


def seed(url: str, customers: int, cards: int, env: dict[str, str]) -> list[str]:
    """Customers with SMS consent (their phones) and `cards` review cards posted to Slack."""
    engine = build_engine(url)
    migrate.upgrade(engine)
    phones: list[str] = []
    with unit_of_work(engine) as session:
        for number in range(customers):
            person = add_customer(
                session, external_id=f"bench-{number}", phone=f"+1415{number:07d}"
            )
            assert person.phone is not None
            phones.append(person.phone)
    post_cards(engine, cards, env)
    engine.dispose()
    return phones


def post_cards(engine: Any, cards: int, env: dict[str, str]) -> None:
    """A campaign of `cards` clean SMS drafts, each posted to the fake Slack as a card."""
    from assistant.config import get_settings
    from assistant.review import service as review_service
    from connectors.slack.app import build_runtime
    from connectors.slack.transport import ChannelPacer

    drafts: list[int] = []
    with unit_of_work(engine) as session:
        policy = review_service.guardrail_policy(session)
        campaign = Campaign(name="Load", playbook="upsell", segment="product_fans",
                            channel="sms", status="completed", created_by="bench")  # fmt: skip
        session.add(campaign)
        session.flush()
        for index in range(cards):
            person = Customer(external_id=f"card-{index}", first_name="Maya", last_name="Load")
            session.add(person)
            session.flush()
            draft = _draft(session, key=f"campaign:{campaign.id}:customer:{person.id}",
                           customer=person, campaign_id=campaign.id, body=upsell_body("Maya"),
                           facts=upsell_facts("Maya"), policy=policy)  # fmt: skip
            drafts.append(draft.id)
    saved = dict(os.environ)
    os.environ.update(env)
    get_settings.cache_clear()
    try:
        runtime = build_runtime(get_settings(), engine, pacer=ChannelPacer(0.0))
        for draft_id in drafts:
            runtime.poster.post_draft(draft_id)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()


def stored_once(url: str, sids: list[str]) -> str:
    """'yes' when every answered MessageSid has exactly one row (message or unmatched)."""
    engine = create_engine(url)
    wanted = set(sids)
    with engine.connect() as connection:
        rows = connection.execute(
            select(Message.provider_message_id, func.count())
            .where(Message.direction == "inbound")
            .group_by(Message.provider_message_id)
        ).all()
        unmatched = connection.execute(
            select(UnmatchedInbound.provider_message_id, func.count()).group_by(
                UnmatchedInbound.provider_message_id
            )
        ).all()
    engine.dispose()
    counts: dict[str, int] = {}
    for sid, count in [*rows, *unmatched]:
        counts[str(sid)] = counts.get(str(sid), 0) + int(count)
    missing = sum(1 for sid in wanted if counts.get(sid, 0) == 0)
    doubled = sum(1 for sid in wanted if counts.get(sid, 0) > 1)
    return "yes" if not missing and not doubled else f"no ({missing} missing, {doubled} twice)"


FAKE_SLACK = (
    "import sys, time; sys.path.insert(0, {root!r}); "
    "from tests.fakes.slack_server import FakeSlack; "
    "FakeSlack(users={{'U0ANN': 'Ann Reviewer'}}, port={port}).start(); time.sleep(10**9)"
)


def wait_port(port: int, timeout: float = 30.0) -> None:
    """Until something listens on `port`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port}")


def posted_cards(url: str) -> list[tuple[int, int, str]]:
    """(draft id, version, card ts) of every draft card posted and still awaiting review."""
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(Draft.id, Draft.version, Draft.slack_ts)
            .where(Draft.slack_ts.is_not(None), Draft.state == "pending_review")
            .where(Draft.playbook == "upsell")
            .order_by(Draft.id)
        ).all()
    engine.dispose()
    return [(int(i), int(v), str(ts)) for i, v, ts in rows]


def approve_click(draft_id: int, version: int, ts: str) -> dict[str, Any]:
    """A `block_actions` payload: the reviewer clicked Approve on the draft's card."""
    user = {"id": REVIEWER, "username": "ann", "name": "ann", "team_id": "T0FAKE"}
    return {
        "type": "block_actions",
        "user": user,
        "api_app_id": "A0FAKE",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": ts, "channel_id": CHANNEL},
        "trigger_id": f"{uuid.uuid4().int % 10**12}.4242.abcdef",
        "team": {"id": "T0FAKE", "domain": "fake"},
        "channel": {"id": CHANNEL, "name": "review"},
        "message": {"type": "message", "ts": ts, "text": "", "blocks": []},
        "state": {"values": {}},
        "response_url": "https://hooks.slack.invalid/actions/T0FAKE/1/abc",
        "actions": [
            {
                "action_id": APPROVE,
                "block_id": "draft_actions",
                "value": f"{draft_id}:{version}",
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def run_setup(args: argparse.Namespace, setup: str, work: Path) -> list[Round]:
    """Start the setup's processes, offer both rounds, stop everything."""
    rate = args.rate if setup == "production" else args.embedded_rate
    count = int(rate * args.duration)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "SLACK_"))}
    slack_port = free_port()
    # The fake Slack answers in a process of its own: in the generator's it would compete with
    # sending (the web service calls it for every click).
    fake = process(
        [sys.executable, "-c", FAKE_SLACK.format(root=str(ROOT), port=slack_port)],
        dict(os.environ),
        work / "fake-slack.log",
    )
    fake.__enter__()
    wait_port(slack_port)
    env.update(
        {
            "ASSISTANT_PUBLIC_URL": PUBLIC + "/",
            "ASSISTANT_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
            "ASSISTANT_REVIEW": "slack",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": OUR_NUMBER,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_REVIEW_CHANNEL": CHANNEL,
            "SLACK_API_URL": f"http://127.0.0.1:{slack_port}/api/",
            "SLACK_ALLOWED_USERS": REVIEWER,
        }
    )
    children: list[Any] = []
    database = f"bench_{uuid.uuid4().hex[:8]}"
    admin = None
    try:
        if setup == "production":
            server_url = make_url(args.postgres)
            admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{database}"'))
            url = server_url.set(database=database).render_as_string(hide_password=False)
            redis_port = free_port()
            redis_dir = work / "redis"
            redis_dir.mkdir()
            env["ASSISTANT_BROKER_URL"] = f"redis://127.0.0.1:{redis_port}/0"
            env["ASSISTANT_DATABASE_URL"] = url
            children.append(
                process(
                    [
                        "redis-server",
                        "--port",
                        str(redis_port),
                        "--save",
                        "",
                        "--dir",
                        str(redis_dir),
                    ],
                    env,
                    work / "redis.log",
                )
            )
        else:
            url = f"sqlite:///{work / 'embedded.db'}"
            env["ASSISTANT_DATABASE_URL"] = url
        phones = seed(url, args.customers, args.cards, env)
        stack = [child.__enter__() for child in children]
        assistant = [sys.executable, "-m", "assistant.cli"]
        web_argv = [*assistant, "serve", "--port", str(port)]
        if setup == "production":
            web_argv += ["--workers", str(args.web_workers)]
        web = process(web_argv, env, work / f"{setup}-web.log")
        children.append(web)
        web_child = web.__enter__()
        stack.append(web_child)
        if setup == "production":
            # Workers belong on machines of their own; on this one they run at the lowest CPU
            # priority, so the web tier is measured, not the drafting of 200 suggestions a second.
            worker = process(
                [
                    "nice",
                    "-n",
                    "19",
                    *assistant,
                    "worker",
                    "--concurrency",
                    str(args.celery_workers),
                ],
                env,
                work / f"{setup}-worker.log",
            )
            children.append(worker)
            stack.append(worker.__enter__())
        wait_ready(base, web_child, work / f"{setup}-web.log")
        rounds = []
        warm = [sms_request(random.choice(phones)) for _ in range(WARMUP)]
        asyncio.run(offer(port, SMS_PATH, [(b, h) for _, b, h in warm], 10.0, "warm-up"))
        sms = [sms_request(random.choice(phones)) for _ in range(count)]
        sms_round, statuses = measured(
            web_child.pid,
            offer(port, SMS_PATH, [(b, h) for _, b, h in sms], rate, f"{setup}: inbound SMS"),
        )
        answered = [sid for (sid, _, _), status in zip(sms, statuses, strict=True) if status == 200]
        sms_round.stored = stored_once(url, answered)
        rounds.append(sms_round)
        cards = posted_cards(url)[: args.cards]
        if not cards:
            raise SystemExit("no review card was posted to the fake Slack")
        warm_clicks = [slack_request(approve_click(*cards[-1])) for _ in range(WARMUP)]
        clicks = [slack_request(approve_click(*cards[i % len(cards)])) for i in range(count)]
        asyncio.run(offer(port, SLACK_PATH, warm_clicks, 10.0, "warm-up"))
        slack_round, _ = measured(
            web_child.pid, offer(port, SLACK_PATH, clicks, rate, f"{setup}: Slack clicks")
        )
        rounds.append(slack_round)
        return rounds
    finally:
        for child in reversed(children):
            child.__exit__(None, None, None)
        fake.__exit__(None, None, None)
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--setup", choices=("production", "embedded", "both"), default="both")
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--embedded-rate", type=float, default=50.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--celery-workers", type=int, default=2)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--cards", type=int, default=300)
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--keep", action="store_true", help="Keep the logs' folder.")
    args = parser.parse_args()
    if shutil.which("redis-server") is None and args.setup != "embedded":
        raise SystemExit("redis-server is not installed: the production setup needs it")
    work = Path(tempfile.mkdtemp(prefix="webhook-load-"))
    setups = ("production", "embedded") if args.setup == "both" else (args.setup,)
    load_before = os.getloadavg()
    rounds: list[Round] = []
    try:
        for setup in setups:
            (work / setup).mkdir()
            rounds += run_setup(args, setup, work / setup)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"logs in {work}")
    load_after = os.getloadavg()
    print(
        "| round | offered rate | requests | answered 2xx | errors | p50 ms | p99 ms | max ms "
        "| stored once | web CPU ms/request |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for result in rounds:
        print(result.row())
        worst = sorted(result.slowest, reverse=True)[:8]
        print("  slowest (ms@request#):", ", ".join(f"{lat * 1000:.0f}@{i}" for lat, i in worst))
        if result.late_sends:
            print(f"  ({result.late_sends} requests left the generator >50 ms late)")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")


if __name__ == "__main__":
    main()
