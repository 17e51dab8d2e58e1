"""End to end against the sandbox over real HTTP: a completed sync categorises every account
(in the worker, not on a page view), the Financials pages only read, the statements balance
and tie to the platform's net profit, and a confirmed category survives the next sync."""

from __future__ import annotations

import re

from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledgerlink.audit.models import AuditEvent
from ledgerlink.financials import selectors, services
from ledgerlink.financials.models import AccountCategory, CategoryStatus
from ledgerlink.ledger.models import Account, FinancialStatementLine
from ledgerlink.reports.models import Report, ReportStatus
from ledgerlink.sandbox.services import create_tenant
from ledgerlink.sync import engine
from ledgerlink.sync.models import SyncStatus

from ..conftest import login
from ..sync.test_sandbox_sync import connect, sandbox, tenants  # noqa: F401 - fixtures

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.I)


def sync(connection) -> None:
    run = engine.start_sync(connection, enqueue=False)
    result = engine.run(run.pk, sleep=lambda s: None)
    assert result is not None and result.status == SyncStatus.SUCCEEDED, result.message


def writes_during(fn) -> list[str]:
    with CaptureQueriesContext(db) as queries:
        fn()
    return [q["sql"] for q in queries.captured_queries if WRITE.match(q["sql"])]


def test_a_synced_company_is_categorised_and_its_pages_only_read(sandbox, tenants):  # noqa: F811
    alpha, beta = tenants
    connection = connect(alpha, sandbox, create_tenant("Harbour Ltd", 7, 12, 60, 50, 20))
    sync(connection)
    company = alpha.company
    # The sync's completion categorised every account (the immediate task backend ran the
    # task on commit), and built the Financials report.
    accounts = Account.objects.filter(company=company, is_deleted=False).count()
    assert accounts > 30
    assert AccountCategory.objects.filter(company=company).count() == accounts
    assert selectors.uncategorised_count(company) == 0
    assert not AccountCategory.objects.filter(company=beta.company).exists()
    report = Report.objects.get(company=company, report_type="financials")
    assert report.status == ReportStatus.AVAILABLE, report.message
    assert report.figures["differences"] == 0 and report.figures["source"] == "platform"

    # Statements: monthly, balanced, tied to the platform's own net profit every month.
    statements = selectors.financials(company)
    assert statements.source == "platform" and not statements.built_from_ledger
    assert 12 <= len(statements.months) <= selectors.MAX_MONTHS
    assert statements.pl.differences == [] and statements.bs.differences == []
    assert statements.pl.unchecked == [] and statements.bs.unchecked == []
    net = next(r for r in statements.pl.rows if r.label == "Net profit")
    platform = dict(
        FinancialStatementLine.objects.filter(
            company=company, section="Totals", account_name="netProfit"
        ).values_list("period_end", "amount")
    )
    assert net.amounts == [platform[m] for m in statements.months]

    # A GET of every Financials page changes nothing: no write query, no new row.
    viewer = login(alpha.viewer)
    before = (AccountCategory.objects.count(), AuditEvent.objects.count())
    urls = [
        reverse("portal:financials", args=[company.pk]),
        reverse("portal:financials", args=[company.pk]) + "?view=accounts",
        reverse("portal:financials-categories", args=[company.pk]),
        reverse("portal:financials-export", args=[company.pk]),
    ]
    for url in urls:
        response = None

        def get(url=url):
            nonlocal response
            response = viewer.get(url)

        assert writes_during(get) == [], url
        assert response is not None and response.status_code == 200
    assert (AccountCategory.objects.count(), AuditEvent.objects.count()) == before
    page = viewer.get(urls[0]).content.decode()
    assert "no differences" in page and "not yet categorised" not in page

    # A confirmed category survives the next sync (which re-suggests changed accounts).
    rent = AccountCategory.objects.get(company=company, account_name="Rent")
    services.confirm_category(
        rent, type_key="expense", subtype_key="operating_expense",
        detail_key="utilities", user=alpha.analyst,
    )  # fmt: skip
    Account.objects.filter(company=company).update(name="Renamed")  # the sync renames back
    sync(connection)
    rent.refresh_from_db()
    assert rent.status == CategoryStatus.CONFIRMED and rent.detail == "utilities"
    assert rent.account_name == "Rent"  # re-suggested from the synced account, kept confirmed
    assert AccountCategory.objects.filter(company=company).count() == accounts
