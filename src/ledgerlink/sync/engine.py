"""Runs a sync: pulls each data type page by page into the unified ledger.

Crash safety: a run is claimed with a conditional UPDATE and holds a lease that every page
renews. Each page's records and the run's checkpoint (cursor, counts) commit in one
transaction, so a worker killed at any point leaves the ledger and the checkpoint in step;
the sweeper hands a run whose lease lapsed to another worker, which continues from the
checkpoint. Upserts are idempotent, so a page fetched twice changes nothing.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ledgerlink.audit.services import record
from ledgerlink.connectors import registry
from ledgerlink.connectors.base import (
    AuthorisationError,
    Connector,
    FetchContext,
    Page,
    PermanentError,
    RateLimitedError,
    RetryableError,
    TokenExpiredError,
)
from ledgerlink.connectors.models import Connection, ConnectionStatus
from ledgerlink.connectors.services import fresh_token, mark_needs_reauthorisation
from ledgerlink.ledger import services as ledger
from ledgerlink.ledger.models import Account
from ledgerlink.ledger.records import BillPaymentRecord, DataType, ExpenseRecord
from ledgerlink.relationships.models import Company, ProvisionStatus
from ledgerlink.sync.models import SyncRun, SyncStatus

logger = logging.getLogger(__name__)
MAX_PROBLEMS_KEPT = 200
DAILY_LIMIT_PAUSE = timedelta(hours=1)
# Above this many records, table statistics are refreshed before links are resolved.
BULK_LOAD = 5000


class LeaseLost(Exception):
    """Another worker took the run over (our lease lapsed); stop without writing."""


class RunFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RunPaused(Exception):
    def __init__(self, message: str, resume_after: timedelta) -> None:
        super().__init__(message)
        self.message = message
        self.resume_after = resume_after


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def lease() -> timedelta:
    return timedelta(seconds=settings.LEDGERLINK_SYNC_LEASE_SECONDS)


# --- starting runs ----------------------------------------------------------------------------


def start_sync(
    connection: Connection,
    *,
    full: bool = False,
    data_types: tuple[str, ...] | None = None,
    enqueue: bool = True,
) -> SyncRun:
    """Queue a sync of the connection; an unfinished run is reused instead of doubled."""
    from ledgerlink.sync.tasks import run_sync

    with transaction.atomic():
        # Lock the connection so two callers cannot both start a run; read its state fresh.
        connection = Connection.objects.select_for_update().get(pk=connection.pk)
        active = SyncRun.objects.filter(
            connection=connection,
            status__in=[SyncStatus.QUEUED, SyncStatus.RUNNING, SyncStatus.PAUSED],
        ).first()
        if active is not None:
            return active
        connector = registry.get(connection.platform)
        wanted = data_types or connector.data_types
        progress: dict[str, dict[str, Any]] = {
            dt: {
                "records": 0,
                "deleted": 0,
                "problems": 0,
                "done": False,
                "cursor": None,
                "watermark": None,
                "since": None if full else connection.sync_state.get(dt),
            }
            for dt in DataType.ALL
            if dt in wanted
        }
        run = SyncRun.objects.create(
            organisation_id=connection.organisation_id,
            company_id=connection.company_id,
            connection=connection,
            data_types=list(progress),
            progress=progress,
        )
        if enqueue:
            transaction.on_commit(lambda: run_sync.enqueue(run.pk))
    return run


# --- running ----------------------------------------------------------------------------------


def claim(run_id: int, owner: str) -> bool:
    now = timezone.now()
    claimable = (
        Q(status=SyncStatus.QUEUED)
        | Q(status=SyncStatus.RUNNING, lease_expires_at__lt=now)
        | Q(status=SyncStatus.PAUSED, resume_after__lte=now)
    )
    return bool(
        SyncRun.objects.filter(claimable, pk=run_id).update(
            status=SyncStatus.RUNNING,
            lease_owner=owner,
            lease_expires_at=now + lease(),
            attempts=F("attempts") + 1,
            resume_after=None,
        )
    )


@dataclass
class Runner:
    run: SyncRun
    owner: str
    connector: Connector
    sleep: Callable[[float], None] = time.sleep
    on_page: Callable[[SyncRun], None] | None = None

    def __post_init__(self) -> None:
        self.connection = self.run.connection
        self.company: Company = self.run.company
        self.source = self.connection.platform
        self._accounts: dict[str, str] | None = None

    # checkpointing

    def checkpoint(self, *, extra_lease: float = 0) -> None:
        updated = SyncRun.objects.filter(pk=self.run.pk, lease_owner=self.owner).update(
            progress=self.run.progress,
            problems=self.run.problems[-MAX_PROBLEMS_KEPT:],
            lease_expires_at=timezone.now() + lease() + timedelta(seconds=extra_lease),
        )
        if not updated:
            raise LeaseLost(f"run {self.run.pk} was taken over")

    def account_names(self) -> dict[str, str]:
        if self._accounts is None:
            self._accounts = dict(
                Account.objects.filter(company=self.company, source=self.source).values_list(
                    "source_id", "name"
                )
            )
        return self._accounts

    def store_page(self, data_type: str, page: Page) -> None:
        state = self.run.progress[data_type]
        records = []
        for raw in page.records:
            result = self.connector.map(data_type, raw)
            if result.record is None:
                state["problems"] += 1
                self.run.problems.append(
                    {
                        "data_type": data_type,
                        "id": str(raw.get("id", ""))[:100],
                        "problem": result.problem[:300],
                    }
                )
                continue
            records.append(result.record)
        if data_type in (DataType.BILL_PAYMENTS, DataType.EXPENSES):
            names = self.account_names()
            for item in records:
                if isinstance(item, BillPaymentRecord | ExpenseRecord) and (
                    item.payment_account_source_id and not item.payment_account_name
                ):
                    item.payment_account_name = names.get(item.payment_account_source_id, "")
        with transaction.atomic():
            stored = ledger.upsert(self.company, self.source, data_type, records)
            state["records"] += stored.upserted
            state["deleted"] += stored.deleted
            state["cursor"] = page.next_cursor
            if page.watermark and (not state["watermark"] or page.watermark > state["watermark"]):
                state["watermark"] = page.watermark
            self.checkpoint()
        if data_type == DataType.ACCOUNTS:
            self._accounts = None
        if self.on_page is not None:
            self.on_page(self.run)

    def sync_data_type(self, data_type: str) -> None:
        state = self.run.progress[data_type]
        failures = 0
        expired_refreshes = 0
        while not state["done"]:
            token = fresh_token(self.connection)
            context = FetchContext(
                token=token,
                tenant_id=self.connection.tenant_id,
                data_type=data_type,
                cursor=state["cursor"],
                modified_since=state["since"],
            )
            try:
                for page in self.connector.fetch(context):
                    self.store_page(data_type, page)
                    failures = 0
                    if page.next_cursor is None:
                        break
                state["done"] = True
                self.checkpoint()
            except RateLimitedError as limited:
                if limited.daily:
                    raise RunPaused(
                        f"{self.connector.name}'s daily request limit is used up; "
                        "the sync continues by itself later.",
                        timedelta(seconds=limited.retry_after)
                        if limited.retry_after
                        else DAILY_LIMIT_PAUSE,
                    ) from limited
                failures = self.back_off(failures, limited)
            except TokenExpiredError:
                expired_refreshes += 1
                if expired_refreshes > 3:
                    raise
                fresh_token(self.connection, force=True)
            except RetryableError as transient:
                failures = self.back_off(failures, transient)

    def back_off(self, failures: int, error: RetryableError) -> int:
        failures += 1
        if failures > settings.LEDGERLINK_SYNC_MAX_RETRIES:
            raise RunFailed(
                f"{self.connector.name} kept failing ({error}); tried {failures} times. "
                "Try again later with Update reports."
            )
        delay = delay_for(failures, error.retry_after)
        logger.info("sync %s: %s; retrying in %.1fs", self.run.pk, error, delay)
        self.checkpoint(extra_lease=delay)
        self.sleep(delay)
        return failures

    def execute(self) -> None:
        for data_type in self.run.data_types:
            self.sync_data_type(data_type)
        if self.run.records_total > BULK_LOAD:
            ledger.refresh_statistics()
        ledger.resolve_links(self.company, self.source)
        started = self.run.started_at or self.run.created_at
        for data_type, state in self.run.progress.items():
            if state["since"] is None:  # a full read: what was not returned is gone
                state["deleted"] += ledger.mark_unseen_deleted(
                    self.company, self.source, data_type, started
                )


def delay_for(failures: int, retry_after: float | None) -> float:
    """Exponential back-off with full jitter, never sooner than the server asked."""
    base = min(60.0, 0.5 * 2 ** (failures - 1))
    jittered = random.uniform(base / 2, base)
    return max(jittered, retry_after or 0.0)


def run(
    run_id: int,
    *,
    owner: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_page: Callable[[SyncRun], None] | None = None,
) -> SyncRun | None:
    """Claim and execute a run. Returns None when another worker holds it."""
    owner = owner or worker_id()
    if not claim(run_id, owner):
        return None
    sync_run = SyncRun.objects.select_related(
        "connection", "company", "organisation", "connection__company"
    ).get(pk=run_id)
    if sync_run.started_at is None:
        sync_run.started_at = timezone.now()
        SyncRun.objects.filter(pk=run_id).update(started_at=sync_run.started_at)
        _set_statuses(sync_run, ConnectionStatus.SYNCING, ProvisionStatus.SYNCING)
        record(
            organisation=sync_run.organisation,
            actor=None,
            actor_kind="system",
            action="sync.started",
            summary=f"Sync started ({sync_run.connection})",
            company_id=_activity_company(sync_run),
            target=sync_run,
        )
    runner = Runner(sync_run, owner, registry.get(sync_run.connection.platform), sleep, on_page)
    try:
        runner.execute()
    except LeaseLost:
        logger.warning("sync %s: lease lost, another worker continues", run_id)
        return sync_run
    except RunPaused as paused:
        _finish(
            sync_run,
            owner,
            SyncStatus.PAUSED,
            paused.message,
            resume_after=timezone.now() + paused.resume_after,
        )
        return sync_run
    except AuthorisationError as denied:
        mark_needs_reauthorisation(sync_run.connection, str(denied))
        _finish(
            sync_run,
            owner,
            SyncStatus.FAILED,
            "The client's authorisation has lapsed or was withdrawn: ask them to reconnect.",
        )
        return sync_run
    except (RunFailed, PermanentError) as failure:
        message = failure.message if isinstance(failure, RunFailed) else str(failure)
        _finish(sync_run, owner, SyncStatus.FAILED, message)
        _set_statuses(sync_run, ConnectionStatus.FAILED, ProvisionStatus.FAILED)
        return sync_run
    _succeed(sync_run, owner)
    return sync_run


def _activity_company(sync_run: SyncRun) -> int:
    return sync_run.company.parent_id or sync_run.company_id


def _set_statuses(sync_run: SyncRun, connection_status: str, provision: str) -> None:
    Connection.objects.filter(pk=sync_run.connection_id).exclude(
        status=ConnectionStatus.NEEDS_REAUTHORISATION
    ).update(status=connection_status, updated_at=timezone.now())
    Company.objects.filter(pk=sync_run.company_id).update(provision_status=provision)


def _finish(
    sync_run: SyncRun, owner: str, status: str, message: str, *, resume_after: Any = None
) -> None:
    now = timezone.now()
    SyncRun.objects.filter(pk=sync_run.pk, lease_owner=owner).update(
        status=status,
        message=message[:2000],
        progress=sync_run.progress,
        problems=sync_run.problems[-MAX_PROBLEMS_KEPT:],
        lease_owner="",
        lease_expires_at=None,
        resume_after=resume_after,
        finished_at=None if status == SyncStatus.PAUSED else now,
    )
    sync_run.status = status
    sync_run.message = message
    if status != SyncStatus.PAUSED:
        record(
            organisation=sync_run.organisation,
            actor=None,
            actor_kind="system",
            action=f"sync.{status}",
            summary=f"Sync {status}: {message}"[:300],
            company_id=_activity_company(sync_run),
            target=sync_run,
        )


@transaction.atomic
def _succeed(sync_run: SyncRun, owner: str) -> None:
    now = timezone.now()
    connection = Connection.objects.select_for_update().get(pk=sync_run.connection_id)
    for data_type, state in sync_run.progress.items():
        watermark = state.get("watermark") or state.get("since")
        if watermark:
            connection.sync_state[data_type] = watermark
    connection.last_synced_at = now
    if connection.status != ConnectionStatus.NEEDS_REAUTHORISATION:
        connection.status = ConnectionStatus.DATA_AVAILABLE
    connection.save()
    Company.objects.filter(pk=sync_run.company_id).update(
        provision_status=ProvisionStatus.DATA_AVAILABLE, last_synced_at=now
    )
    if sync_run.company.parent_id:
        Company.objects.filter(pk=sync_run.company.parent_id).update(last_synced_at=now)
    SyncRun.objects.filter(pk=sync_run.pk, lease_owner=owner).update(
        status=SyncStatus.SUCCEEDED,
        progress=sync_run.progress,
        problems=sync_run.problems[-MAX_PROBLEMS_KEPT:],
        lease_owner="",
        lease_expires_at=None,
        finished_at=now,
        message="",
    )
    sync_run.status = SyncStatus.SUCCEEDED
    counts = ", ".join(
        f"{DataType.LABELS[dt].lower()} {state['records']}"
        for dt, state in sync_run.progress.items()
    )
    skipped = sum(int(state["problems"]) for state in sync_run.progress.values())
    record(
        organisation=sync_run.organisation,
        actor=None,
        actor_kind="system",
        action="sync.succeeded",
        summary=(f"Sync finished: {counts}" + (f"; {skipped} records skipped" if skipped else ""))[
            :300
        ],
        company_id=_activity_company(sync_run),
        target=sync_run,
        data={dt: state["records"] for dt, state in sync_run.progress.items()},
    )


# --- the sweeper ------------------------------------------------------------------------------


def sweep() -> list[int]:
    """Re-enqueue runs whose worker died (lease lapsed) or whose pause is over."""
    from ledgerlink.sync.tasks import run_sync

    now = timezone.now()
    stale = list(
        SyncRun.objects.filter(
            Q(status=SyncStatus.RUNNING, lease_expires_at__lt=now)
            | Q(status=SyncStatus.PAUSED, resume_after__lte=now)
        ).values_list("pk", flat=True)
    )
    for run_id in stale:
        logger.warning("sync %s: lease lapsed or pause over; re-enqueued", run_id)
        run_sync.enqueue(run_id)
    return stale
