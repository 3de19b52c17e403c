"""Threads that would keep the test process alive after pytest's summary.

The interpreter waits at exit for every non-daemon thread. `concurrent.futures` pool workers
are joined too, but its exit hook first tells idle ones to stop, so only a worker in the
middle of a job counts. tests/conftest.py runs
this at the end of the session and fails the run if any remain.
"""

from __future__ import annotations

import itertools
import sys
import threading
import time
import traceback
from concurrent.futures import thread as futures_thread
from types import FrameType


def _stack(frame: FrameType | None) -> list[FrameType]:
    """Innermost first."""
    frames: list[FrameType] = []
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    return frames


def _idle_pool_worker(thread: threading.Thread, frame: FrameType | None) -> bool:
    if getattr(thread, "_target", None) is not futures_thread._worker:
        return False
    stack = _stack(frame)
    if stack and stack[0].f_code is futures_thread._worker.__code__:
        return True  # blocked in the (C) work queue's get: waiting for work
    for inner, outer in itertools.pairwise(stack):
        if outer.f_code is futures_thread._worker.__code__:
            return inner.f_code.co_name == "get"  # a pure-Python queue's get
    return True  # not started or already leaving


def blocking_threads() -> list[threading.Thread]:
    """Threads the interpreter would wait for at exit, right now."""
    frames = sys._current_frames()
    found = []
    for thread in threading.enumerate():
        if thread is threading.main_thread() or thread is threading.current_thread():
            continue
        if not thread.is_alive():
            continue
        if getattr(thread, "_target", None) is futures_thread._worker:
            if not _idle_pool_worker(thread, frames.get(thread.ident or -1)):
                found.append(thread)
        elif not thread.daemon:
            found.append(thread)
    return found


def wait_for_blocking_threads(grace: float) -> list[threading.Thread]:
    """The blocking threads still there after up to `grace` seconds."""
    deadline = time.monotonic() + grace
    while True:
        found = blocking_threads()
        if not found or time.monotonic() >= deadline:
            return found
        time.sleep(0.05)


def describe(threads: list[threading.Thread]) -> list[str]:
    """One line per thread (name, daemon flag) and where it is."""
    frames = sys._current_frames()
    lines = []
    for thread in threads:
        frame = frames.get(thread.ident or -1)
        where = traceback.format_stack(frame, limit=3) if frame is not None else []
        lines.append(f"{thread.name} (daemon={thread.daemon}):")
        lines.extend("    " + part.strip().replace("\n", " | ") for part in where)
    return lines
