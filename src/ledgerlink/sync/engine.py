"""Runs a sync: pulls each data type page by page into the unified ledger.

Crash safety: a run is claimed with a conditional UPDATE and holds a lease that every page
renews. Each page's records and the run's checkpoint (cursor, counts) commit in one
transaction, so a worker killed at any point leaves the ledger and the checkpoint in step;
the sweeper hands a run whose lease lapsed to another worker, which continues from the
checkpoint. Upserts are idempotent, so a page fetched twice changes nothing.

Throughput: a sync is a pipeline, so the platform, the mapping and the database work at the
same time. A background thread fetches pages over HTTP and another maps them to ledger rows
(`Runner.prepare_page`: pure Python, no database); on PostgreSQL two writer threads, each on
its own connection, store consecutive pages at once and commit them in page order
(`PageWriters`). Each page is still one transaction with its checkpoint, and a fetch error
reaches the engine after the pages fetched before it are stored, as if there were no
threads. A connector's `fetch` and `map` (and its optional `map_rows`, a whole page straight
to rows) run in the background threads and must not use the database.

Page transactions commit without waiting for the WAL flush (PostgreSQL's
`synchronous_commit = off`, for those transactions only): a crash of the database server
itself can lose the last fraction of a second of commits, but each page together with its
checkpoint, so the ledger and the checkpoint stay in step and the run re-reads those pages.
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import queue
import random
import socket
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from types import TracebackType
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db import connection as db
from django.db.models import Case, F, PositiveIntegerField, Q, When
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
from ledgerlink.connectors.sandbox.streams import parse_time
from ledgerlink.connectors.services import fresh_token, mark_needs_reauthorisation
from ledgerlink.ledger import services as ledger
from ledgerlink.ledger.models import Account
from ledgerlink.ledger.records import BillPaymentRecord, DataType, ExpenseRecord
from ledgerlink.relationships.models import Company, ProvisionStatus
from ledgerlink.relationships.services import notify_data_available
from ledgerlink.sync.models import SyncRun, SyncStatus

logger = logging.getLogger(__name__)
MAX_PROBLEMS_KEPT = 200
DAILY_LIMIT_PAUSE = timedelta(hours=1)
# Above this many records, table statistics are refreshed before links are resolved.
BULK_LOAD = 5000
# Pages fetched (and mapped) ahead of the one being stored.
PAGES_AHEAD = 1
# Database connections storing pages at once (PostgreSQL; commits stay in page order).
WRITERS = 2
LINKS_SUPPLIERS = (DataType.BILLS, DataType.BILL_PAYMENTS, DataType.EXPENSES)
# Data types whose pages look records of earlier ones up (allocations name bills).
LOOKS_UP = {DataType.BILL_PAYMENTS: (DataType.BILLS,)}
T = TypeVar("T")


class LeaseLost(Exception):
    """Another worker took the run over (our lease lapsed); stop without writing."""


class RunCancelled(Exception):
    """The connection was disconnected: the run ends without writing more."""


class RunFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RunPaused(Exception):
    def __init__(self, message: str, resume_after: timedelta) -> None:
        super().__init__(message)
        self.message = message
        self.resume_after = resume_after


class Prefetcher(Generic[T]):
    """Iterates `source` in a background thread, up to `ahead` items in advance.

    The items come out in order, then the exception that ended `source`, if one did.
    Closing (or leaving the `with` block) makes the thread stop after the item it is
    working on and close `source`.
    """

    def __init__(self, source: Iterator[T], *, ahead: int = PAGES_AHEAD, name: str = "") -> None:
        self._source = source
        self._queue: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=max(1, ahead))
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"sync-{name or 'prefetch'}", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        try:
            for item in self._source:
                if not self._put((True, item)):
                    return
            self._put((False, None))
        except BaseException as error:
            self._put((False, error))
        finally:
            close = getattr(self._source, "close", None)
            if close is not None:
                close()
            for opened in connections.all(initialized_only=True):
                opened.close()  # should `source` have used the database after all

    def _put(self, message: tuple[bool, Any]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(message, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[T]:
        while True:
            more, item = self._queue.get()
            if more:
                yield item
            elif item is None:
                return
            else:
                raise item

    def close(self) -> None:
        self._stop.set()

    def __enter__(self) -> Prefetcher[T]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


@dataclass
class PreparedPage:
    """A fetched page, mapped and ready to store."""

    page: Page
    rows: ledger.Prepared
    problems: list[tuple[Any, str]] = field(default_factory=list)  # (raw record id, problem)
    keys: frozenset[str] = frozenset()  # source ids of the page's records


class _Aborted(Exception):
    """A page before this one failed: roll this one back."""


class PageWriters:
    """Stores consecutive pages on `count` database connections at once.

    Each page is still one transaction with the checkpoint after it, and pages commit in
    order: a writer does the page's work (COPY, foreign key checks), then waits until the
    page before is committed before it writes the checkpoint and commits. When a page fails
    (or `on_page` raises after it), the pages after it roll back, so the ledger and the
    checkpoint stay in step exactly as with one connection. Pages sharing records are not
    written at the same time.
    """

    def __init__(self, runner: Runner, data_type: str, count: int = WRITERS) -> None:
        self._runner = runner
        self._data_type = data_type
        self._inbox: queue.Queue[tuple[int, PreparedPage] | None] = queue.Queue(maxsize=1)
        self._turn = threading.Condition()
        self._committed = 0  # pages committed; the next to commit has this index
        self._failed_at: int | None = None
        self._failure: BaseException | None = None
        self._submitted = 0
        self._in_flight: list[tuple[int, frozenset[str]]] = []
        self._threads = [
            threading.Thread(target=self._work, name=f"sync-writer-{n}", daemon=True)
            for n in range(count)
        ]
        for thread in self._threads:
            thread.start()

    def _work(self) -> None:
        try:
            while True:
                item = self._inbox.get()
                if item is None:
                    return
                index, prepared = item
                try:
                    self._runner.store_prepared(
                        self._data_type, prepared, turn=functools.partial(self._wait, index)
                    )
                except _Aborted:
                    continue  # an earlier page failed and says why
                except BaseException as error:  # handed to the main thread
                    self._fail(index, error)
                    continue
                with self._turn:
                    self._committed = index + 1
                    self._turn.notify_all()
        finally:
            for opened in connections.all(initialized_only=True):
                opened.close()

    def _wait(self, index: int) -> None:
        with self._turn:
            while self._committed != index and not self._aborts(index):
                self._turn.wait()
            if self._aborts(index):
                raise _Aborted

    def _aborts(self, index: int) -> bool:
        return self._failed_at is not None and self._failed_at < index

    def _fail(self, index: int, error: BaseException) -> None:
        with self._turn:
            if self._failed_at is None or index < self._failed_at:
                self._failed_at, self._failure = index, error
            self._turn.notify_all()

    def _check(self) -> None:
        if self._failure is not None:
            raise self._failure

    def submit(self, prepared: PreparedPage) -> None:
        """Hand a page to the next free writer (waits while all are busy)."""
        with self._turn:
            while self._failure is None and any(
                index >= self._committed and not prepared.keys.isdisjoint(keys)
                for index, keys in self._in_flight
            ):
                self._turn.wait()  # it shares records with a page still being written
            self._check()
            self._in_flight = [(i, k) for i, k in self._in_flight if i >= self._committed]
            self._in_flight.append((self._submitted, prepared.keys))
        item = (self._submitted, prepared)
        while True:
            self._check()
            try:
                self._inbox.put(item, timeout=0.2)
                break
            except queue.Full:
                continue
        self._submitted += 1

    def finish(self) -> BaseException | None:
        """Wait until the writers have stored every page handed over; returns the failure."""
        for _ in self._threads:
            self._inbox.put(None)
        for thread in self._threads:
            thread.join()
        return self._failure


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def lease() -> timedelta:
    return timedelta(seconds=settings.LEDGERLINK_SYNC_LEASE_SECONDS)


# --- starting runs ----------------------------------------------------------------------------


def _since(connector: Any, watermark: str | None) -> str | None:
    """The watermark an incremental read starts from, or None for a full read: also when the
    watermark is older than the platform can report deletions for (`incremental_horizon`)."""
    horizon: timedelta | None = getattr(connector, "incremental_horizon", None)
    if watermark and horizon is not None:
        moment = parse_time(watermark)
        if moment is not None and moment < timezone.now() - horizon:
            return None
    return watermark


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
                "since": None if full else _since(connector, connection.sync_state.get(dt)),
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
    """Take the run if it is free: queued, its worker's lease lapsed, or its pause over.

    A run whose workers keep dying on it (the lease lapsed `LEDGERLINK_SYNC_MAX_CRASHES`
    times) is failed instead of claimed again: something in it kills the worker.
    """
    now = timezone.now()
    if give_up_crashed(Q(pk=run_id)):
        return False
    lapsed = Q(status=SyncStatus.RUNNING, lease_expires_at__lt=now)
    claimable = (
        Q(status=SyncStatus.QUEUED) | lapsed | Q(status=SyncStatus.PAUSED, resume_after__lte=now)
    )
    return bool(
        SyncRun.objects.filter(claimable, pk=run_id).update(
            status=SyncStatus.RUNNING,
            lease_owner=owner,
            lease_expires_at=now + lease(),
            attempts=F("attempts") + 1,
            # The old status, as every SET expression reads the row before the update.
            crashes=Case(
                When(status=SyncStatus.RUNNING, then=F("crashes") + 1),
                default=F("crashes"),
                output_field=PositiveIntegerField(),
            ),
            resume_after=None,
        )
    )


def give_up_crashed(runs: Q) -> list[int]:
    """Fail the runs among `runs` whose worker died mid-run too often; returns their ids."""
    now = timezone.now()
    doomed = list(
        SyncRun.objects.filter(
            runs,
            status=SyncStatus.RUNNING,
            lease_expires_at__lt=now,
            crashes__gte=settings.LEDGERLINK_SYNC_MAX_CRASHES - 1,
        ).select_related("connection", "company", "organisation")
    )
    failed = []
    for sync_run in doomed:
        message = (
            f"The sync stopped unexpectedly {sync_run.crashes + 1} times in a row and was "
            "not restarted again. Try Update reports later; if it happens again, contact "
            f"support quoting sync run {sync_run.pk}."
        )
        ended = SyncRun.objects.filter(
            pk=sync_run.pk,
            status=SyncStatus.RUNNING,
            lease_owner=sync_run.lease_owner,
            lease_expires_at__lt=now,
        ).update(
            status=SyncStatus.FAILED,
            message=message,
            crashes=F("crashes") + 1,
            lease_owner="",
            lease_expires_at=None,
            finished_at=now,
        )
        if not ended:
            continue  # another sweeper or worker got there first
        logger.error("sync %s: worker died %s times; failed", sync_run.pk, sync_run.crashes + 1)
        sync_run.status, sync_run.message = SyncStatus.FAILED, message
        _record_end(sync_run)
        _set_statuses(sync_run, ConnectionStatus.FAILED, ProvisionStatus.FAILED)
        failed.append(sync_run.pk)
    return failed


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
        self.pages_stored = 0
        # Per data type: whether the company had none of its records when this worker
        # started on it, and the source ids of the pages handed over since.
        self._new: dict[str, tuple[bool, set[str]]] = {}
        # Per data type this worker stored: whether the company had records of it (from
        # this source) before. Unknown (another worker started the run): assume it had.
        self._had_rows: dict[str, bool] = {}
        self._analyzed: set[str] = set()  # data types stored and analyzed since

    # checkpointing

    def checkpoint(self, *, extra_lease: float = 0) -> None:
        updated = (
            SyncRun.objects.filter(pk=self.run.pk, lease_owner=self.owner)
            .exclude(connection__status=ConnectionStatus.DISCONNECTED)
            .update(
                progress=self.run.progress,
                problems=self.run.problems[-MAX_PROBLEMS_KEPT:],
                lease_expires_at=timezone.now() + lease() + timedelta(seconds=extra_lease),
            )
        )
        if not updated:
            if disconnected(self.connection):
                raise RunCancelled
            raise LeaseLost(f"run {self.run.pk} was taken over")

    def account_names(self) -> dict[str, str]:
        if self._accounts is None:
            self._accounts = dict(
                Account.objects.filter(company=self.company, source=self.source).values_list(
                    "source_id", "name"
                )
            )
        return self._accounts

    def prepare_page(
        self,
        data_type: str,
        page: Page,
        names: Mapping[str, str] | None,
        *,
        copy: bool,
        suppliers: Mapping[str, int] | None = None,
    ) -> PreparedPage:
        """Map a page and build its rows. Pure Python: the mapping thread runs it."""
        map_rows = getattr(self.connector, "map_rows", None)
        if map_rows is not None:
            fields, items, problems = map_rows(data_type, page.records)
        else:
            fields, items, problems = None, [], []
            for raw in page.records:
                result = self.connector.map(data_type, raw)
                if result.record is None:
                    problems.append((raw.get("id", ""), result.problem))
                else:
                    items.append(result.record)
        if names is not None:
            _join_account_names(items, fields, names)
        rows = ledger.prepare(data_type, items, fields, copy=copy, suppliers=suppliers)
        return PreparedPage(page, rows, problems, frozenset(rows.source_ids_of()))

    def store_page(self, data_type: str, page: Page) -> None:
        names = (
            self.account_names()
            if data_type in (DataType.BILL_PAYMENTS, DataType.EXPENSES)
            else None
        )
        self.store_prepared(
            data_type, self.prepare_page(data_type, page, names, copy=db.vendor == "postgresql")
        )

    def store_prepared(
        self,
        data_type: str,
        prepared: PreparedPage,
        *,
        turn: Callable[[], None] | None = None,
    ) -> None:
        """Store a page and the checkpoint after it in one transaction.

        `turn` (parallel writers) waits until the page before is committed: the checkpoint,
        and so the commit, follow the pages' order.
        """
        state = self.run.progress[data_type]
        page = prepared.page
        postgres = db.vendor == "postgresql"
        before: tuple[dict[str, Any], int] | None = None
        try:
            with transaction.atomic():
                if postgres:
                    # Do not wait for the WAL flush at commit (see the module docstring).
                    with db.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit TO OFF")
                stored = ledger.store(self.company, self.source, prepared.rows)
                if turn is not None:
                    if postgres:  # check foreign keys now, while the page before commits
                        with db.cursor() as cursor:
                            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    turn()
                before = (dict(state), len(self.run.problems))
                for raw_id, problem in prepared.problems:
                    state["problems"] += 1
                    self.run.problems.append(
                        {"data_type": data_type, "id": str(raw_id)[:100], "problem": problem[:300]}
                    )
                state["records"] += stored.upserted
                state["deleted"] += stored.deleted
                if stored.unlinked:
                    state["unlinked"] = state.get("unlinked", 0) + stored.unlinked
                state["cursor"] = page.next_cursor
                if page.watermark and (
                    not state["watermark"] or page.watermark > state["watermark"]
                ):
                    state["watermark"] = page.watermark
                self.checkpoint()
        except BaseException:
            if before is not None:  # rolled back: so is the progress counted for the page
                state.clear()
                state.update(before[0])
                del self.run.problems[before[1] :]
            raise
        self.pages_stored += 1
        if data_type == DataType.ACCOUNTS:
            self._accounts = None
        if self.on_page is not None:
            self.on_page(self.run)

    def store_pages(self, data_type: str, context: FetchContext) -> None:
        """Fetch, map and store the pages from `context` on, until the last or an error.

        An error fetching a page reaches the caller after the pages before it are stored.
        On PostgreSQL, outside a caller's transaction (other connections cannot see into
        one), the pages are written by `PageWriters`; otherwise here, one after another.
        """
        if data_type not in self._new:
            self.refresh_statistics_for(data_type)
            empty = not ledger.has_rows(self.company, self.source, data_type)
            self._new[data_type] = (empty, set())
            self._had_rows.setdefault(data_type, not empty)
        pages = self.prepared_pages(data_type, context)
        try:
            if db.vendor != "postgresql" or db.in_atomic_block:
                for prepared in pages:
                    self.mark_new(data_type, prepared)
                    self.store_prepared(data_type, prepared)
                    if prepared.page.next_cursor is None:
                        break
                return
            writers = PageWriters(self, data_type)
            try:
                for prepared in pages:
                    self.mark_new(data_type, prepared)
                    writers.submit(prepared)
                    if prepared.page.next_cursor is None:
                        break
            except BaseException as error:
                failure = writers.finish()  # store what was handed over first
                if failure is not None and failure is not error:
                    raise failure from error
                raise
            failure = writers.finish()
            if failure is not None:
                raise failure
        finally:
            pages.close()  # stops the background threads

    def refresh_statistics_for(self, data_type: str) -> None:
        """Before storing `data_type`, analyze the tables its pages look up in that this run
        filled in bulk: the records it looks up elsewhere (bills, for bill payments) and
        those of its own an earlier attempt stored. Planned with statistics from before the
        load, a lookup reads all of the company's rows for every page."""
        progress = self.run.progress
        stale = [
            looked_up
            for looked_up in (data_type, *LOOKS_UP.get(data_type, ()))
            if looked_up not in self._analyzed
            and progress.get(looked_up, {}).get("records", 0) > BULK_LOAD
        ]
        if stale:
            ledger.refresh_statistics(stale)
            # The final refresh can leave out the tables nothing writes to any more.
            self._analyzed.update(t for t in stale if progress[t]["done"])

    def mark_new(self, data_type: str, prepared: PreparedPage) -> None:
        """Tell the ledger a page holds only new records, when that is known without a look:
        the company had no records of the type and no earlier page had these ids. (A page
        that failed to store only makes the pages after it look again.)"""
        empty, seen = self._new[data_type]
        if empty and seen.isdisjoint(prepared.keys):
            prepared.rows.fresh = True
        seen.update(prepared.keys)

    def prepared_pages(
        self, data_type: str, context: FetchContext
    ) -> Generator[PreparedPage, None, None]:
        """The pages from `context` on, fetched and mapped ahead by two background threads."""
        names = (
            self.account_names()  # read here: the threads do not touch the database
            if data_type in (DataType.BILL_PAYMENTS, DataType.EXPENSES)
            else None
        )
        copy = db.vendor == "postgresql"
        # Suppliers are synced before what refers to them: link to them while mapping.
        suppliers = (
            ledger.supplier_links(self.company, self.source)
            if copy and data_type in LINKS_SUPPLIERS
            else None
        )
        with Prefetcher(self.connector.fetch(context), name="fetch") as fetched:
            mapped = (
                self.prepare_page(data_type, page, names, copy=copy, suppliers=suppliers)
                for page in fetched
            )
            with Prefetcher(mapped, name="map") as prepared:
                yield from prepared

    def sync_data_type(self, data_type: str) -> None:
        state = self.run.progress[data_type]
        failures = 0
        expired_refreshes = 0
        force_refresh = False
        while not state["done"]:
            stored_before = self.pages_stored
            try:
                # Inside the handling below: a refresh can hit a 429, a 5xx or a refresh
                # claimed by another worker for too long, and is retried like a page.
                context = FetchContext(
                    token=fresh_token(self.connection, force=force_refresh),
                    tenant_id=self.connection.tenant_id,
                    data_type=data_type,
                    cursor=state["cursor"],
                    modified_since=state["since"],
                )
                force_refresh = False
                try:
                    self.store_pages(data_type, context)
                finally:
                    if self.pages_stored > stored_before:
                        failures = 0  # count failures in a row only
                state["done"] = True
                self.checkpoint()
                self._new.pop(data_type, None)
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
                force_refresh = True  # at the top of the loop, inside this handling
                continue
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
            ledger.refresh_statistics(skip=sorted(self._analyzed))
        if self.links_to_resolve():
            ledger.resolve_links(self.company, self.source)
        started = self.run.started_at or self.run.created_at
        for data_type, state in self.run.progress.items():
            # A full read: what was not returned is gone. Nothing can be when the company
            # had none of these records before this run (all were stored by it).
            if state["since"] is None and self._had_rows.get(data_type, True):
                state["deleted"] += ledger.mark_unseen_deleted(
                    self.company, self.source, data_type, started
                )

    def links_to_resolve(self) -> bool:
        """Whether `ledger.resolve_links` can find anything to link: a link this run stored
        without its target (counted per page, in the checkpoint), or records from before
        the run (their targets may have arrived now). A first sync links every record as it
        is stored, so on a million records this saves a join over all of them."""
        if any(state.get("unlinked", 0) for state in self.run.progress.values()):
            return True
        return any(self._had_rows.get(data_type, True) for data_type in LINKS_SUPPLIERS)


def _join_account_names(
    items: list[Any], fields: tuple[str, ...] | None, names: Mapping[str, str]
) -> None:
    """Name the account a payment or expense was paid from, for method inference."""
    at = name_at = -1
    if fields is not None:
        at = fields.index("payment_account_source_id")
        name_at = fields.index("payment_account_name")
    for item in items:
        if type(item) is list:
            if item[at] and not item[name_at]:
                item[name_at] = names.get(item[at], "")
        elif isinstance(item, BillPaymentRecord | ExpenseRecord) and (
            item.payment_account_source_id and not item.payment_account_name
        ):
            item.payment_account_name = names.get(item.payment_account_source_id, "")


_GC_LOCK = threading.Lock()
_GC_USERS = 0
_GC_SAVED: tuple[int, int, int] = (700, 10, 10)


@contextmanager
def bulk_gc() -> Iterator[None]:
    """Let Python's cyclic garbage collector run less often while a sync runs.

    A sync allocates millions of short-lived containers (parsed pages, rows: about 40 a
    record); with the default thresholds the collector keeps rescanning the pages in flight
    and takes about as much CPU as the mapping itself; even one young collection per 50,000
    allocations (every 1,250 records, each rescanning the pages in flight) took 13% of the
    syncing process's CPU. Nearly all of them are freed by reference counting; the few cycles
    (httpx responses) can wait. The objects that exist when the first sync starts are
    frozen out of collection, and young collections wait for a million allocations; both
    are undone when the last sync running in the process ends.
    """
    global _GC_USERS, _GC_SAVED
    with _GC_LOCK:
        if _GC_USERS == 0:
            _GC_SAVED = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(
                max(_GC_SAVED[0], 1_000_000), max(_GC_SAVED[1], 20), max(_GC_SAVED[2], 100)
            )
        _GC_USERS += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_USERS -= 1
            if _GC_USERS == 0:
                gc.set_threshold(*_GC_SAVED)
                gc.unfreeze()


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
    try:
        if disconnected(sync_run.connection):
            raise RunCancelled
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
        with bulk_gc():
            runner.execute()
    except LeaseLost:
        logger.warning("sync %s: lease lost, another worker continues", run_id)
        return sync_run
    except Exception as error:
        _end_unsuccessfully(sync_run, owner, error)
        return sync_run
    _succeed(sync_run, owner)
    return sync_run


def disconnected(connection: Connection) -> bool:
    return Connection.objects.filter(pk=connection.pk).values_list("status", flat=True).first() in (
        None,
        ConnectionStatus.DISCONNECTED,
    )


def _end_unsuccessfully(sync_run: SyncRun, owner: str, error: Exception) -> None:
    """End the run for `error`: every exception ends it, none leaves it running."""
    if isinstance(error, RunCancelled) or disconnected(sync_run.connection):
        # Whatever failed (the tokens are erased, the platform refuses them) failed
        # because the client disconnected: that is the story, not a re-authorisation.
        _finish(
            sync_run,
            owner,
            SyncStatus.CANCELLED,
            "The connection was disconnected, so the sync stopped. Data synced before "
            "then is kept; ask the client to connect again to sync more.",
        )
    elif isinstance(error, RunPaused):
        _finish(
            sync_run,
            owner,
            SyncStatus.PAUSED,
            error.message,
            resume_after=timezone.now() + error.resume_after,
        )
    elif isinstance(error, AuthorisationError):
        mark_needs_reauthorisation(sync_run.connection, str(error))
        _finish(
            sync_run,
            owner,
            SyncStatus.FAILED,
            "The client's authorisation has lapsed or was withdrawn: ask them to reconnect.",
        )
    elif isinstance(error, RunFailed | PermanentError):
        message = error.message if isinstance(error, RunFailed) else str(error)
        _finish(sync_run, owner, SyncStatus.FAILED, message)
        _set_statuses(sync_run, ConnectionStatus.FAILED, ProvisionStatus.FAILED)
    else:
        # A bug or an outage we did not foresee: the details go to the log (they may hold
        # internals), the analyst gets what to do and a reference to quote.
        logger.exception("sync %s: failed on an unexpected error", sync_run.pk)
        kind = "database" if isinstance(error, DatabaseError) else "internal"
        _finish(
            sync_run,
            owner,
            SyncStatus.FAILED,
            f"The sync stopped on an unexpected {kind} error ({type(error).__name__}). "
            "Data synced before then is kept. Try Update reports again; if it fails again, "
            f"contact support quoting sync run {sync_run.pk}.",
        )
        _set_statuses(sync_run, ConnectionStatus.FAILED, ProvisionStatus.FAILED)


def _activity_company(sync_run: SyncRun) -> int:
    return sync_run.company.parent_id or sync_run.company_id


def _set_statuses(sync_run: SyncRun, connection_status: str, provision: str) -> None:
    Connection.objects.filter(pk=sync_run.connection_id).exclude(
        status__in=[ConnectionStatus.NEEDS_REAUTHORISATION, ConnectionStatus.DISCONNECTED]
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
        _record_end(sync_run)


def _record_end(sync_run: SyncRun) -> None:
    record(
        organisation=sync_run.organisation,
        actor=None,
        actor_kind="system",
        action=f"sync.{sync_run.status}",
        summary=f"Sync {sync_run.status}: {sync_run.message}"[:300],
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
    if connection.status not in (
        ConnectionStatus.NEEDS_REAUTHORISATION,
        ConnectionStatus.DISCONNECTED,
    ):
        connection.status = ConnectionStatus.DATA_AVAILABLE
    connection.save()
    previous = (
        Company.objects.filter(pk=sync_run.company_id)
        .values_list("provision_status", flat=True)
        .first()
    )
    Company.objects.filter(pk=sync_run.company_id).update(
        provision_status=ProvisionStatus.DATA_AVAILABLE, last_synced_at=now
    )
    if previous != ProvisionStatus.DATA_AVAILABLE:
        # The assigned analysts hear when a company's data first becomes available.
        company_id = sync_run.company_id
        transaction.on_commit(lambda: notify_data_available(company_id))
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
    # New data: the company's reports (its parent's, for an entity) are rebuilt.
    from ledgerlink.reports.services import schedule_after_data_change

    schedule_after_data_change(sync_run.company)


# --- the sweeper ------------------------------------------------------------------------------


def sweep() -> list[int]:
    """Re-enqueue the runs that need a worker; returns their ids.

    Those are runs whose worker died (lease lapsed; failed instead once their workers died
    `LEDGERLINK_SYNC_MAX_CRASHES` times), whose pause is over, and queued runs that no
    worker started within `LEDGERLINK_SYNC_REQUEUE_MINUTES` whose task is no longer in the
    queue (lost with a purged queue or a failed enqueue). A run enqueued twice is harmless:
    only one worker can claim it.
    """
    from ledgerlink.sync.tasks import run_sync

    now = timezone.now()
    give_up_crashed(Q())
    forgotten = now - timedelta(minutes=settings.LEDGERLINK_SYNC_REQUEUE_MINUTES)
    stale = list(
        SyncRun.objects.filter(
            Q(status=SyncStatus.RUNNING, lease_expires_at__lt=now)
            | Q(status=SyncStatus.PAUSED, resume_after__lte=now)
            | Q(status=SyncStatus.QUEUED, enqueued_at__lt=forgotten)
        )
        .order_by("pk")
        .values_list("pk", "status")
    )
    waiting = _runs_waiting_in_queue()
    requeued = []
    for run_id, status in stale:
        if status == SyncStatus.QUEUED:
            if run_id in waiting:
                continue  # the workers are busy, not the task lost
            SyncRun.objects.filter(pk=run_id, status=SyncStatus.QUEUED).update(enqueued_at=now)
        logger.warning("sync %s (%s): re-enqueued", run_id, status)
        run_sync.enqueue(run_id)
        requeued.append(run_id)
    return requeued


def _runs_waiting_in_queue() -> set[int]:
    """Ids of the runs with a `run_sync` task still waiting or running in the task queue
    (the database backend; other backends keep no queue to look into)."""
    from django.apps import apps

    if not apps.is_installed("django_tasks_db"):
        return set()
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from ledgerlink.sync.tasks import run_sync

    waiting: set[int] = set()
    for args_kwargs in DBTaskResult.objects.filter(
        task_path=run_sync.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    ).values_list("args_kwargs", flat=True):
        args = (args_kwargs.get("args") or []) if isinstance(args_kwargs, dict) else []
        if args and isinstance(args[0], int):
            waiting.add(args[0])
    return waiting
