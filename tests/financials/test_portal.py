"""The Financials pages: statements, the review screen, changing a category, the export."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ledgerlink.audit.models import AuditEvent
from ledgerlink.financials import services
from ledgerlink.financials.models import AccountCategory, CategoryStatus
from ledgerlink.ledger.models import Account

from ..conftest import login

pytestmark = pytest.mark.django_db


def test_company_page_links_to_financials(ledger_company, tenant):
    body = login(tenant.viewer).get(reverse("portal:company-detail", args=[ledger_company.pk]))
    assert reverse("portal:financials", args=[ledger_company.pk]) in body.content.decode()


def test_statements_page_switches_between_taxonomy_and_own_accounts(ledger_company, tenant):
    client = login(tenant.viewer)
    url = reverse("portal:financials", args=[ledger_company.pk])
    taxonomy = client.get(url).content.decode()
    assert "Profit and loss" in taxonomy and "Balance sheet" in taxonomy
    assert "Payroll" in taxonomy and "Wages and Salaries" not in taxonomy
    assert "no differences" in taxonomy
    own = client.get(url, {"view": "accounts"}).content.decode()
    assert "Wages and Salaries" in own and ">Payroll<" not in own


def test_statement_amounts_are_grouped_by_thousands(ledger_company, tenant):
    page = login(tenant.viewer).get(reverse("portal:financials", args=[ledger_company.pk]))
    amounts = re.findall(r'<td class="number">([^<]*)</td>', page.content.decode())
    assert amounts and all(re.fullmatch(r"-?\d{1,3}(,\d{3})*\.\d\d", a) for a in amounts)
    assert any("," in a for a in amounts)  # the sandbox's balance sheet holds thousands


def _groups(html: str) -> dict[str, set[str]]:
    """The review screen's account names by status section (codes dropped)."""
    found = re.findall(r'<section aria-labelledby="group-([a-z_]+)">(.*?)</section>', html, re.S)
    return {
        status: {re.sub(r"^\d+ ", "", n) for n in re.findall(r'<th scope="row">(.*?)</th>', body)}
        for status, body in found
    }


def test_review_screen_groups_by_status(categorised_company, tenant):
    company = categorised_company
    rent = AccountCategory.objects.get(company=company, account_name="Rent")
    sales = AccountCategory.objects.get(company=company, account_name="Sales")
    AccountCategory.objects.filter(pk=rent.pk).update(confidence=0.3)
    AccountCategory.objects.filter(pk=sales.pk).update(confidence=0.99)
    services.confirm_category(
        AccountCategory.objects.get(company=company, account_name="Petty Cash"),
        type_key="asset", subtype_key="current_asset", detail_key="cash", user=tenant.analyst,
    )  # fmt: skip
    client = login(tenant.viewer)
    text = client.get(reverse("portal:financials-categories", args=[company.pk])).content.decode()
    groups = _groups(text)
    assert list(groups) == ["needs_review", "suggested", "confirmed"]
    assert "Rent" not in groups["suggested"] and "Rent" in groups["needs_review"]
    assert "Sales" in groups["suggested"] and "Sales" not in groups["needs_review"]
    assert "Petty Cash" in groups["confirmed"] and "Petty Cash" not in groups["suggested"]
    assert "Confirmed (1)" in text
    assert "Confirm " not in text  # a viewer cannot confirm
    analyst = login(tenant.analyst).get(reverse("portal:financials-categories", args=[company.pk]))
    assert "high-confidence suggestion" in analyst.content.decode()


def test_change_a_category_without_javascript(categorised_company, tenant):
    ledger_company = categorised_company
    client = login(tenant.analyst)
    rent = AccountCategory.objects.get(company=ledger_company, account_name="Rent")
    url = reverse("portal:financials-category", args=[rent.pk])
    # choose another type: the page comes back with that type's subtypes, nothing saved
    page = client.post(url, {"type": "liability", "subtype": "operating_expense", "refresh": "1"})
    text = page.content.decode()
    assert page.status_code == 200 and 'value="current_liability"' in text
    assert 'value="operating_expense"' not in text
    rent.refresh_from_db()
    assert not rent.is_confirmed
    # an incomplete choice shows the error summary
    bad = client.post(url, {"type": "liability", "subtype": "current_liability", "detail": ""})
    assert (
        "There is a problem" in bad.content.decode() and "Select a detail" in bad.content.decode()
    )
    saved = client.post(
        url, {"type": "liability", "subtype": "current_liability", "detail": "accrued_liabilities"}
    )
    assert saved.status_code == 302
    rent.refresh_from_db()
    assert rent.status == CategoryStatus.CONFIRMED and rent.detail == "accrued_liabilities"
    assert AuditEvent.objects.filter(action="financials.category_changed", actor=tenant.analyst)


def test_htmx_change_returns_the_narrowed_fields_only(categorised_company, tenant):
    ledger_company = categorised_company
    client = login(tenant.analyst)
    rent = AccountCategory.objects.get(company=ledger_company, account_name="Rent")
    url = reverse("portal:financials-category", args=[rent.pk])
    response = client.post(
        url, {"type": "equity", "subtype": "", "detail": ""}, HTTP_HX_REQUEST="true"
    )
    text = response.content.decode()
    assert 'id="category-fields"' in text and "<html" not in text
    assert 'value="equity"' in text and 'value="revenue"' not in text


def test_a_mismatched_detail_is_refused(categorised_company, tenant):
    ledger_company = categorised_company
    client = login(tenant.analyst)
    rent = AccountCategory.objects.get(company=ledger_company, account_name="Rent")
    response = client.post(
        reverse("portal:financials-category", args=[rent.pk]),
        {"type": "expense", "subtype": "operating_expense", "detail": "cash"},
    )
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    rent.refresh_from_db()
    assert not rent.is_confirmed


def test_confirm_all_high_confidence(categorised_company, tenant):
    ledger_company = categorised_company
    client = login(tenant.analyst)
    response = client.post(reverse("portal:financials-confirm-all", args=[ledger_company.pk]))
    assert response.status_code == 302
    assert AccountCategory.objects.filter(company=ledger_company, confirmed_detail__gt="").exists()
    assert AuditEvent.objects.filter(action="financials.categories_confirmed").count() == 1


def test_viewer_cannot_change_a_category(categorised_company, tenant):
    ledger_company = categorised_company
    rent = AccountCategory.objects.get(company=ledger_company, account_name="Rent")
    response = login(tenant.viewer).post(
        reverse("portal:financials-category", args=[rent.pk]),
        {"type": "expense", "subtype": "operating_expense", "detail": "utilities"},
    )
    assert response.status_code == 403
    rent.refresh_from_db()
    assert not rent.is_confirmed


def test_another_organisations_category_is_not_found(categorised_company, tenant, other_tenant):
    theirs = AccountCategory.objects.filter(company=other_tenant.company).first()
    assert theirs is not None
    response = login(tenant.admin).post(
        reverse("portal:financials-category", args=[theirs.pk]),
        {"type": "expense", "subtype": "operating_expense", "detail": "utilities"},
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_confirmed


def test_export_opens_and_is_formula_safe(categorised_company, tenant):
    ledger_company = categorised_company
    from ledgerlink.ledger.models import Account

    Account.objects.filter(company=ledger_company, name="Rent").update(name="=HYPERLINK(1)")
    from ledgerlink.ledger.models import FinancialStatementLine

    FinancialStatementLine.objects.filter(company=ledger_company, account_name="Rent").update(
        account_name="=HYPERLINK(1)"
    )
    response = login(tenant.viewer).get(
        reverse("portal:financials-export", args=[ledger_company.pk])
    )
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert zipfile.is_zipfile(io.BytesIO(data))
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == [
        "P&L", "Balance sheet", "P&L by account", "Balance sheet by account", "Account balances",
    ]  # fmt: skip
    balances = book["Account balances"]
    names = [row[1].value for row in balances.iter_rows(min_row=2)]
    assert "'=HYPERLINK(1)" in names
    assert not any(
        isinstance(c.value, str) and c.value.startswith("=")
        for sheet in book
        for row in sheet.iter_rows()
        for c in row
    )
    header = [c.value for c in balances[1]]
    assert len(header) == 8 + 24


def test_a_get_of_the_financials_pages_writes_nothing(ledger_company, tenant):
    """Suggestions are made after a sync; before they are, pages show a provisional guess
    and say so, and reading them (even as an analyst) writes nothing."""
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    client = login(tenant.analyst)
    urls = [
        reverse("portal:financials", args=[ledger_company.pk]),
        reverse("portal:financials", args=[ledger_company.pk]) + "?view=accounts",
        reverse("portal:financials-categories", args=[ledger_company.pk]),
        reverse("portal:financials-export", args=[ledger_company.pk]),
    ]
    events = AuditEvent.objects.count()
    for url in urls:
        with CaptureQueriesContext(db) as queries:
            assert client.get(url).status_code == 200
        writes = [
            q["sql"]
            for q in queries.captured_queries
            if re.match(r"\s*(INSERT|UPDATE|DELETE)\b", q["sql"], re.I)
        ]
        assert writes == [], url
    assert not AccountCategory.objects.exists()
    assert AuditEvent.objects.count() == events
    page = client.get(urls[0]).content.decode()
    assert "not yet categorised" in page and "Payroll" in page  # statements still shown
    review = client.get(urls[2]).content.decode()
    assert "Suggest categories now" in review


def test_suggest_now_categorises_the_rest_and_is_for_analysts(ledger_company, tenant):
    url = reverse("portal:financials-suggest", args=[ledger_company.pk])
    assert login(tenant.viewer).post(url).status_code == 403
    assert login(tenant.analyst).get(url).status_code == 405
    assert not AccountCategory.objects.exists()
    response = login(tenant.analyst).post(url)
    assert response.status_code == 302
    assert AccountCategory.objects.filter(company=ledger_company).count() == (
        Account.objects.filter(company=ledger_company, is_deleted=False).count()
    )
    assert not AccountCategory.objects.exclude(company=ledger_company).exists()
    event = AuditEvent.objects.get(action="financials.categories_suggested")
    assert event.actor == tenant.analyst and event.company_id == ledger_company.pk


def test_the_financials_page_shows_its_report_and_download(categorised_company, tenant):
    from ledgerlink.reports import services as reports
    from ledgerlink.reports.models import Report

    url = reverse("portal:financials", args=[categorised_company.pk])
    before = login(tenant.viewer).get(url).content.decode()
    assert '<span class="report-name">Financials</span>' in before and "Unavailable" in before
    reports.queue_reports(categorised_company, ["financials"])
    reports.build_company_reports(categorised_company.pk)
    report = Report.objects.get(company=categorised_company, report_type="financials")
    page = login(tenant.viewer).get(url).content.decode()
    assert reverse("portal:report-download", args=[report.pk]) in page
    assert "Update reports" not in page  # a viewer; and the data came without a connection
