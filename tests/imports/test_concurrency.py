"""Two imports for one company at once leave the ledger of one of the files, whole.

The links between ledger records have no database constraint (see ledger.models), so the
company-row lock taken by `replace_source` is what keeps overlapping imports apart. Only
PostgreSQL runs writers side by side (SQLite takes one writer at a time anyway).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from ledgerlink.imports.models import FileImport
from ledgerlink.imports.services import SOURCE, import_template
from ledgerlink.ledger import models as ledger
from ledgerlink.relationships.models import Company

from .helpers import valid_rows, xlsx

pytestmark = pytest.mark.django_db(transaction=True)


def _smaller() -> dict[str, list[list[Any]]]:
    rows = valid_rows()
    rows["Suppliers"] = [r for r in rows["Suppliers"] if r[0] != "S2"]
    rows["Expenses"] = [rows["Expenses"][0]]
    rows["Bills"][1][7] = 0
    rows["Bills"][1][8] = "Paid"
    rows["Payments"] = [r for r in rows["Payments"] if r[0] == "P2"]
    return rows


def _ids(model: type[ledger.LedgerRecord], company: Company) -> list[str]:
    return sorted(
        model.objects.filter(company=company, source=SOURCE).values_list("source_id", flat=True)
    )


def _ledger(company: Company) -> dict[str, list[str]]:
    return {
        "suppliers": _ids(ledger.Supplier, company),
        "bills": _ids(ledger.Bill, company),
        "payments": _ids(ledger.BillPayment, company),
        "expenses": _ids(ledger.Expense, company),
    }


def _dangling_links() -> list[str]:
    """Every link, in any company, that does not point at the record its source id names."""
    wrong = []
    suppliers = dict(ledger.Supplier.objects.values_list("pk", "source_id"))
    for model in (ledger.Bill, ledger.BillPayment, ledger.Expense):
        for source_id, supplier_id, supplier_source_id in model.objects.values_list(
            "source_id", "supplier_id", "supplier_source_id"
        ):
            if supplier_source_id and suppliers.get(supplier_id) != supplier_source_id:
                wrong.append(f"{model.__name__} {source_id} → supplier {supplier_id}")
    bills = dict(ledger.Bill.objects.values_list("pk", "source_id"))
    payments = set(ledger.BillPayment.objects.values_list("pk", flat=True))
    for allocation in ledger.PaymentAllocation.objects.all():
        if allocation.payment_id not in payments or (
            bills.get(allocation.bill_id) != allocation.bill_source_id
        ):
            wrong.append(str(allocation))
    return wrong


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time")
@pytest.mark.parametrize("rounds", [3])
def test_two_imports_at_once_leave_one_files_ledger_whole(tenant, other_tenant, rounds):
    files = {"full.xlsx": xlsx(), "smaller.xlsx": xlsx(_smaller())}
    expected = {}
    for name, data in files.items():  # each file alone, into the other organisation
        assert import_template(other_tenant.company, data, name).ok
        expected[name] = _ledger(other_tenant.company)
    assert expected["full.xlsx"] != expected["smaller.xlsx"]

    for _ in range(rounds):
        start = threading.Barrier(len(files))
        errors: list[BaseException] = []

        def worker(
            name: str, data: bytes, start: threading.Barrier, errors: list[BaseException]
        ) -> None:
            try:
                company = Company.objects.get(pk=tenant.company.pk)
                start.wait(timeout=30)
                assert import_template(company, data, name).ok
            except BaseException as error:  # reported by the main thread
                errors.append(error)
            finally:
                connections.close_all()

        threads = [
            threading.Thread(target=worker, args=(name, data, start, errors))
            for name, data in files.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not errors, errors
        # The imports were applied one after the other: the ledger is the last one's file.
        last = FileImport.objects.filter(company=tenant.company).latest("pk")
        assert _ledger(tenant.company) == expected[last.filename]
        assert _dangling_links() == []
