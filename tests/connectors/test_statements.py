"""P&L and balance sheet from Xero and QuickBooks: the same statement lines as the sandbox
connector keeps (accounts, plus the platform's own totals under section `Totals`), so the
Financials page ties them out: the P&L to the platform's net profit, assets to liabilities
plus equity. Expected figures come from the fakes' own report arithmetic, not the connector.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from ledgerlink.connectors.models import Connection
from ledgerlink.fakes.qbo import app as qbo_app
from ledgerlink.fakes.xero import app as xero_app
from ledgerlink.financials.selectors import financials
from ledgerlink.ledger.models import FinancialStatementLine
from ledgerlink.sync import engine
from ledgerlink.sync.models import SyncRun, SyncStatus

from ..conftest import login, make_tenant
from . import qbo_support, xero_support

pytestmark = pytest.mark.django_db(transaction=True)

PL_TOTALS = {"income", "costOfSales", "grossProfit", "operatingExpenses", "netProfit"}
BS_TOTALS = {"assets", "liabilities", "equity"}


@pytest.fixture
def tenants():
    return make_tenant("Alpha Bank", "alpha"), make_tenant("Beta Bank", "beta")


def sync_statements(connection: Connection) -> None:
    run = engine.start_sync(connection, enqueue=False)
    engine.run(run.pk, sleep=lambda s: None)
    run = SyncRun.objects.get(pk=run.pk)
    assert run.status == SyncStatus.SUCCEEDED, run.message


def cents(value: int) -> Decimal:
    return Decimal(value) / 100


def check_statements(tenant, expected_totals) -> None:
    """The stored lines, the selector's statements and the Financials page all agree with
    the platform's totals for every month the platform reported."""
    company = tenant.company
    lines = FinancialStatementLine.objects.filter(company=company, is_deleted=False)
    totals = lines.filter(section="Totals")
    months = sorted(set(lines.filter(statement="pl").values_list("period_end", flat=True)))
    assert len(months) == 12
    assert set(totals.filter(statement="pl").values_list("account_name", flat=True)) == PL_TOTALS
    assert set(totals.filter(statement="bs").values_list("account_name", flat=True)) == BS_TOTALS
    assert not totals.exclude(account_source_id="").exists()
    # No subtotal, computed row or total slipped in as an account line.
    names = set(lines.exclude(section="Totals").values_list("account_name", flat=True))
    assert not {n for n in names if n.lower().startswith(("total", "net ", "gross"))}, names
    for month in months:
        want = expected_totals("ProfitAndLoss", month)
        got = dict(
            totals.filter(statement="pl", period_end=month).values_list("account_name", "amount")
        )
        assert got == {k: cents(v) for k, v in want.items()}, month
        want_bs = expected_totals("BalanceSheet", month)
        got_bs = dict(
            totals.filter(statement="bs", period_end=month).values_list("account_name", "amount")
        )
        assert got_bs == {k: cents(v) for k, v in want_bs.items()}, month
        # Account lines add up to the platform's own figures.
        pl_accounts = lines.filter(statement="pl", period_end=month).exclude(section="Totals")
        assert sum(pl_accounts.values_list("amount", flat=True)) == cents(
            want["income"] + want["costOfSales"] + want["operatingExpenses"]
        )
    result = financials(company)
    assert result.source == "platform"
    assert result.months == months
    assert result.pl.differences == [] and result.bs.differences == []
    net = next(row for row in result.pl.rows if row.label == "Net profit")
    assert net.amounts == [cents(expected_totals("ProfitAndLoss", m)["netProfit"]) for m in months]
    page = login(tenant.viewer).get(reverse("portal:financials", args=[company.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "no differences" in body and "Balance sheet" in body


def test_xero_statements_carry_the_platforms_totals_and_tie_out(fake_xero, tenants):
    fake, _ = fake_xero
    alpha, beta = tenants
    org = fake.orgs[0]
    sync_statements(xero_support.connect(alpha, fake, org))

    def expected(kind: str, month: date) -> dict[str, int]:
        return xero_app.statement_totals(org, kind, month)

    # A month really is "income less costs": the fake's net profit is not just any number.
    some = expected("ProfitAndLoss", date(2026, 1, 31))
    assert some["netProfit"] == some["income"] - some["costOfSales"] - some["operatingExpenses"]
    check_statements(alpha, expected)
    assert not FinancialStatementLine.objects.filter(company=beta.company).exists()


def test_quickbooks_statements_carry_the_platforms_totals_and_tie_out(fake_qbo, tenants):
    fake, _ = fake_qbo
    alpha, beta = tenants
    company = fake.companies[0]
    sync_statements(qbo_support.connect(alpha, fake, company))

    def expected(kind: str, month: date) -> dict[str, int]:
        return qbo_app.statement_totals(company, kind, month)

    check_statements(alpha, expected)
    assert not FinancialStatementLine.objects.filter(company=beta.company).exists()


def test_a_report_whose_accounts_do_not_add_up_shows_the_difference(fake_xero, tenants):
    """The tie-out can fail: a P&L whose platform net profit disagrees with its lines is
    listed as a difference, never hidden."""
    fake, _ = fake_xero
    alpha, _ = tenants
    sync_statements(xero_support.connect(alpha, fake))
    line = FinancialStatementLine.objects.filter(
        company=alpha.company, statement="pl", section="Totals", account_name="netProfit"
    ).latest("period_end")
    FinancialStatementLine.objects.filter(pk=line.pk).update(amount=line.amount + 1)
    result = financials(alpha.company)
    assert [d.month for d in result.pl.differences] == [line.period_end]
