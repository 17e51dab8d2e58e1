"""Background tasks of the ledger (nothing but ids in the queue)."""

from __future__ import annotations

from django_tasks import task

from ledgerlink.ledger import services


@task()
def purge_ledgers() -> int:
    """Delete the ledger records of deleted companies (see services.purge_later)."""
    return services.purge_pending()
