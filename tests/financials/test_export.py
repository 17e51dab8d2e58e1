"""The Financials page and its Excel export: differences shown in both, ledger-built
statements labelled, the workbook reopened (sheets, formats, numbers as numbers, no
formulas), and a parent's legal entities picked on the page."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ledgerlink.financials import selectors, services
from ledgerlink.financials.export import build_financials_workbook
from ledgerlink.ledger.models import FinancialStatementLine
from ledgerlink.relationships.models import Company
from ledgerlink.reports import services as reports
from ledgerlink.reports.models import Report, ReportStatus

from ..conftest import login
from .conftest import load_sandbox_ledger
from .test_statements import load_costs_only

pytestmark = pytest.mark.django_db

SHEETS = ["P&L", "Balance sheet", "P&L by account", "Balance sheet by account", "Account balances"]


def workbook(data: bytes):
    return load_workbook(io.BytesIO(data))  # not read-only: formats and formulas visible


def notes(sheet) -> list[str]:
    """The text lines above a statement's table."""
    return [
        str(row[0].value)
        for row in sheet.iter_rows(min_row=2, max_row=12)
        if isinstance(row[0].value, str)
    ]


def test_a_tie_out_difference_is_shown_on_the_page_and_in_the_export(categorised_company, tenant):
    company = categorised_company
    cash = FinancialStatementLine.objects.filter(
        company=company, statement="bs", account_name="Petty Cash"
    ).latest("period_end")
    FinancialStatementLine.objects.filter(pk=cash.pk).update(amount=cash.amount + 10)
    rent = FinancialStatementLine.objects.filter(
        company=company, statement="pl", account_name="Rent"
    ).latest("period_end")
    FinancialStatementLine.objects.filter(pk=rent.pk).update(amount=rent.amount + 5)
    client = login(tenant.viewer)
    page = client.get(reverse("portal:financials", args=[company.pk])).content.decode()
    assert page.count("Differences found") == 2 and "no differences" not in page
    assert "(difference 10.00)" in page and "(difference -5.00)" in page
    response = client.get(reverse("portal:financials-export", args=[company.pk]))
    book = workbook(response.content)
    month = f"{rent.period_end:%Y-%m}"
    assert any(
        n.startswith(f"Difference {month}: -5.00 (P&L lines against the platform's net profit")
        for n in notes(book["P&L"])
    ), notes(book["P&L"])
    assert any(
        n.startswith(f"Difference {cash.period_end:%Y-%m}: 10.00 (Assets against liabilities")
        for n in notes(book["Balance sheet"])
    )
    assert not any("no differences" in n for n in notes(book["P&L"]))


def test_a_clean_export_says_it_was_checked(categorised_company, tenant):
    book = workbook(build_financials_workbook(categorised_company))
    assert "Checked (P&L lines against the platform's net profit): no differences." in notes(
        book["P&L"]
    )
    assert "Checked (Assets against liabilities + equity): no differences." in notes(
        book["Balance sheet"]
    )


def test_the_export_reopens_with_numbers_dates_and_no_formulas(categorised_company, tenant):
    company = categorised_company
    FinancialStatementLine.objects.filter(company=company, account_name="Rent").update(
        account_name="=1+2"
    )
    book = workbook(build_financials_workbook(company))
    assert book.sheetnames == SHEETS
    statements = selectors.financials(company)
    for name in SHEETS:
        sheet = book[name]
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (name, cell.coordinate, cell.value)
                assert not (isinstance(cell.value, str) and cell.value.startswith("=")), (
                    name,
                    cell.coordinate,
                )
    pl = book["P&L"]
    header = next(r for r in pl.iter_rows() if r[0].value == "Line")
    months = [c.value for c in header[1:]]
    assert all(isinstance(m, datetime) for m in months)
    assert [m.date() for m in months] == statements.months
    assert header[1].number_format == "yyyy-mm-dd"
    net = next(r for r in pl.iter_rows() if r[0].value == "Net profit")
    assert all(isinstance(c.value, int | float) for c in net[1:])
    assert all(c.number_format == "#,##0.00" for c in net[1:])
    assert [Decimal(str(c.value)) for c in net[1:]] == next(
        r.amounts for r in statements.pl.rows if r.label == "Net profit"
    )
    balances = book["Account balances"]
    head = [c.value for c in balances[1]]
    assert head[:8] == [
        "Code", "Account", "Statement", "Type", "Subtype", "Detail", "Status", "Confidence",
    ]  # fmt: skip
    assert head[8:] == [f"{m:%Y-%m}" for m in statements.months]
    rows = list(balances.iter_rows(min_row=2))
    assert "'=1+2" in [r[1].value for r in rows]  # shown as text, never run
    confidences = [r[7] for r in rows]
    assert all(isinstance(c.value, int | float) and 0 <= c.value <= 1 for c in confidences)
    assert {c.number_format for c in confidences} == {"0.0%"}
    amounts = [c for r in rows for c in r[8:] if c.value is not None]
    assert amounts and all(isinstance(c.value, int | float) for c in amounts)


def test_ledger_built_statements_are_labelled_on_the_page_and_in_the_export(tenant):
    load_costs_only(tenant.company)
    services.categorise_company(tenant.company)
    client = login(tenant.viewer)
    page = client.get(reverse("portal:financials", args=[tenant.company.pk])).content.decode()
    assert "<strong>built from the ledger</strong>" in page and 'data-source="ledger"' in page
    assert "Not checked for 2 months" in page and "no differences" not in page
    assert "Rent and premises" in page
    book = workbook(
        client.get(reverse("portal:financials-export", args=[tenant.company.pk])).content
    )
    assert any(n.startswith("Built from the ledger") for n in notes(book["P&L"]))
    assert any(n.startswith("Not checked for 2 month(s)") for n in notes(book["P&L"]))


def test_a_parent_picks_which_entitys_statements_to_show(tenant, other_tenant):
    parent = tenant.company  # no books of its own; tenant.entity has none either
    north = Company.objects.create(organisation=tenant.org, parent=parent, name="North Ltd")
    south = Company.objects.create(organisation=tenant.org, parent=parent, name="South Ltd")
    load_sandbox_ledger(north, seed=21)
    load_costs_only(south)
    load_sandbox_ledger(other_tenant.company)
    url = reverse("portal:financials", args=[parent.pk])
    client = login(tenant.viewer)
    first = client.get(url).content.decode()
    assert '<select id="entity" name="entity">' in first
    assert f'<option value="{north.pk}" selected>North Ltd</option>' in first
    assert f'<option value="{south.pk}">South Ltd</option>' in first
    assert tenant.entity.name not in first  # no books, nothing to pick
    assert "Showing <strong>North Ltd</strong>" in first and 'data-source="platform"' in first
    assert reverse("portal:financials-export", args=[north.pk]) in first
    second = client.get(url, {"entity": south.pk}).content.decode()
    assert "Showing <strong>South Ltd</strong>" in second and 'data-source="ledger"' in second
    assert reverse("portal:financials-categories", args=[south.pk]) in second
    # only the parent's own entities can be picked
    foreign = client.get(url, {"entity": other_tenant.company.pk}).content.decode()
    assert "Showing <strong>North Ltd</strong>" in foreign
    # an entity's own page shows its statements without a picker
    own = client.get(reverse("portal:financials", args=[south.pk])).content.decode()
    assert 'name="entity"' not in own and 'data-source="ledger"' in own
    # the parent's report points to the page's picker
    reports.queue_reports(parent, ["financials"])
    reports.build_company_reports(parent.pk)
    report = Report.objects.get(company=parent, report_type="financials")
    assert report.status == ReportStatus.UNAVAILABLE
    assert "choose the entity on the Financials page" in report.message
