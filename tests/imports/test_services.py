"""Importing into the ledger: all or nothing, re-upload replaces, tenants stay apart."""

import gc
from datetime import date
from decimal import Decimal

import pytest

from ledgerlink.audit.models import AuditEvent
from ledgerlink.imports.models import FileImport, ImportStatus
from ledgerlink.imports.services import SOURCE, import_template
from ledgerlink.ledger import models as ledger
from ledgerlink.ledger.records import DataType

from .helpers import csv_zip, template, valid_rows, with_cell, xlsx


def snapshot(company):
    """Everything the template source holds for a company, comparable."""
    return {
        "company": list(
            ledger.CompanyInfo.objects.filter(company=company).values_list(
                "source", "legal_name", "base_currency"
            )
        ),
        "suppliers": sorted(
            ledger.Supplier.objects.filter(company=company).values_list(
                "source_id", "name", "status", "first_seen_at"
            )
        ),
        "bills": sorted(
            ledger.Bill.objects.filter(company=company).values_list(
                "source_id",
                "supplier__source_id",
                "total_amount",
                "amount_due",
                "status",
                "currency",
                "exchange_rate",
                "issue_date",
                "due_date",
            )
        ),
        "payments": sorted(
            ledger.BillPayment.objects.filter(company=company).values_list(
                "source_id",
                "supplier__source_id",
                "amount",
                "currency",
                "exchange_rate",
                "payment_date",
                "reference",
            )
        ),
        "allocations": sorted(
            ledger.PaymentAllocation.objects.filter(payment__company=company).values_list(
                "payment__source_id", "bill_source_id", "bill__source_id", "amount", "allocated_on"
            )
        ),
        "expenses": sorted(
            ledger.Expense.objects.filter(company=company).values_list(
                "source_id",
                "supplier__source_id",
                "supplier_name",
                "amount",
                "currency",
                "exchange_rate",
            )
        ),
    }


def test_round_trip_into_the_ledger(tenant):
    result = import_template(tenant.company, xlsx(), "Suppliers 2024.xlsx", actor=tenant.admin)
    assert result.ok, [str(p) for p in result.problems]
    assert result.counts == {
        DataType.COMPANY_INFO: 1,
        DataType.SUPPLIERS: 3,
        DataType.BILLS: 3,
        DataType.BILL_PAYMENTS: 2,
        DataType.EXPENSES: 2,
    }
    data = snapshot(tenant.company)
    assert data["company"] == [(SOURCE, "Acme Trading Ltd", "GBP")]
    assert [(s[0], s[1], s[2]) for s in data["suppliers"]] == [
        ("S1", "Office Supplies Co", "active"),
        ("S2", "Travel Co", ""),
        ("S3", "Euro GmbH", "archived"),
    ]
    assert data["bills"] == [
        (
            "B1",
            "S1",
            Decimal("100"),
            Decimal("0"),
            "paid",
            "GBP",
            Decimal("1"),
            date(2024, 1, 5),
            date(2024, 2, 4),
        ),
        (
            "B2",
            "S1",
            Decimal("200.5"),
            Decimal("50.5"),
            "partially_paid",
            "GBP",
            Decimal("1"),
            date(2024, 1, 10),
            None,
        ),
        (
            "B3",
            "S3",
            Decimal("1000"),
            Decimal("1000"),
            "open",
            "EUR",
            Decimal("0.86"),
            date(2024, 2, 1),
            date(2024, 3, 2),
        ),
    ]
    # A split payment (two bills and an unallocated part) and an unallocated payment.
    assert data["payments"] == [
        ("P1", "S1", Decimal("275"), "GBP", Decimal("1"), date(2024, 1, 20), "Jan"),
        ("P2", "S3", Decimal("40"), "EUR", Decimal("0.86"), date(2024, 2, 10), "deposit"),
    ]
    assert data["allocations"] == [
        ("P1", "B1", "B1", Decimal("100"), date(2024, 1, 20)),
        ("P1", "B2", "B2", Decimal("150"), date(2024, 1, 20)),
    ]
    # An expense without a supplier and one linked to a supplier, in two currencies.
    assert data["expenses"] == [
        ("E1", None, "Rail Travel Ltd", Decimal("86.4"), "EUR", Decimal("0.86")),
        ("E2", "S2", "", Decimal("12.5"), "GBP", Decimal("1")),
    ]
    record = FileImport.objects.get(pk=result.file_import_id)
    assert (record.company, record.status, record.filename, record.created_by) == (
        tenant.company,
        ImportStatus.ACCEPTED,
        "Suppliers 2024.xlsx",
        tenant.admin,
    )
    assert record.counts["bills"] == 3 and record.problem_count == 0
    event = AuditEvent.objects.filter(action="import.accepted").get()
    assert (event.organisation, event.company_id, event.actor) == (
        tenant.org,
        tenant.company.pk,
        tenant.admin,
    )
    assert event.summary == (
        "Template “Suppliers 2024.xlsx” imported: 1 company information, 3 suppliers, 3 bills, "
        "2 bill payments, 2 expenses"
    )


def test_csv_zip_imports_the_same(tenant, other_tenant):
    assert import_template(tenant.company, xlsx(), "a.xlsx").ok
    assert import_template(other_tenant.company, csv_zip(bom=True), "a.zip").ok
    mine, theirs = snapshot(tenant.company), snapshot(other_tenant.company)
    for key in mine:
        if key != "suppliers":
            assert mine[key] == theirs[key], key
    assert [s[:3] for s in mine["suppliers"]] == [s[:3] for s in theirs["suppliers"]]


def test_one_bad_row_imports_nothing_and_keeps_the_previous_upload(tenant):
    assert import_template(tenant.company, xlsx(), "first.xlsx").ok
    before = snapshot(tenant.company)
    rows = valid_rows()
    rows["Suppliers"].append(["S4", "New Supplier"])
    rows["Bills"][0][6] = 120  # a change that must not land
    rows["Expenses"][1][3] = "yesterday"  # the one bad cell
    result = import_template(tenant.company, xlsx(rows), "second.xlsx", actor=tenant.analyst)
    assert not result.ok
    assert [str(p) for p in result.problems] == [
        "Expenses, row 3, Date: Date yesterday is not a date: use YYYY-MM-DD"
    ]
    assert result.counts == dict.fromkeys(result.counts, 0)
    assert snapshot(tenant.company) == before
    rejected = FileImport.objects.get(pk=result.file_import_id)
    assert (rejected.status, rejected.problem_count, rejected.created_by) == (
        ImportStatus.REJECTED,
        1,
        tenant.analyst,
    )
    event = AuditEvent.objects.get(action="import.rejected")
    assert event.summary == "Template “second.xlsx” rejected: 1 problem"


def test_reupload_replaces_the_previous_data(tenant):
    assert import_template(tenant.company, xlsx(), "first.xlsx").ok
    first_seen = ledger.Supplier.objects.get(company=tenant.company, source_id="S1").first_seen_at
    rows = valid_rows()
    rows["Suppliers"] = [r for r in rows["Suppliers"] if r[0] != "S2"]
    rows["Expenses"] = [rows["Expenses"][0]]  # E2 (supplier S2) goes as well
    rows["Bills"][1][7] = 0  # B2 now fully paid
    rows["Bills"][1][8] = "Paid"
    rows["Payments"] = [r for r in rows["Payments"] if r[0] == "P2"]
    result = import_template(tenant.company, xlsx(rows), "second.xlsx")
    assert result.ok, [str(p) for p in result.problems]
    data = snapshot(tenant.company)
    assert [s[0] for s in data["suppliers"]] == ["S1", "S3"]
    assert [(b[0], b[3], b[4]) for b in data["bills"]] == [
        ("B1", Decimal("0"), "paid"),
        ("B2", Decimal("0"), "paid"),
        ("B3", Decimal("1000"), "open"),
    ]
    assert [p[0] for p in data["payments"]] == ["P2"]
    assert data["allocations"] == []
    assert [e[0] for e in data["expenses"]] == ["E1"]
    # A supplier that stays keeps the date ledgerlink first saw it.
    assert (
        ledger.Supplier.objects.get(company=tenant.company, source_id="S1").first_seen_at
        == first_seen
    )
    assert FileImport.objects.filter(company=tenant.company).count() == 2


def test_importing_for_one_organisation_never_touches_another(tenant, other_tenant):
    assert import_template(other_tenant.company, xlsx(), "theirs.xlsx").ok
    theirs = snapshot(other_tenant.company)
    rows = valid_rows()
    rows["Suppliers"] = rows["Suppliers"][:1]
    rows["Bills"] = rows["Bills"][:1]
    rows["Payments"] = rows["Payments"][:1]
    rows["Expenses"] = []
    assert import_template(tenant.company, xlsx(rows), "mine.xlsx").ok
    assert import_template(tenant.company, xlsx(rows), "mine-again.xlsx").ok
    bad = import_template(tenant.company, xlsx(with_cell("Bills", 2, 7, "x")), "bad.xlsx")
    assert not bad.ok
    assert snapshot(other_tenant.company) == theirs
    assert len(snapshot(tenant.company)["suppliers"]) == 1
    assert not AuditEvent.objects.filter(
        organisation=other_tenant.org, action__startswith="import.", company_id=tenant.company.pk
    ).exists()
    assert (
        AuditEvent.objects.filter(organisation=tenant.org, action__startswith="import.").count()
        == 3
    )


@pytest.mark.parametrize(
    ("data", "name", "fragment"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "photo.xlsx", "it is a PNG image"),
        (b"a,b\n", "bills.csv", "A single CSV file is not accepted"),
        (None, "../../etc/evil.xlsx", "The file has no data"),
    ],
)
def test_rejected_files_are_recorded_with_a_safe_name(tenant, data, name, fragment):
    assert import_template(tenant.company, xlsx(), "first.xlsx").ok
    before = snapshot(tenant.company)
    result = import_template(tenant.company, data if data is not None else template(), name)
    assert not result.ok and fragment in result.problems[0].message
    assert snapshot(tenant.company) == before
    record = FileImport.objects.get(pk=result.file_import_id)
    assert record.status == ImportStatus.REJECTED
    assert "/" not in record.filename and ".." not in record.filename


def test_summary(tenant):
    ok = import_template(tenant.company, xlsx(), "a.xlsx")
    assert ok.summary == (
        "Imported 1 company information, 3 suppliers, 3 bills, 2 bill payments, 2 expenses."
    )
    bad = import_template(tenant.company, template(), "b.xlsx")
    assert bad.summary == "Nothing was imported: the file has 1 problem."


def test_the_garbage_collector_stays_paused_from_reading_to_storing(tenant, monkeypatch):
    """Reading and storing 100,000s of records makes no reference cycles: a collection in
    between (locking the company, say) would scan every record once."""
    from ledgerlink.imports import services

    collections = []
    marks = {}

    def record_collection(phase, info):
        if phase == "start":
            collections.append(info["generation"])

    def parse_upload(*args, **kwargs):
        parsed = real_parse(*args, **kwargs)
        marks["read"] = len(collections)
        return parsed

    def replace_source(*args, **kwargs):
        marks["storing"] = len(collections)
        return real_replace(*args, **kwargs)

    real_parse, real_replace = services.parse_upload, services.replace_source
    monkeypatch.setattr(services, "parse_upload", parse_upload)
    monkeypatch.setattr(services, "replace_source", replace_source)
    data = xlsx()
    threshold = gc.get_threshold()
    gc.set_threshold(1)  # any allocation while it runs starts a collection
    gc.callbacks.append(record_collection)
    try:
        result = import_template(tenant.company, data, "Suppliers 2024.xlsx")
        gc.collect()
    finally:
        gc.callbacks.remove(record_collection)
        gc.set_threshold(*threshold)
    assert result.ok
    assert marks["read"] == marks["storing"]
    assert gc.isenabled()
