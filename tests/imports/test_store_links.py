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
