"""Categorisation of a synced chart and the monthly statements built on it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledgerlink.audit.models import AuditEvent
from ledgerlink.financials import selectors, services
from ledgerlink.financials.categorise.engine import HIGH_CONFIDENCE
from ledgerlink.financials.models import AccountCategory, CategoryStatus
from ledgerlink.ledger.models import Account, FinancialStatementLine

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


def test_without_platform_reports_a_cost_pl_is_built_from_the_ledger(tenant):
    result = selectors.financials(tenant.company)
    assert result.source == "none" and result.months == []
