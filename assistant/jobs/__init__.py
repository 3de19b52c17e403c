"""Background work: named task functions and the runners that execute them.

Tasks are plain functions registered by name (`@task("delivery.tick")`). A runner executes
them: in-process (the embedded default) or on Celery workers when ASSISTANT_BROKER_URL is set.
Work queued inside a unit of work is handed to the runner only after it commits.
"""
