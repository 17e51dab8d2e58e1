"""Reports follow data changes (a completed sync; a failed one changes nothing), and the
loader copies the ledger into the insight frames exactly (both databases)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import polars as pl
from django.utils import timezone

from ledgerlink.connectors.base import PermanentError
from ledgerlink.connectors.models import Connection
from ledgerlink.ledger.models import Bill, BillPayment, Expense, Supplier
from ledgerlink.reports import services
from ledgerlink.reports.loader import load_frames
from ledgerlink.reports.models import Report, ReportStatus
from ledgerlink.sync import engine
from ledgerlink.sync.models import SyncStatus

from ..sync.fake import FakeConnector, install, sample_records
from .test_builds import import_fixture


def connect(company, tenant_id="t-1"):
    return Connection.objects.create(
        organisation=company.organisation,
        company=company,
        platform="fake",
        tenant_id=tenant_id,
        tenant_name="Fake Tenant Ltd",
        access_token="access-0",
        refresh_token="refresh-0",
        token_expires_at=timezone.now() + timedelta(minutes=30),
    )


def test_a_completed_sync_of_an_entity_queues_its_parents_reports(
    tenant, other_tenant, django_capture_on_commit_callbacks
):
    install(FakeConnector(records=sample_records()))
    run = engine.start_sync(connect(tenant.entity), enqueue=False)
    with django_capture_on_commit_callbacks(execute=False):
        result = engine.run(run.pk)
    assert result is not None and result.status == SyncStatus.SUCCEEDED
    queued = Report.objects.filter(company=tenant.company)
    assert queued.count() >= 7
    assert set(queued.values_list("status", flat=True)) == {ReportStatus.QUEUED}
    assert not Report.objects.filter(company=tenant.entity).exists()
    assert not Report.objects.filter(company=other_tenant.company).exists()


def test_a_failed_sync_queues_nothing(tenant, other_tenant):
    fake = FakeConnector(records=sample_records())
    fake.failures[("bills", 0)] = [PermanentError("the platform said no")]
    install(fake)
    run = engine.start_sync(connect(tenant.company), enqueue=False)
    assert engine.run(run.pk).status == SyncStatus.FAILED
    assert not Report.objects.exists()


def test_the_loader_copies_the_ledger_exactly(tenant, other_tenant):
    import_fixture(tenant.company)
    import_fixture(other_tenant.company)
    frames = load_frames(tenant.company)
    bills = frames.bills.sort("source_id")
    ledger = list(
        Bill.objects.filter(company=tenant.company)
        .order_by("source_id")
        .values_list("source_id", "total_amount", "amount_due", "exchange_rate", "issue_date")
    )
    assert (
        bills.select(
            "source_id", "total_amount", "amount_due", "exchange_rate", "issue_date"
        ).rows()
        == ledger
    )
    assert bills["total_amount"].dtype == pl.Decimal(20, 4)
    assert set(bills["company_name"]) == {tenant.company.name}
    assert frames.bills.height == Bill.objects.filter(company=tenant.company).count()
    assert not frames.bills["is_deleted"].any()
    payments = frames.bill_payments
    assert payments.height == BillPayment.objects.filter(company=tenant.company).count()
    assert "Current" in payments["payment_account_name"].to_list()
    expenses = frames.expenses.sort("source_id")
    assert expenses["amount"].to_list() == list(
        Expense.objects.filter(company=tenant.company)
        .order_by("source_id")
        .values_list("amount", flat=True)
    )
    assert expenses["supplier_name"].to_list()[0] == "Rail Travel Ltd"
    assert expenses["expense_date"].to_list()[0] == date(2024, 3, 20)
    suppliers = frames.suppliers.sort("source_id")
    seen = Supplier.objects.get(company=tenant.company, source_id="S1").first_seen_at
    first = suppliers.filter(pl.col("source_id") == "S1").row(0, named=True)
    assert abs(first["first_seen_at"] - seen.astimezone(UTC)) < timedelta(seconds=1)
    assert first["default_terms_days"] == 30
    allocations = frames.allocations
    # P1 pays B1 100 and B2 150 (its third row, 25, is not allocated to a bill).
    assert sorted(allocations["amount"].to_list()) == [Decimal(100), Decimal(150)]
    assert set(allocations["payment_date"]) == {date(2024, 1, 20)}
    assert frames.companies["base_currency"].to_list()[0] == "GBP"
    assert frames.companies.height == 2  # the company and its entity


def test_a_window_reads_only_what_the_period_needs(tenant, other_tenant):
    import_fixture(tenant.company)
    frames = load_frames(tenant.company, start=date(2024, 3, 1), end=date(2024, 3, 31))
    assert frames.expenses.height == 2
    assert frames.bill_payments.height == 0
    assert frames.bills.height == 3  # bills before the window name payments' suppliers
    params = services.parameters_for(tenant.company, today=date(2024, 7, 1))
    assert (params.start, params.end) == (date(2023, 7, 1), date(2024, 6, 30))
    assert datetime.now(UTC)  # keeps the UTC import honest
