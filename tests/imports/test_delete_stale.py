"""Links when records go or change: stale records go set-based, links follow the supplier named."""

from datetime import date
from decimal import Decimal

from django.db.models.signals import post_init
from django.utils import timezone

from ledgerlink.ledger import models as ledger
from ledgerlink.ledger import services
from ledgerlink.ledger.records import (
    Allocation,
    BillPaymentRecord,
    BillRecord,
    DataType,
    SupplierRecord,
)


def _bill(source_id, supplier):
    return BillRecord(source_id, supplier, date(2024, 1, 1), "GBP", Decimal(10), Decimal(0), "paid")


def _payment(source_id, bill):
    return BillPaymentRecord(
        source_id, date(2024, 1, 2), "GBP", Decimal(10), "S1", allocations=[Allocation(bill, 10)]
    )


def _load(company, source, suppliers, bills, payments):
    services.upsert(company, source, DataType.SUPPLIERS, [SupplierRecord(s, s) for s in suppliers])
    services.upsert(company, source, DataType.BILLS, [_bill(b, s) for b, s in bills])
    services.upsert(company, source, DataType.BILL_PAYMENTS, [_payment(p, b) for p, b in payments])


def test_stale_records_go_and_links_to_them_are_cleared(tenant, other_tenant):
    for company in (tenant.company, other_tenant.company):
        _load(company, "template", ["S1", "S2"], [("B1", "S1"), ("B2", "S2")], [("P1", "B1")])
    _load(tenant.company, "sandbox", ["S2"], [("B9", "S2")], [("P9", "B9")])
    started = timezone.now()
    # The new file drops supplier S2 (B2 stays) and bill B1 (P1, which paid it, stays).
    _load(tenant.company, "template", ["S1"], [("B2", "S2")], [("P1", "B1"), ("P2", "B2")])
    loaded = []

    def count(sender, instance, **kwargs):
        loaded.append(instance)

    post_init.connect(count)
    try:
        gone = services.delete_stale(tenant.company, "template", started)
    finally:
        post_init.disconnect(count)
    assert loaded == []  # set-based: no record is read into memory
    assert gone == 2  # supplier S2 and bill B1
    mine = {"company": tenant.company, "source": "template"}
    assert list(ledger.Supplier.objects.filter(**mine).values_list("source_id", flat=True)) == [
        "S1"
    ]
    assert list(ledger.Bill.objects.filter(**mine).values_list("source_id", "supplier_id")) == [
        ("B2", None)  # its supplier went
    ]
    b2 = ledger.Bill.objects.get(source_id="B2", **mine).pk
    assert sorted(
        ledger.PaymentAllocation.objects.filter(payment__company=tenant.company).values_list(
            "payment__source_id", "bill_source_id", "bill_id"
        ),
        key=str,
    ) == [
        ("P1", "B1", None),
        ("P2", "B2", b2),
        ("P9", "B9", ledger.Bill.objects.get(source_id="B9", company=tenant.company).pk),
    ]
    # Another source of the company and another organisation are untouched.
    sandbox = {"company": tenant.company, "source": "sandbox"}
    assert ledger.Bill.objects.get(source_id="B9", **sandbox).supplier_id is not None
    assert ledger.Supplier.objects.filter(company=other_tenant.company).count() == 2
    assert ledger.Bill.objects.filter(company=other_tenant.company).count() == 2
    assert (
        ledger.PaymentAllocation.objects.filter(payment__company=other_tenant.company).count() == 1
    )


def test_a_record_naming_another_supplier_or_none_loses_its_old_link(tenant, other_tenant):
    from ledgerlink.ledger.records import ExpenseRecord

    def expense(supplier):
        return ExpenseRecord("E1", date(2024, 1, 3), "GBP", Decimal(5), supplier_source_id=supplier)

    for company in (tenant.company, other_tenant.company):
        services.upsert(company, "template", DataType.SUPPLIERS, [SupplierRecord("S1", "One")])
        services.upsert(company, "template", DataType.EXPENSES, [expense("S1")])
        services.upsert(company, "template", DataType.BILLS, [_bill("B1", "S1")])
    services.upsert(tenant.company, "template", DataType.EXPENSES, [expense("")])
    services.upsert(tenant.company, "template", DataType.BILLS, [_bill("B1", "S-NEW")])
    assert ledger.Expense.objects.get(company=tenant.company).supplier_id is None
    assert ledger.Bill.objects.get(company=tenant.company).supplier_id is None
    # The same supplier again keeps the link; the other organisation's records are untouched.
    services.upsert(other_tenant.company, "template", DataType.BILLS, [_bill("B1", "S1")])
    s1 = ledger.Supplier.objects.get(company=other_tenant.company).pk
    assert ledger.Bill.objects.get(company=other_tenant.company).supplier_id == s1
    assert ledger.Expense.objects.get(company=other_tenant.company).supplier_id == s1


def test_a_large_upload_refreshes_the_planner_statistics_after_it_commits(
    tenant, django_capture_on_commit_callbacks
):
    import pytest
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")

    def estimated_bills() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'ledger_bill'")
            return float(cursor.fetchone()[0])

    bills = services.STATISTICS_AFTER + 100
    pages = {
        DataType.SUPPLIERS: [SupplierRecord("S1", "One")],
        DataType.BILLS: [_bill(f"B{n}", "S1") for n in range(bills)],
    }
    before = estimated_bills()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.replace_source(tenant.company, "template", pages)
    assert len(callbacks) == 1  # the refresh, once the upload is committed
    assert before < bills <= estimated_bills()  # ANALYZE ran (the immediate backend)
    # A small upload leaves it to autovacuum.
    with django_capture_on_commit_callbacks() as callbacks:
        services.replace_source(tenant.company, "template", {DataType.BILLS: [_bill("B1", "S1")]})
    assert callbacks == []
