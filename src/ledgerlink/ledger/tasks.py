"""Background tasks of the ledger (nothing but ids in the queue)."""

from __future__ import annotations

from django_tasks import task

from ledgerlink.ledger import services


@task()
def purge_ledgers() -> int:
    """Delete the ledger records of deleted companies (see services.purge_later)."""
    return services.purge_pending()


@task()
def refresh_ledger_statistics(data_types: list[str]) -> None:
    """ANALYZE the tables of these data types after a large import (see replace_source)."""
    known = [t for t in data_types if t in services.MODEL_FOR]
    if known:
        services.refresh_statistics([*known])
