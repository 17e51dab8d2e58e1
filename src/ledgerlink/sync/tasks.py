"""Background tasks of the sync engine (ids only in the queue, never secrets)."""

from __future__ import annotations

from django_tasks import task

from ledgerlink.sync import engine


@task()
def run_sync(run_id: int) -> str:
    sync_run = engine.run(run_id)
    return "skipped" if sync_run is None else str(sync_run.status)


@task()
def sweep_sync_runs() -> int:
    return len(engine.sweep())
