"""No run is left running: unexpected errors, workers that keep dying, lost tasks, token
refresh failures and disconnection all end a run (or hand it on) cleanly."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ledgerlink.connectors.base import RetryableError, TokenExpiredError
from ledgerlink.connectors.models import Connection, ConnectionStatus
from ledgerlink.connectors.services import disconnect
from ledgerlink.ledger.models import Bill
from ledgerlink.ledger.records import DataType
from ledgerlink.relationships.models import ProvisionStatus
from ledgerlink.sync import engine
from ledgerlink.sync.models import SyncRun, SyncStatus
from ledgerlink.sync.tasks import run_sync

from .fake import FakeConnector, install, sample_records
from .test_engine import sync


class Killed(BaseException):
    """Stands for the worker process dying (SIGKILL, OOM): nothing in the run catches it."""


def expire_lease(run):
    SyncRun.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now() - timedelta(1))


# --- unexpected errors ------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["fetch", "map"])
def test_an_unexpected_error_fails_the_run_with_a_message_to_act_on(
    fake, connection, tenant, caplog, where
):
    if where == "fetch":
        fake.failures[(DataType.BILLS, 1)] = [ValueError("secret internals /srv/x.py")]
    else:
        fake.records[DataType.BILLS][4]["total"] = "not-a-number"  # Decimal() raises
    with caplog.at_level(logging.ERROR, logger="ledgerlink.sync.engine"):
        run, _ = sync(connection)
    assert run.status == SyncStatus.FAILED
    assert run.lease_owner == "" and run.finished_at is not None
    assert "unexpected" in run.message and f"sync run {run.pk}" in run.message
    assert "secret internals" not in run.message  # details go to the log only
    assert "failed on an unexpected error" in caplog.text
    tenant.company.refresh_from_db()
    connection.refresh_from_db()
    assert tenant.company.provision_status == ProvisionStatus.FAILED
    assert connection.status == ConnectionStatus.FAILED
    # What was stored before the error is kept: the first page of bills.
    assert Bill.objects.filter(company=tenant.company).count() == 3


# --- workers that keep dying ------------------------------------------------------------------


def die_on_bills(sync_run):
    if sync_run.progress[DataType.BILLS]["records"]:
        raise Killed


def test_a_run_that_keeps_killing_its_worker_is_failed_after_n_claims(
    fake, connection, tenant, settings
):
    settings.LEDGERLINK_SYNC_MAX_CRASHES = 3
    run = engine.start_sync(connection, enqueue=False)
    for attempt in range(3):
        with pytest.raises(Killed):
            engine.run(run.pk, owner=f"worker-{attempt}", on_page=die_on_bills)
        expire_lease(run)
    # The third death is the last: the sweeper fails the run instead of re-enqueueing it.
    assert engine.sweep() == []
    run.refresh_from_db()
    assert run.status == SyncStatus.FAILED and run.attempts == 3 and run.crashes == 3
    assert "stopped unexpectedly 3 times" in run.message and str(run.pk) in run.message
    assert run.lease_owner == "" and run.lease_expires_at is None
    tenant.company.refresh_from_db()
    assert tenant.company.provision_status == ProvisionStatus.FAILED
    assert engine.run(run.pk, owner="worker-x") is None  # and no worker takes it again


def test_a_worker_claiming_a_run_over_the_crash_limit_fails_it(fake, connection, settings):
    settings.LEDGERLINK_SYNC_MAX_CRASHES = 2
    run = engine.start_sync(connection, enqueue=False)
    for attempt in range(2):
        with pytest.raises(Killed):
            engine.run(run.pk, owner=f"worker-{attempt}", on_page=die_on_bills)
        expire_lease(run)
    assert engine.run(run.pk, owner="worker-late") is None  # e.g. a task enqueued earlier
    run.refresh_from_db()
    assert run.status == SyncStatus.FAILED and "2 times" in run.message


def test_pauses_and_retries_do_not_count_as_crashes(fake, connection, settings):
    settings.LEDGERLINK_SYNC_MAX_CRASHES = 1
    run = engine.start_sync(connection, enqueue=False)
    # A pause resumed by a new claim is not a crash.
    SyncRun.objects.filter(pk=run.pk).update(status=SyncStatus.PAUSED, resume_after=timezone.now())
    assert engine.claim(run.pk, "worker-a")
    run.refresh_from_db()
    assert run.crashes == 0 and run.status == SyncStatus.RUNNING


# --- queued runs whose task was lost ----------------------------------------------------------


def test_the_sweeper_re_enqueues_queued_runs_whose_task_vanished(
    fake, connection, tenant, settings
):
    settings.LEDGERLINK_SYNC_REQUEUE_MINUTES = 10
    run = engine.start_sync(connection, enqueue=False)  # as if the enqueue was lost
    assert engine.sweep() == []  # young: a worker may simply be busy
    SyncRun.objects.filter(pk=run.pk).update(enqueued_at=timezone.now() - timedelta(minutes=11))
    assert engine.sweep() == [run.pk]  # immediate backend: the run completes
    run.refresh_from_db()
    assert run.status == SyncStatus.SUCCEEDED
    assert Bill.objects.filter(company=tenant.company).count() == 10


def test_the_sweeper_leaves_queued_runs_whose_task_still_waits(fake, connection, settings):
    settings.LEDGERLINK_SYNC_REQUEUE_MINUTES = 10
    run = engine.start_sync(connection, enqueue=False)
    SyncRun.objects.filter(pk=run.pk).update(enqueued_at=timezone.now() - timedelta(minutes=30))
    DBTaskResult.objects.create(
        task_path=run_sync.module_path,
        args_kwargs={"args": [run.pk], "kwargs": {}},
        backend_name="default",
        queue_name="default",
        run_after=timezone.now(),
    )
    assert engine.sweep() == []  # the workers are behind, the task is not lost
    run.refresh_from_db()
    assert run.status == SyncStatus.QUEUED


# --- token refresh errors ---------------------------------------------------------------------


def expiring(connection):
    Connection.objects.filter(pk=connection.pk).update(token_expires_at=timezone.now())
    connection.refresh_from_db()


def test_a_transient_refresh_error_is_retried_like_a_page(fake, connection):
    expiring(connection)
    fake.refresh_failures = [RetryableError("503 from the token endpoint", retry_after=2)]
    run, sleeps = sync(connection)
    assert run.status == SyncStatus.SUCCEEDED
    assert sleeps and sleeps[0] >= 2
    assert fake.refreshed == 1


def test_a_refresh_that_keeps_failing_fails_the_run(fake, connection, settings):
    settings.LEDGERLINK_SYNC_MAX_RETRIES = 2
    expiring(connection)
    fake.refresh_error = RetryableError("503 from the token endpoint")
    run, sleeps = sync(connection)
    assert run.status == SyncStatus.FAILED and "kept failing" in run.message
    assert len(sleeps) == 2


def test_a_refresh_after_an_expired_token_is_inside_the_error_handling(fake, connection):
    fake.failures[(DataType.BILLS, 0)] = [TokenExpiredError("token_expired")]
    fake.refresh_failures = [RetryableError("502 from the token endpoint")]
    run, sleeps = sync(connection)
    assert run.status == SyncStatus.SUCCEEDED
    assert len(sleeps) == 1 and fake.refreshed == 1


def test_an_unexpected_refresh_error_fails_the_run(fake, connection):
    expiring(connection)
    fake.refresh_error = KeyError("access_token")
    run, _ = sync(connection)
    assert run.status == SyncStatus.FAILED and "unexpected" in run.message


# --- disconnection ----------------------------------------------------------------------------


def test_a_queued_run_of_a_disconnected_connection_is_cancelled(fake, connection, tenant):
    run = engine.start_sync(connection, enqueue=False)
    disconnect(connection)
    result = engine.run(run.pk)
    assert result is not None
    run.refresh_from_db()
    connection.refresh_from_db()
    assert run.status == SyncStatus.CANCELLED and "disconnected" in run.message
    assert run.lease_owner == "" and run.finished_at is not None
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert fake.fetched == []
    assert Bill.objects.filter(company=tenant.company).count() == 0


def test_disconnecting_stops_a_running_sync(fake, connection, tenant):
    def disconnect_after_first_bill_page(sync_run):
        if sync_run.progress[DataType.BILLS]["records"] == 3:
            disconnect(Connection.objects.get(pk=connection.pk))

    run, _ = sync(connection, on_page=disconnect_after_first_bill_page)
    connection.refresh_from_db()
    tenant.company.refresh_from_db()
    assert run.status == SyncStatus.CANCELLED and "disconnected" in run.message
    assert connection.status == ConnectionStatus.DISCONNECTED  # not "data available"
    assert tenant.company.provision_status != ProvisionStatus.DATA_AVAILABLE
    # The page being stored when it noticed was rolled back with its checkpoint.
    assert Bill.objects.filter(company=tenant.company).count() == 3
    assert run.progress[DataType.BILLS]["records"] == 3


def test_a_disconnected_run_is_not_mistaken_for_revoked_consent(connection, tenant):
    """The platform refuses the erased tokens: still a cancellation, not a re-authorisation."""
    from ledgerlink.connectors.base import AuthorisationError

    connector = FakeConnector(records=sample_records())
    connector.failures[(DataType.SUPPLIERS, 1)] = [AuthorisationError("invalid_token")]
    install(connector)

    def disconnect_at_first_supplier_page(sync_run):
        if sync_run.progress[DataType.SUPPLIERS]["records"] == 3:
            Connection.objects.filter(pk=connection.pk).update(
                status=ConnectionStatus.DISCONNECTED,
                access_token_encrypted="",
            )

    run, _ = sync(connection, on_page=disconnect_at_first_supplier_page)
    connection.refresh_from_db()
    assert run.status == SyncStatus.CANCELLED
    assert connection.status == ConnectionStatus.DISCONNECTED
