"""The end-of-session check for threads that would keep pytest from exiting."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.threadcheck import blocking_threads, describe, wait_for_blocking_threads


def test_a_waiting_non_daemon_thread_is_reported_until_it_ends() -> None:
    release = threading.Event()
    thread = threading.Thread(target=release.wait, name="left-running")
    thread.start()
    try:
        assert thread in blocking_threads()
        assert any("left-running" in line for line in describe([thread]))
    finally:
        release.set()
        thread.join()
    assert thread not in wait_for_blocking_threads(grace=5)


def test_daemon_threads_and_idle_pool_workers_do_not_count() -> None:
    release = threading.Event()
    daemon = threading.Thread(target=release.wait, name="daemon", daemon=True)
    daemon.start()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="idle-pool")
    pool.submit(lambda: None).result()
    try:
        names = {t.name for t in wait_for_blocking_threads(grace=5)}
        assert "daemon" not in names
        assert not any(name.startswith("idle-pool") for name in names)
    finally:
        release.set()
        pool.shutdown()
        daemon.join()


def test_a_pool_worker_in_the_middle_of_a_job_counts() -> None:
    release = threading.Event()
    started = threading.Event()

    def job() -> None:
        started.set()
        release.wait()

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="busy-pool")
    pool.submit(job)
    try:
        assert started.wait(30)
        assert any(t.name.startswith("busy-pool") for t in blocking_threads())
    finally:
        release.set()
        pool.shutdown(wait=True)
