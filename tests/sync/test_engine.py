"""The sync engine against a scripted connector: checkpoints, retries, leases, statuses."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ledgerlink.audit.models import AuditEvent
from ledgerlink.connectors.base import (
    AuthorisationError,
    PermanentError,
    RateLimitedError,
    RetryableError,
    TokenExpiredError,
)
from ledgerlink.connectors.models import Connection, ConnectionStatus
from ledgerlink.ledger.models import Bill, BillPayment, PaymentAllocation, Supplier
from ledgerlink.ledger.records import DataType
from ledgerlink.ledger.services import purge_pending
from ledgerlink.relationships.models import ProvisionStatus
from ledgerlink.relationships.services import delete_company
from ledgerlink.sync import engine
from ledgerlink.sync.models import SyncRun, SyncStatus


def sync(connection, **kwargs):
    run = engine.start_sync(connection, enqueue=False, **kwargs.pop("start", {}))
    sleeps = []
    result = engine.run(run.pk, sleep=sleeps.append, **kwargs)
    result.refresh_from_db()
    return result, sleeps


def ledger_snapshot(company):
    return (
        sorted(Supplier.objects.filter(company=company).values_list("source_id", "name")),
        sorted(
            Bill.objects.filter(company=company).values_list(
                "source_id", "total_amount", "amount_due", "supplier__source_id", "is_deleted"
            )
        ),
        sorted(
            BillPayment.objects.filter(company=company).values_list(
                "source_id", "amount", "payment_account_name"
            )
        ),
        sorted(
            PaymentAllocation.objects.filter(payment__company=company).values_list(
                "payment__source_id", "bill__source_id", "amount"
            )
        ),
    )


def test_a_sync_stores_every_record_and_links_them(fake, connection, tenant):
    run, _ = sync(connection)
    assert run.status == SyncStatus.SUCCEEDED
    assert run.progress[DataType.BILLS]["records"] == 10
    assert Bill.objects.filter(company=tenant.company, supplier__isnull=False).count() == 10
    allocation = PaymentAllocation.objects.get(payment__source_id="p1-1")
    assert allocation.bill.source_id == "b1-1"
    # The account the money left from is named on the payment, for method inference.
    assert BillPayment.objects.get(source_id="p1-1").payment_account_name == "Amex Business Card"
    tenant.company.refresh_from_db()
    connection.refresh_from_db()
    assert tenant.company.provision_status == ProvisionStatus.DATA_AVAILABLE
    assert connection.status == ConnectionStatus.DATA_AVAILABLE
    assert connection.sync_state[DataType.BILLS] == "2026-01-01T00:00:00Z"
    assert AuditEvent.objects.filter(action="sync.succeeded", company_id=tenant.company.pk)


def test_syncing_twice_changes_nothing(fake, connection, tenant):
    sync(connection)
    first = ledger_snapshot(tenant.company)
    sync(connection, start={"full": True})
    assert ledger_snapshot(tenant.company) == first


def test_links_whose_target_arrives_in_a_later_sync_are_resolved(fake, connection, tenant):
    """A first sync links records as it stores them and skips the final link join; a link
    left without its target is counted, and a later sync that brings the target links the
    record although the record itself is not read again."""
    fake.records[DataType.BILLS][0]["supplier"] = "s-late"
    fake.records[DataType.BILL_PAYMENTS][1]["bill"] = "b-late"
    first, _ = sync(connection)
    assert first.progress[DataType.BILLS]["unlinked"] == 1
    assert first.progress[DataType.BILL_PAYMENTS]["unlinked"] == 1
    assert Bill.objects.get(source_id="b0-0").supplier is None
    assert PaymentAllocation.objects.get(payment__source_id="p0-1").bill is None
    assert Bill.objects.filter(company=tenant.company, supplier__isnull=False).count() == 9
    later = "2026-03-01T00:00:00Z"
    fake.records[DataType.SUPPLIERS].append({"id": "s-late", "name": "Late", "updated": later})
    fake.records[DataType.BILLS].append(
        {"id": "b-late", "supplier": "s0", "total": "9.00", "due": "9.00", "updated": later}
    )
    second, _ = sync(connection)
    assert second.progress[DataType.BILLS]["records"] == 1  # only the new bill was read
    assert Bill.objects.get(source_id="b0-0").supplier.source_id == "s-late"
    assert PaymentAllocation.objects.get(payment__source_id="p0-1").bill.source_id == "b-late"


def test_transient_errors_are_retried_with_backoff_honouring_retry_after(fake, connection, tenant):
    fake.failures[(DataType.BILLS, 1)] = [
        RateLimitedError("429", retry_after=7),
        RetryableError("503"),
    ]
    run, sleeps = sync(connection)
    assert run.status == SyncStatus.SUCCEEDED
    assert sleeps[0] >= 7  # never sooner than the server asked
    assert len(sleeps) == 2
    # Resumed at the failed page, not from the start: page 0 was fetched once.
    assert fake.fetched.count((DataType.BILLS, 0)) == 1
    assert Bill.objects.filter(company=tenant.company).count() == 10


def test_persistent_failure_fails_the_run_with_an_actionable_message(
    fake, connection, tenant, settings
):
    settings.LEDGERLINK_SYNC_MAX_RETRIES = 2
    fake.failures[(DataType.SUPPLIERS, 0)] = [RetryableError("502 Bad Gateway")] * 5
    run, sleeps = sync(connection)
    assert run.status == SyncStatus.FAILED
    assert "kept failing" in run.message and "502" in run.message
    assert len(sleeps) == 2
    tenant.company.refresh_from_db()
    assert tenant.company.provision_status == ProvisionStatus.FAILED


def test_expired_token_is_refreshed_and_the_page_retried(fake, connection):
    fake.failures[(DataType.BILLS, 0)] = [TokenExpiredError("token_expired")]
    run, _ = sync(connection)
    assert run.status == SyncStatus.SUCCEEDED
    assert fake.refreshed == 1
    connection.refresh_from_db()
    assert connection.refresh_token == "refresh-r1"


def test_token_near_expiry_is_refreshed_before_fetching(fake, connection):
    Connection.objects.filter(pk=connection.pk).update(token_expires_at=timezone.now())
    connection.refresh_from_db()
    run, _ = sync(connection)
    assert run.status == SyncStatus.SUCCEEDED and fake.refreshed == 1


def test_revoked_consent_marks_the_connection_for_reauthorisation(fake, connection, tenant):
    fake.failures[(DataType.SUPPLIERS, 0)] = [AuthorisationError("consent_revoked")]
    run, _ = sync(connection)
    connection.refresh_from_db()
    tenant.company.refresh_from_db()
    assert run.status == SyncStatus.FAILED and "reconnect" in run.message
    assert connection.status == ConnectionStatus.NEEDS_REAUTHORISATION
    assert tenant.company.provision_status == ProvisionStatus.NEEDS_REAUTHORISATION


def test_daily_limit_pauses_the_run_and_the_sweeper_resumes_it(fake, connection, tenant):
    fake.failures[(DataType.BILLS, 1)] = [RateLimitedError("daily", retry_after=3600, daily=True)]
    run, _ = sync(connection)
    assert run.status == SyncStatus.PAUSED and "daily request limit" in run.message
    assert engine.sweep() == []  # not yet
    SyncRun.objects.filter(pk=run.pk).update(resume_after=timezone.now())
    assert engine.sweep() == [run.pk]  # immediate backend: the resumed run completes
    run.refresh_from_db()
    assert run.status == SyncStatus.SUCCEEDED
    assert Bill.objects.filter(company=tenant.company).count() == 10


def test_malformed_records_are_reported_and_the_rest_synced(fake, connection, tenant):
    fake.records[DataType.BILLS][3]["broken"] = True
    run, _ = sync(connection)
    assert run.status == SyncStatus.SUCCEEDED
    assert run.progress[DataType.BILLS]["problems"] == 1
    assert run.problems[0]["problem"] == "amount is not a number"
    assert Bill.objects.filter(company=tenant.company).count() == 9


def test_permanent_errors_fail_at_once(fake, connection):
    fake.failures[(DataType.ACCOUNTS, 0)] = [PermanentError("Scope accounting.read missing")]
    run, sleeps = sync(connection)
    assert run.status == SyncStatus.FAILED and run.message == "Scope accounting.read missing"
    assert sleeps == []


def test_incremental_sync_reads_only_changes_and_applies_deletions(fake, connection, tenant):
    sync(connection)
    fake.records[DataType.BILLS][0].update(due="0.00", updated="2026-03-01T00:00:00Z")
    fake.records[DataType.BILLS][1].update(deleted=True, updated="2026-03-01T00:00:00Z")
    fake.fetched.clear()
    run, _ = sync(connection)
    assert run.progress[DataType.BILLS]["records"] == 1
    assert run.progress[DataType.BILLS]["deleted"] == 1
    assert Bill.objects.get(source_id="b0-0").status == "paid"
    assert Bill.objects.get(source_id="b0-1").is_deleted
    assert (DataType.SUPPLIERS, 1) not in fake.fetched  # unchanged suppliers not re-read


def test_full_sync_marks_records_gone_at_the_source_as_deleted(fake, connection):
    sync(connection)
    removed = fake.records[DataType.BILLS].pop()
    sync(connection, start={"full": True})
    assert Bill.objects.get(source_id=removed["id"]).is_deleted


def test_a_run_held_by_a_live_worker_cannot_be_claimed(fake, connection):
    run = engine.start_sync(connection, enqueue=False)
    assert engine.claim(run.pk, "worker-a")
    assert engine.run(run.pk, owner="worker-b") is None
    assert engine.sweep() == []


def test_a_run_whose_worker_died_resumes_from_its_checkpoint(fake, connection, tenant):
    run = engine.start_sync(connection, enqueue=False)

    class Killed(BaseException):
        pass

    def die_after_two_bill_pages(sync_run):
        if sync_run.progress[DataType.BILLS]["records"] >= 6:
            raise Killed

    with pytest.raises(Killed):
        engine.run(run.pk, owner="doomed", on_page=die_after_two_bill_pages)
    run.refresh_from_db()
    assert run.status == SyncStatus.RUNNING and run.progress[DataType.BILLS]["cursor"] == "2"
    SyncRun.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now() - timedelta(1))
    fake.fetched.clear()
    assert engine.sweep() == [run.pk]
    run.refresh_from_db()
    assert run.status == SyncStatus.SUCCEEDED and run.attempts == 2
    assert (DataType.BILLS, 0) not in fake.fetched  # continued from the checkpoint
    assert Bill.objects.filter(company=tenant.company).count() == 10


def test_a_worker_that_lost_its_lease_stops_writing(fake, connection, tenant):
    run = engine.start_sync(connection, enqueue=False)

    def steal(sync_run):
        SyncRun.objects.filter(pk=sync_run.pk).update(lease_owner="usurper")

    engine.run(run.pk, owner="slow", on_page=steal)
    assert Supplier.objects.filter(company=tenant.company).count() == 0
    assert Bill.objects.filter(company=tenant.company).count() == 0


def test_only_one_active_run_per_connection(fake, connection):
    first = engine.start_sync(connection, enqueue=False)
    assert engine.start_sync(connection, enqueue=False).pk == first.pk


def test_deleting_a_company_deletes_its_ledger(fake, connection, tenant, other_tenant):
    """The ledger's company key has no database constraint (bulk loads) and no cascade:
    the purge after the company's deletion removes every record of it and only those."""
    sync(connection)
    other = Bill.objects.create(
        company=other_tenant.company,
        source="fake",
        source_id="b-other",
        issue_date="2026-01-01",
        currency="GBP",
        total_amount=1,
        amount_due=1,
        status="open",
    )
    company_id = tenant.company.pk
    assert Bill.objects.filter(company_id=company_id).exists()
    delete_company(company=tenant.company, actor=tenant.admin)
    purge_pending()
    for model in (Supplier, Bill, BillPayment):
        assert not model.objects.filter(company_id=company_id).exists()
    assert not PaymentAllocation.objects.filter(payment__company_id=company_id).exists()
    assert Bill.objects.filter(pk=other.pk).exists()
