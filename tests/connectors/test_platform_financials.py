"""Financial statements read from Xero and QuickBooks tie out like the sandbox's: the P&L to
the platform's own net profit, the balance sheet to itself; a difference is flagged."""

from __future__ import annotations

import pytest

from ledgerlink.financials import selectors, services
from ledgerlink.ledger.models import FinancialStatementLine
from ledgerlink.sync import engine
from ledgerlink.sync.models import SyncStatus

from ..conftest import make_tenant
from . import qbo_support, xero_support
from .qbo_support import fake_qbo  # noqa: F401 - fixture
from .xero_support import fake_xero  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)


def synced(connection) -> None:
    run = engine.start_sync(connection, enqueue=False)
    engine.run(run.pk, sleep=lambda s: None)
    run.refresh_from_db()
    assert run.status == SyncStatus.SUCCEEDED, run.message


def assert_ties_out_and_flags_a_difference(company) -> None:
    totals = FinancialStatementLine.objects.filter(
        company=company, statement="pl", section="Totals", account_name="netProfit"
    )
    assert totals.count() == 12  # the platform's own net profit, every month
    services.categorise_company(company)
    statements = selectors.financials(company)
    assert statements.source == "platform"
    assert len(statements.months) == 12
    assert statements.pl.differences == [] and statements.bs.differences == []
    results = FinancialStatementLine.objects.filter(
        company=company, account_name__in=["Net Profit", "Net Income", "Net Assets", "netProfit"]
    )
    assert results.exists()
    assert not results.exclude(section="Totals").exists()  # totals, never account lines

    # A line that no longer adds up to the platform's net profit is flagged, not hidden.
    line = (
        FinancialStatementLine.objects.filter(company=company, statement="pl")
        .exclude(section="Totals")
        .order_by("period_end", "account_name")
        .first()
    )
    assert line is not None
    FinancialStatementLine.objects.filter(pk=line.pk).update(amount=line.amount + 100)
    flagged = selectors.financials(company).pl.differences
    assert [check.month for check in flagged] == [line.period_end]
    assert abs(flagged[0].difference) == 100


def test_xero_statements_tie_out(fake_xero):  # noqa: F811
    fake, _ = fake_xero
    alpha, _ = make_tenant("Alpha Bank", "alpha"), make_tenant("Beta Bank", "beta")
    synced(xero_support.connect(alpha, fake))
    assert_ties_out_and_flags_a_difference(alpha.company)


def test_quickbooks_statements_tie_out(fake_qbo):  # noqa: F811
    fake, _ = fake_qbo
    alpha, _ = make_tenant("Alpha Bank", "alpha"), make_tenant("Beta Bank", "beta")
    synced(qbo_support.connect(alpha, fake))
    assert_ties_out_and_flags_a_difference(alpha.company)
