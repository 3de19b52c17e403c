"""Time a trigger run on a database holding a refreshed store (nothing is kept).

    python benchmarks/trigger_run.py DATABASE_URL [--as-of DATE]

Per trigger step: occasions found (one statement per kind) and the time to find them, then
the eligibility gate and the queueing (occasion rows, day campaign, members) in batches of
500, as `assistant triggers run` does; drafting is only collected, not run. The whole run is
rolled back at the end, so the database is unchanged and the benchmark can be repeated.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from assistant.db import build_engine, session_factory
from assistant.jobs.runners import CollectingRunner
from assistant.models.base import utcnow
from assistant.triggers import service
from assistant.triggers.config import load_triggers
from assistant.triggers.occasions import Scope
from assistant.triggers.tasks import context_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None)
    args = parser.parse_args()
    from assistant.config import get_settings

    engine = build_engine(args.url)
    config = load_triggers()
    context = context_for(get_settings(), args.as_of, utcnow())
    session = session_factory(engine)()
    total = time.perf_counter()
    try:
        for trigger in config.triggers.values():
            for step in range(1, len(trigger.steps) + 2):
                started = time.perf_counter()
                scope = Scope(context.as_of, context.brand_zone)
                found = service.step_occasions(session, trigger, step, scope)
                found_in = time.perf_counter() - started
                started = time.perf_counter()
                report = service._queue(
                    session, trigger, step, found, context, CollectingRunner(), dry_run=False
                )
                queued_in = time.perf_counter() - started
                print(
                    f"{trigger.name:<20} step {step}: {report.matched:>7,} found in "
                    f"{found_in:6.2f} s; {report.queued:>7,} queued, "
                    f"gate + queue {queued_in:6.2f} s"
                )
        print(f"total {time.perf_counter() - total:.2f} s (as of {context.as_of})")
    finally:
        session.rollback()
        session.close()
        engine.dispose()


if __name__ == "__main__":
    main()
