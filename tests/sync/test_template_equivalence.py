"""The same books loaded from a filled-in template give the same ledger as a sandbox sync."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

from ledgerlink.imports.services import import_template
from ledgerlink.ledger.models import (
    Bill,
    BillPayment,
    CompanyInfo,
    Expense,
    PaymentAllocation,
    Supplier,
)
from ledgerlink.sandbox.services import create_tenant
from ledgerlink.sync import engine

from .test_sandbox_sync import connect, sandbox, tenants  # noqa: F401 - fixtures

STATUS = {
    "open": "Open",
    "paid": "Paid",
    "partially_paid": "Partially paid",
    "void": "Void",
    "draft": "Draft",
}


def number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def csv_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_of(company) -> bytes:
    """Fill the template (zip of CSVs) from a company's synced ledger, as a client would."""
    info = CompanyInfo.objects.get(company=company)
    live = {"company": company, "is_deleted": False}
    suppliers = Supplier.objects.filter(**live).order_by("source_id")
    bills = Bill.objects.filter(**live).order_by("source_id")
    payments = (
        BillPayment.objects.filter(**live).prefetch_related("allocations").order_by("source_id")
    )
    expenses = Expense.objects.filter(**live).order_by("source_id")
    payment_rows = []
    for p in payments:
        allocated = Decimal(0)
        for a in p.allocations.all():
            allocated += a.amount
            payment_rows.append(
                [
                    p.source_id,
                    p.supplier_source_id,
                    a.bill_source_id,
                    p.payment_date,
                    p.currency,
                    number(p.exchange_rate),
                    number(a.amount),
                    p.method_raw,
                    p.payment_account_name,
                    p.reference,
                ]
            )
        if p.amount - allocated or not p.allocations.all():
            payment_rows.append(
                [
                    p.source_id,
                    p.supplier_source_id,
                    "",
                    p.payment_date,
                    p.currency,
                    number(p.exchange_rate),
                    number(p.amount - allocated),
                    p.method_raw,
                    p.payment_account_name,
                    p.reference,
                ]
            )
    files = {
        "company.csv": csv_bytes(
            ["Company name", "Base currency"], [[info.legal_name, info.base_currency]]
        ),
        "suppliers.csv": csv_bytes(
            ["Supplier ID", "Supplier name", "Email", "City", "Country"],
            [[s.source_id, s.name, s.email, s.city, s.country] for s in suppliers],
        ),
        "bills.csv": csv_bytes(
            [
                "Bill ID",
                "Supplier ID",
                "Issue date",
                "Due date",
                "Currency",
                "Exchange rate",
                "Total amount",
                "Amount due",
                "Status",
                "Reference",
            ],
            [
                [
                    b.source_id,
                    b.supplier_source_id,
                    b.issue_date,
                    b.due_date,
                    b.currency,
                    number(b.exchange_rate),
                    number(b.total_amount),
                    number(b.amount_due),
                    STATUS[b.status],
                    b.reference,
                ]
                for b in bills
            ],
        ),
        "payments.csv": csv_bytes(
            [
                "Payment ID",
                "Supplier ID",
                "Bill ID",
                "Payment date",
                "Currency",
                "Exchange rate",
                "Amount",
                "Payment method",
                "Paid from account",
                "Reference / note",
            ],
            payment_rows,
        ),
        "expenses.csv": csv_bytes(
            [
                "Expense ID",
                "Supplier ID",
                "Supplier name",
                "Date",
                "Currency",
                "Exchange rate",
                "Amount",
                "Payment method",
                "Paid from account",
                "Reference / note",
            ],
            [
                [
                    e.source_id,
                    e.supplier_source_id,
                    e.supplier_name,
                    e.expense_date,
                    e.currency,
                    number(e.exchange_rate),
                    number(e.amount),
                    e.method_raw,
                    e.payment_account_name,
                    e.reference,
                ]
                for e in expenses
            ],
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def comparable(company) -> dict[str, set]:
    live = {"company": company, "is_deleted": False}
    return {
        "suppliers": set(Supplier.objects.filter(**live).values_list("source_id", "name")),
        "bills": set(
            Bill.objects.filter(**live).values_list(
                "source_id",
                "supplier__source_id",
                "issue_date",
                "due_date",
                "currency",
                "exchange_rate",
                "total_amount",
                "amount_due",
                "status",
            )
        ),
        "payments": set(
            BillPayment.objects.filter(**live).values_list(
                "source_id",
                "supplier__source_id",
                "payment_date",
                "amount",
                "method_raw",
                "payment_account_name",
            )
        ),
        "allocations": set(
            PaymentAllocation.objects.filter(
                payment__company=company, payment__is_deleted=False
            ).values_list("payment__source_id", "bill__source_id", "amount")
        ),
        "expenses": set(
            Expense.objects.filter(**live).values_list(
                "source_id", "expense_date", "amount", "method_raw", "payment_account_name"
            )
        ),
    }


def test_template_import_gives_the_same_ledger_as_the_sync(sandbox, tenants):  # noqa: F811
    alpha, beta = tenants
    books = create_tenant("Same Books Ltd", 17, 25, 300, 260, 80)
    engine.run(engine.start_sync(connect(alpha, sandbox, books), enqueue=False).pk)
    result = import_template(beta.company, template_of(alpha.company), "books.zip")
    assert result.ok, [str(p) for p in result.problems[:10]]
    synced, imported = comparable(alpha.company), comparable(beta.company)
    for key in synced:
        assert synced[key] == imported[key], (key, sorted(synced[key] ^ imported[key])[:5])
    assert len(synced["bills"]) == 300
