"""Categorisation of a synced chart and the monthly statements built on it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledgerlink.audit.models import AuditEvent
from ledgerlink.financials import selectors, services
from ledgerlink.financials.categorise.engine import HIGH_CONFIDENCE
from ledgerlink.financials.models import AccountCategory, CategoryStatus
from ledgerlink.ledger.models import Account, FinancialStatementLine
from ledgerlink.ledger.records import (
    AccountRecord,
    BillLine,
    BillRecord,
    CompanyInfoRecord,
    DataType,
    ExpenseRecord,
    SupplierRecord,
)
from ledgerlink.ledger.services import upsert

from .conftest import load_sandbox_ledger

pytestmark = pytest.mark.django_db

EXPECTED = {
    "Accounts Receivable": "accounts_receivable",
    "Accounts Payable": "accounts_payable",
    "Amex Business Card 1003": "credit_cards",
    "Petty Cash": "cash",
    "Sales": "revenue",
    "Cost of Goods Sold": "cost_of_sales",
    "Wages and Salaries": "payroll",
    "Rent": "rent_and_premises",
    "Depreciation": "depreciation",
    "Retained Earnings": "retained_earnings",
    "Business Loan": "long_term_debt",
    "Office Equipment": "fixed_assets",
}


def test_every_account_of_a_synced_chart_gets_a_sensible_category(ledger_company):
    result = services.categorise_company(ledger_company)
    assert result.created == Account.objects.filter(company=ledger_company).count()
    details = dict(
        AccountCategory.objects.filter(company=ledger_company).values_list(
            "account_name", "suggested_detail"
        )
    )
    wrong = {n: (details[n], d) for n, d in EXPECTED.items() if details[n] != d}
    assert wrong == {}
    assert AuditEvent.objects.filter(action="financials.categories_suggested").count() == 2 - 1


def test_a_confirmed_category_survives_a_later_sync(ledger_company, tenant):
    services.categorise_company(ledger_company)
    rent = AccountCategory.objects.get(company=ledger_company, account_name="Rent")
    services.confirm_category(
        rent, type_key="expense", subtype_key="operating_expense",
        detail_key="utilities", user=tenant.analyst,
    )  # fmt: skip
    # the next sync rewrites every account (new synced_at) and the engine runs again
    Account.objects.filter(company=ledger_company).update(name="Rent")
    load_sandbox_ledger(ledger_company)
    Account.objects.filter(company=ledger_company).update(synced_at=rent.confirmed_at)
    services.categorise_company(ledger_company)
    rent.refresh_from_db()
    assert rent.detail == "utilities" and rent.status == CategoryStatus.CONFIRMED
    assert rent.confirmed_by == tenant.analyst
    event = AuditEvent.objects.get(action="financials.category_changed")
    assert event.data["confirmed"] == "utilities" and event.actor == tenant.analyst


def test_a_category_that_does_not_fit_together_is_refused(ledger_company, tenant):
    services.categorise_company(ledger_company)
    rent = AccountCategory.objects.get(company=ledger_company, account_name="Rent")
    with pytest.raises(services.InvalidCategory):
        services.confirm_category(
            rent, type_key="asset", subtype_key="operating_expense",
            detail_key="utilities", user=tenant.analyst,
        )  # fmt: skip
    rent.refresh_from_db()
    assert not rent.is_confirmed


def test_confirm_all_high_confidence_leaves_the_rest(ledger_company, tenant, other_tenant):
    services.categorise_company(ledger_company)
    services.categorise_company(other_tenant.company)
    low = AccountCategory.objects.filter(company=ledger_company).first()
    assert low is not None
    AccountCategory.objects.filter(pk=low.pk).update(confidence=0.3)
    high = AccountCategory.objects.filter(
        company=ledger_company, confidence__gte=HIGH_CONFIDENCE
    ).count()
    assert high > 30
    count = services.confirm_high_confidence(ledger_company, user=tenant.analyst)
    assert count == high
    assert AccountCategory.objects.filter(company=ledger_company, confirmed_detail="").count() == (
        AccountCategory.objects.filter(company=ledger_company).count() - high
    )
    low.refresh_from_db()
    assert low.status == CategoryStatus.NEEDS_REVIEW
    assert not AccountCategory.objects.filter(
        company=other_tenant.company, confirmed_detail__gt=""
    ).exists()


def test_statements_balance_and_tie_to_the_platform_net_profit(ledger_company):
    services.categorise_company(ledger_company)
    result = selectors.financials(ledger_company)
    assert result.source == "platform" and len(result.months) == 24
    assert result.pl.differences == [] and result.bs.differences == []
    net = next(r for r in result.pl.rows if r.label == "Net profit")
    platform = FinancialStatementLine.objects.get(
        company=ledger_company, section="Totals", account_name="netProfit",
        period_end=result.months[-1],
    )  # fmt: skip
    assert net.amounts[-1] == platform.amount
    by_accounts = selectors.financials(ledger_company, view="accounts")
    labels = [r.label for r in by_accounts.pl.rows]
    assert "Wages and Salaries" in labels and "Payroll" not in labels
    assert "Payroll" in [r.label for r in result.pl.rows]


def test_a_difference_is_flagged_not_hidden(ledger_company):
    services.categorise_company(ledger_company)
    line = FinancialStatementLine.objects.filter(
        company=ledger_company, statement="bs", account_name="Petty Cash"
    ).latest("period_end")
    line.amount += Decimal("10.00")
    line.save()
    pl_line = FinancialStatementLine.objects.filter(
        company=ledger_company, statement="pl", account_name="Rent"
    ).latest("period_end")
    pl_line.amount += Decimal("5.00")
    pl_line.save()
    result = selectors.financials(ledger_company)
    assert [(c.month, c.difference) for c in result.bs.differences] == [
        (line.period_end, Decimal("10.00"))
    ]
    assert [c.difference for c in result.pl.differences] == [Decimal("-5.00")]


def test_without_books_there_are_no_statements(tenant):
    result = selectors.financials(tenant.company)
    assert result.source == "none" and result.months == []


def load_costs_only(company) -> None:
    """A connection without statement reports: a chart, bills with line accounts (one in
    EUR at a recorded rate, one without lines, one void) and an expense."""
    upsert(company, "x", DataType.COMPANY_INFO, [CompanyInfoRecord("c", "Co", "GBP")])
    upsert(company, "x", DataType.ACCOUNTS, [
        AccountRecord("a-rent", "Office Rent", "6100", "EXPENSE"),
        AccountRecord("a-travel", "Travel and Subsistence", "6200", "EXPENSE"),
        AccountRecord("a-cogs", "Cost of Goods Sold", "5000", "DIRECTCOSTS"),
    ])  # fmt: skip
    upsert(company, "x", DataType.SUPPLIERS, [SupplierRecord("s1", "Landlord Ltd")])
    bill = dict(supplier_source_id="s1", currency="GBP", amount_due=Decimal(0), status="paid")
    upsert(company, "x", DataType.BILLS, [
        BillRecord("b1", issue_date=date(2026, 3, 5), total_amount=Decimal("1200"), **bill,
                   lines=[BillLine(Decimal("1000"), account_source_id="a-rent",
                                   tax_amount=Decimal("200"))]),
        BillRecord("b2", issue_date=date(2026, 3, 20), total_amount=Decimal("300"),
                   **{**bill, "currency": "EUR"}, exchange_rate=Decimal("0.85"),
                   lines=[BillLine(Decimal("200"), account_source_id="a-cogs"),
                          BillLine(Decimal("100"), account_source_id="a-travel")]),
        BillRecord("b3", issue_date=date(2026, 4, 1), total_amount=Decimal("50"), **bill),
        BillRecord("b4", issue_date=date(2026, 4, 2), total_amount=Decimal("999"),
                   **{**bill, "status": "void"},
                   lines=[BillLine(Decimal("999"), account_source_id="a-rent")]),
    ])  # fmt: skip
    upsert(company, "x", DataType.EXPENSES, [
        ExpenseRecord("e1", expense_date=date(2026, 4, 9), currency="GBP",
                      amount=Decimal("40"), account_source_id="a-travel"),
    ])  # fmt: skip


def test_without_platform_reports_a_cost_pl_is_built_from_the_ledger(tenant, other_tenant):
    load_costs_only(tenant.company)
    load_sandbox_ledger(other_tenant.company)
    services.categorise_company(tenant.company)
    result = selectors.financials(tenant.company)
    assert result.source == "ledger" and result.built_from_ledger
    assert result.currency == "GBP"
    assert result.months == [date(2026, 3, 31), date(2026, 4, 30)]
    assert any("Built from the ledger" in note for note in result.notes)
    rows = {r.label: r.amounts for r in result.pl.rows if r.kind == "line"}
    # net of tax, EUR at the recorded rate, the void bill left out, the lineless bill's
    # total as uncategorised costs
    assert rows["Rent and premises"] == [Decimal("1000.00"), Decimal(0)]
    assert rows["Cost of sales"] == [Decimal("170.00"), Decimal(0)]
    assert rows["Travel"] == [Decimal("85.00"), Decimal("40.00")]
    assert rows["Other operating expenses"] == [Decimal(0), Decimal("50.00")]
    net = next(r for r in result.pl.rows if r.label == "Net profit")
    assert net.amounts == [Decimal("-1255.00"), Decimal("-90.00")]
    # nothing to tie out to: said so, never "no differences"
    assert result.pl.differences == [] and result.pl.unchecked == result.months
    assert "no net profit" in result.pl.unchecked_reason
    assert result.bs.rows[-1].amounts == [Decimal(0), Decimal(0)]
    assert result.bs.unchecked == result.months
    own = selectors.financials(tenant.company, view="accounts")
    labels = [r.label for r in own.pl.rows]
    assert "Office Rent" in labels and "Uncategorised costs" in labels
