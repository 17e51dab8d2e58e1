"""Xero deletions and voids that only an incremental sync can see, through to the reports:
a deleted batch payment (its payments deleted with it, its bills owed again) and a voided
spend-money transaction. The figures before and after come from the built Spend Analysis."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from ledgerlink.connectors.models import Connection
from ledgerlink.ledger.models import Bill, BillPayment, Expense
from ledgerlink.reports.models import Report
from ledgerlink.sync import engine
from ledgerlink.sync.models import SyncRun, SyncStatus

from ..conftest import make_tenant
from ..journey.test_xero_qbo_reports import period
from .xero_support import connect

pytestmark = pytest.mark.django_db(transaction=True)


def sync(connection: Connection) -> SyncRun:
    run = engine.start_sync(connection, enqueue=False)
    engine.run(run.pk, sleep=lambda s: None)
    run = SyncRun.objects.get(pk=run.pk)
    assert run.status == SyncStatus.SUCCEEDED, run.message
    return run


def figures(company) -> dict[str, object]:
    report = Report.objects.get(company=company, report_type="spend-analysis")
    assert report.status == "available", report.message
    return dict(report.figures)


def test_a_deleted_batch_payment_and_a_voided_spend_reach_the_ledger_and_reports(fake_xero):
    fake, _ = fake_xero
    alpha, beta = make_tenant("Alpha Bank", "alpha"), make_tenant("Beta Bank", "beta")
    org = fake.orgs[0]
    connection = connect(alpha, fake)
    sync(connection)
    company = alpha.company
    start, end = period(timezone.now().date())
    # A batch and a spend-money transaction inside the report period.
    j = next(
        n
        for n, members in enumerate(org.batch_members)
        if start <= org.bill_date(members[0]) + timedelta(days=10) <= end
    )
    spent = next(
        i
        for i in range(org.expenses)
        if org.transaction(i, lines=False)["Type"] == "SPEND"
        and start <= date(2026, 1, 1) + timedelta(days=i % 300) <= end
    )
    batch = BillPayment.objects.get(company=company, source_id=org.uid("batch", j))
    assert not batch.is_deleted and batch.allocations.count() == len(org.batch_members[j])
    members = [org.uid("invoice", b) for b in org.batch_members[j]]
    assert set(
        Bill.objects.filter(company=company, source_id__in=members).values_list("status", flat=True)
    ) == {"paid"}
    before = figures(company)

    org.delete_batch(j)
    org.void_expense(spent)
    second = sync(connection)

    assert second.progress["bill_payments"]["records"] < 10  # incremental, not a full read
    assert BillPayment.objects.get(pk=batch.pk).is_deleted
    assert set(
        Bill.objects.filter(company=company, source_id__in=members).values_list("status", flat=True)
    ) == {"open"}
    assert Expense.objects.get(
        company=company, source_id=org.uid("banktransaction", spent)
    ).is_deleted
    after = figures(company)
    assert after["payments"] == before["payments"] - 1  # type: ignore[operator]
    assert after["expenses"] == before["expenses"] - 1  # type: ignore[operator]
    assert not BillPayment.objects.filter(company=beta.company).exists()
