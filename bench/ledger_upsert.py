"""Throughput of ledger upserts (the storage half of a sync), records per second.

DATABASE_URL=postgres://... uv run python bench/ledger_upsert.py [N]
"""

from __future__ import annotations

import sys
import time

from _django import setup

setup()

from datetime import date, timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402

from ledgerlink.ledger.records import (  # noqa: E402
    Allocation,
    BillLine,
    BillPaymentRecord,
    BillRecord,
    DataType,
)
from ledgerlink.ledger.services import upsert  # noqa: E402
from ledgerlink.relationships.models import Company  # noqa: E402
from ledgerlink.tenancy.services import create_organisation  # noqa: E402

PAGE = 5000


def main(n: int) -> None:
    org = create_organisation(name="Upsert bench", slug=f"upsert-{int(time.time())}")
    company = Company.objects.create(organisation=org, name="Bench Co")
    day = date(2025, 1, 1)
    bills = [
        BillRecord(
            f"b{i}",
            f"s{i % 5000}",
            day + timedelta(days=i % 365),
            "GBP",
            Decimal("120.50"),
            Decimal("0"),
            "paid",
            due_date=day,
            lines=[BillLine(Decimal("100.42"), "Goods", "400")],
        )
        for i in range(n)
    ]
    payments = [
        BillPaymentRecord(
            f"p{i}",
            day,
            "GBP",
            Decimal("120.50"),
            supplier_source_id=f"s{i}",
            method_raw="Check",
            payment_account_source_id="090",
            allocations=[Allocation(f"b{i}", Decimal("120.50"))],
        )
        for i in range(n)
    ]
    for label, data_type, records in (
        ("bills", DataType.BILLS, bills),
        ("bill payments", DataType.BILL_PAYMENTS, payments),
    ):
        for attempt in ("insert", "update"):
            started = time.perf_counter()
            for start in range(0, n, PAGE):
                upsert(company, "bench", data_type, records[start : start + PAGE])
            elapsed = time.perf_counter() - started
            print(f"{label:>13} {attempt}: {n / elapsed:,.0f} records/s ({elapsed:.1f} s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
