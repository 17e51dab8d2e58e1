"""Spend figures computed straight from a fake platform's own records, independently of the
connector, the ledger and the insights engine, to check that reports come out right.

Definitions from specs/reports.md: bills and expenses dated in the default period (the 12
full months before today), void/deleted/draft bills excluded, expenses positive only, every
amount in base currency at the rate recorded on the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from ledgerlink.fakes.qbo import QboCompany
from ledgerlink.fakes.xero import XeroOrg

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Expected:
    bills: int
    expenses: int
    total_spend: Decimal


def default_period(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    start = date(end.year - 1, end.month, 1) + timedelta(days=32)
    return start.replace(day=1), end


def in_period(day: date, today: date) -> bool:
    start, end = default_period(today)
    return start <= day <= end


def base(amount: object) -> Decimal:
    return Decimal(str(amount)).quantize(CENT, ROUND_HALF_UP)


def xero(org: XeroOrg, today: date) -> Expected:
    """Xero's CurrencyRate is foreign units per unit of base currency: base = total / rate."""
    bills = expenses = 0
    total = Decimal(0)
    for i in range(org.bills):
        bill = org.invoice(i, lines=False)
        if bill["Status"] in ("VOIDED", "DELETED", "DRAFT") or not in_period(
            org.bill_date(i), today
        ):
            continue
        bills += 1
        total += base(Decimal(str(bill["Total"])) / Decimal(str(bill["CurrencyRate"])))
    for i in range(org.expenses):
        spend = org.transaction(i, lines=False)
        day = date(2026, 1, 1) + timedelta(days=i % 300)
        if spend["Type"] != "SPEND" or spend["Status"] != "AUTHORISED" or not in_period(day, today):
            continue
        expenses += 1
        total += base(Decimal(str(spend["Total"])) / Decimal(str(spend["CurrencyRate"])))
    return Expected(bills, expenses, total)


def quickbooks(company: QboCompany, today: date) -> Expected:
    """QuickBooks' ExchangeRate is home units per foreign unit: home = amount x rate."""
    bills = expenses = 0
    total = Decimal(0)
    for i in range(company.bills):
        bill = company.bill(i)
        if not in_period(date.fromisoformat(bill["TxnDate"]), today):
            continue
        bills += 1
        total += base(Decimal(str(bill["TotalAmt"])) * Decimal(str(bill["ExchangeRate"])))
    for i in range(company.purchases):
        purchase = company.purchase(i)
        amount = Decimal(str(purchase["TotalAmt"]))
        if (
            amount <= 0
            or purchase.get("Credit")
            or not in_period(date.fromisoformat(purchase["TxnDate"]), today)
        ):
            continue
        expenses += 1
        total += base(amount * Decimal(str(purchase["ExchangeRate"])))
    return Expected(bills, expenses, total)


def assert_reports_match(tenant: object, expected: Expected) -> None:
    """The spend reports of the tenant's company were built and carry the expected figures."""
    from io import BytesIO

    from openpyxl import load_workbook

    from ledgerlink.reports.models import Report

    company = tenant.company  # type: ignore[attr-defined]
    analysis = Report.objects.get(company=company, report_type="spend-analysis")
    assert analysis.status == "available", (analysis.status, analysis.message)
    figures = analysis.figures
    assert (figures["bills"], figures["expenses"]) == (expected.bills, expected.expenses)
    assert Decimal(figures["total_spend"]) == expected.total_spend
    summary = Report.objects.get(company=company, report_type="spend-summary")
    assert Decimal(summary.figures["total_spend"]) == expected.total_spend
    # The workbook's Customer tab says the same.
    with analysis.file.open("rb") as handle:
        book = load_workbook(BytesIO(handle.read()), read_only=True)
    cells = [c for row in book["Customer"].iter_rows(values_only=True) for c in row]
    assert any(
        isinstance(c, (int, float)) and Decimal(str(c)).quantize(CENT) == expected.total_spend
        for c in cells
    ), "total spend not on the Customer tab"
