"""Time `count` of every built-in segment on a database holding a refreshed store.

    python benchmarks/segment_counts.py DATABASE_URL [--repeat 3]

Each count runs `--repeat` times in its own transaction; the best and the median are shown.
"""

from __future__ import annotations

import argparse
import statistics
import time

from assistant.db import build_engine, unit_of_work
from assistant.segments import service
from assistant.segments.registry import builtin_segments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engine = build_engine(args.url)
    for name in sorted(builtin_segments()):
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            with unit_of_work(engine) as session:
                total = service.count(session, service.evaluate(session, name))
            times.append(time.perf_counter() - started)
        print(
            f"{name:<22} {total:>9,}  best {min(times):6.2f} s  "
            f"median {statistics.median(times):6.2f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
