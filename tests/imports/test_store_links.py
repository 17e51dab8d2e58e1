"""Links set while storing a page (before any `resolve_links`), on both lookup paths."""

from datetime import date
from decimal import Decimal

import pytest

from ledgerlink.ledger import models as ledger
from ledgerlink.ledger import services
from ledgerlink.ledger.records import (
    Allocation,
    BillPaymentRecord,
    BillRecord,
    DataType,
    ExpenseRecord,
    SupplierRecord,
)


def _store(company, bills):
    services.upsert(company, "template", DataType.SUPPLIERS, [SupplierRecord("S1", "One")])
    services.upsert(
        company,
        "template",
        DataType.BILLS,
        [
            BillRecord(f"B{n}", "S1", date(2024, 1, 1), "GBP", Decimal(10), Decimal(0), "paid")
            for n in range(bills)
        ],
    )
    services.upsert(
        company,
        "template",
        DataType.BILL_PAYMENTS,
        [
            BillPaymentRecord(
                "P1",
                date(2024, 1, 2),
                "GBP",
                Decimal(10 * bills + 5),
                "S1",
                allocations=[Allocation(f"B{n}", Decimal(10)) for n in range(bills)]
                + [Allocation("NOT-STORED", Decimal(5))],
            )
        ],
    )


@pytest.mark.parametrize("scan_above", [0, 20_000], ids=["read-all", "per-key"])
def test_allocations_link_their_bills_while_storing(tenant, other_tenant, monkeypatch, scan_above):
    monkeypatch.setattr(services, "_SCAN_ABOVE", scan_above)
    _store(other_tenant.company, 3)  # the same source ids in another organisation
    _store(tenant.company, 3)
    for company in (tenant.company, other_tenant.company):
        bills = dict(ledger.Bill.objects.filter(company=company).values_list("source_id", "pk"))
        linked = sorted(
            ledger.PaymentAllocation.objects.filter(payment__company=company).values_list(
                "bill_source_id", "bill_id"
            ),
            key=lambda pair: pair[0],
        )
        assert linked == [
            ("B0", bills["B0"]),
            ("B1", bills["B1"]),
            ("B2", bills["B2"]),
            ("NOT-STORED", None),
        ]


def _bill(source_id, supplier):
    return BillRecord(source_id, supplier, date(2024, 1, 1), "GBP", Decimal(10), Decimal(0), "paid")


def _payment(source_id, supplier, bills):
    return BillPaymentRecord(
        source_id,
        date(2024, 1, 2),
        "GBP",
        Decimal(10 * len(bills)),
        supplier,
        allocations=[Allocation(bill, Decimal(10)) for bill in bills],
    )


def _links(company):
    """Each record's link as (its source id, the source id of the record it points at)."""
    links = {}
    for model in (ledger.Bill, ledger.BillPayment, ledger.Expense):
        links[model.__name__] = sorted(
            model.objects.filter(company=company).values_list("source_id", "supplier__source_id")
        )
    links["allocations"] = sorted(
        ledger.PaymentAllocation.objects.filter(payment__company=company).values_list(
            "payment__source_id", "bill_source_id", "bill__source_id"
        )
    )
    return links


def test_replace_source_links_every_record_as_it_stores_it(tenant, monkeypatch):
    """A file whose links all name its own records needs no link join (nor the statistics
    refresh before it), on a first upload and on one that moves links."""

    def unexpected(*args, **kwargs):
        raise AssertionError("no join or statistics refresh expected")

    monkeypatch.setattr(services, "resolve_links", unexpected)
    monkeypatch.setattr(services, "refresh_statistics", unexpected)
    monkeypatch.setattr(services, "STATISTICS_AFTER", 0)
    company = tenant.company
    services.replace_source(
        company,
        "template",
        {
            DataType.SUPPLIERS: [SupplierRecord("S1", "One"), SupplierRecord("S2", "Two")],
            DataType.BILLS: [_bill("B1", "S1"), _bill("B2", "S2")],
            DataType.BILL_PAYMENTS: [_payment("P1", "S1", ["B1"])],
        },
    )
    assert _links(company) == {
        "Bill": [("B1", "S1"), ("B2", "S2")],
        "BillPayment": [("P1", "S1")],
        "Expense": [],
        "allocations": [("P1", "B1", "B1")],
    }
    services.replace_source(
        company,
        "template",
        {
            DataType.SUPPLIERS: [SupplierRecord("S2", "Two"), SupplierRecord("S3", "Three")],
            DataType.BILLS: [_bill("B1", "S3"), _bill("B3", "S2")],
            DataType.BILL_PAYMENTS: [_payment("P1", "S3", ["B1", "B3"])],
            DataType.EXPENSES: [
                ExpenseRecord("E1", date(2024, 1, 3), "GBP", Decimal(5), supplier_source_id="S2")
            ],
        },
    )
    assert _links(company) == {
        "Bill": [("B1", "S3"), ("B3", "S2")],
        "BillPayment": [("P1", "S3")],
        "Expense": [("E1", "S2")],
        "allocations": [("P1", "B1", "B1"), ("P1", "B3", "B3")],
    }


def test_replace_source_joins_when_a_link_was_stored_without_its_target(tenant, monkeypatch):
    joined = []
    monkeypatch.setattr(services, "resolve_links", lambda *args: joined.append(args))
    services.replace_source(
        tenant.company,
        "template",
        {DataType.SUPPLIERS: [SupplierRecord("S1", "One")], DataType.BILLS: [_bill("B1", "S9")]},
    )
    assert joined == [(tenant.company, "template")]
