"""The hook the import and webhook code calls: evaluate the triggers for the customers a
batch touched, after its commit (`triggers.evaluate`, in chunks).

Light on purpose (no drafting imports): an import or a webhook route imports only this.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from assistant.jobs.runners import TaskRunner, enqueue_after_commit

EVALUATE_TASK = "triggers.evaluate"
# Customers per task: a big import becomes several tasks of bounded size.
CHUNK = 5000


def evaluate_after_commit(
    session: Session, runner: TaskRunner, customer_ids: Iterable[int], *, chunk: int = CHUNK
) -> int:
    """Queue `triggers.evaluate` for `customer_ids` (row ids) once `session` commits; how many
    tasks were queued (none for no customers)."""
    ids = sorted(set(customer_ids))
    chunks = [ids[i : i + chunk] for i in range(0, len(ids), chunk)]
    for part in chunks:
        enqueue_after_commit(session, runner, EVALUATE_TASK, customer_ids=part)
    return len(chunks)
