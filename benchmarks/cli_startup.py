"""Time `assistant` start-up: `--help` and `sms segments hi`, optionally beside another tree.

    python benchmarks/cli_startup.py [--repeat 10] [--before PATH_TO_OLD_CHECKOUT]

Each command runs as `python -m assistant.cli ...` with PYTHONPATH set to the tree under
test, `--repeat` times after one warm-up. Wall time suffers on a busy machine, so the CPU
time the child used (user + system) is reported beside it; compare the ratios of one run.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = (("--help",), ("sms", "segments", "hi"))
HERE = Path(__file__).resolve().parent.parent


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(tree: Path, args: tuple[str, ...], repeat: int) -> tuple[float, float]:
    """Median wall seconds and median child CPU seconds of `assistant ARGS` from `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, "-m", "assistant.cli", *args]
    subprocess.run(command, env=env, capture_output=True, check=True)
    walls, cpus = [], []
    for _ in range(repeat):
        cpu, wall = _child_cpu(), time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=True)
        walls.append(time.perf_counter() - wall)
        cpus.append(_child_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--before", type=Path, help="an older checkout to compare with")
    options = parser.parse_args()
    trees = [("this tree", HERE)]
    if options.before:
        trees.insert(0, ("before", options.before.resolve()))
    print(f"load average {os.getloadavg()[0]:.2f} at start")
    print("| tree | command | wall (median) | CPU (median) |")
    print("| --- | --- | ---: | ---: |")
    for label, tree in trees:
        for args in COMMANDS:
            wall, cpu = measure(tree, args, options.repeat)
            print(f"| {label} | `assistant {' '.join(args)}` | {wall:.3f} s | {cpu:.3f} s |")
    print(f"load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
