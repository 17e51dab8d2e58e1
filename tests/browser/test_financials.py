"""Financials in a real browser: statements, the review screen, the dependent lists with and
without JavaScript, at 360 px, with axe-core on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ledgerlink.audit.models import AuditEvent
from ledgerlink.financials import services
from ledgerlink.financials.categorise.engine import HIGH_CONFIDENCE
from ledgerlink.financials.models import AccountCategory
from tests.browser.helpers import assert_accessible, heading, sign_in
from tests.browser.journey_steps import SCREENSHOTS
from tests.browser.test_narrow_screens import assert_no_horizontal_overflow
from tests.financials.conftest import load_sandbox_ledger

pytestmark = pytest.mark.browser


def shot(page: Page, name: str) -> None:
    """The README's Financials screenshots (see journey_steps.SCREENSHOTS)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"financials-{name}.png"), full_page=True)


def open_rent(page: Page, orgs, *, screenshots: bool = False) -> None:
    company = orgs.alpha.company
    load_sandbox_ledger(company)
    sign_in(page, orgs.alpha.analyst.email)
    page.goto(f"/portal/companies/{company.pk}/")
    page.get_by_role("link", name=re.compile("Profit and loss, balance sheet")).click()
    expect(heading(page)).to_have_text("Financials")
    expect(page.get_by_role("heading", name="Balance sheet")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Client's own accounts").click()
    expect(page.get_by_role("rowheader", name="Wages and Salaries")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Review categories of").click()
    expect(heading(page)).to_have_text("Account categories")
    # Categories are suggested after a sync; this ledger was loaded directly, so ask now.
    page.get_by_role("button", name="Suggest categories now").click()
    expect(page.get_by_text(re.compile(r"Categories suggested for \d+ accounts"))).to_be_visible()
    assert_accessible(page)
    if screenshots:
        shot(page, "categories")
    page.get_by_role("link", name="Review category of Rent", exact=True).click()
    expect(heading(page)).to_contain_text("Rent")
    assert_accessible(page)
    if screenshots:
        shot(page, "category")


def choose(page: Page, label: str, value: str, *, with_js: bool) -> None:
    """Pick an option; with JavaScript wait for htmx's round trip and for the new fields to
    settle (a change made before htmx has bound the swapped-in selects would be lost)."""
    select = page.get_by_label(label, exact=True)
    if not with_js:
        select.select_option(value)
        page.get_by_role("button", name="Update choices").click()
        return
    with page.expect_response(lambda r: r.request.method == "POST" and "/categories/" in r.url):
        select.select_option(value)
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def choose_and_save(page: Page, *, with_js: bool) -> None:
    choose(page, "Type", "liability", with_js=with_js)
    subtype = page.get_by_label("Subtype", exact=True)
    expect(subtype.locator("option[value='current_liability']")).to_have_count(1)
    expect(subtype.locator("option[value='operating_expense']")).to_have_count(0)
    choose(page, "Subtype", "current_liability", with_js=with_js)
    detail = page.get_by_label("Detail", exact=True)
    expect(detail.locator("option[value='accrued_liabilities']")).to_have_count(1)
    detail.select_option("accrued_liabilities")
    page.get_by_role("button", name="Save category").click()
    expect(heading(page)).to_have_text("Account categories")
    expect(page.get_by_text("Category of Rent saved.")).to_be_visible()


def test_change_a_category_with_htmx(page: Page, orgs) -> None:
    open_rent(page, orgs, screenshots=True)
    choose_and_save(page, with_js=True)
    rent = AccountCategory.objects.get(company=orgs.alpha.company, account_name="Rent")
    assert rent.confirmed_detail == "accrued_liabilities"


def test_change_a_category_without_javascript(nojs_page: Page, orgs) -> None:
    open_rent(nojs_page, orgs)
    choose_and_save(nojs_page, with_js=False)
    rent = AccountCategory.objects.get(company=orgs.alpha.company, account_name="Rent")
    assert rent.confirmed_detail == "accrued_liabilities"


def test_financials_fit_a_360px_screen(narrow_page: Page, orgs) -> None:
    company = orgs.alpha.company
    load_sandbox_ledger(company)
    sign_in(narrow_page, orgs.alpha.viewer.email)
    for path in ("financials/", "financials/categories/"):
        narrow_page.goto(f"/portal/companies/{company.pk}/{path}")
        assert_no_horizontal_overflow(narrow_page)
        assert_accessible(narrow_page)


def test_confirm_all_high_confidence_suggestions(page: Page, orgs) -> None:
    company = orgs.alpha.company
    load_sandbox_ledger(company)
    services.categorise_company(company)
    high = AccountCategory.objects.filter(company=company, confidence__gte=HIGH_CONFIDENCE).count()
    sign_in(page, orgs.alpha.analyst.email)
    page.goto(f"/portal/companies/{company.pk}/financials/categories/")
    expect(page.get_by_role("heading", name="Confirmed (0)")).to_be_visible()
    page.get_by_role("button", name=f"Confirm {high} high-confidence suggestions").click()
    expect(page.get_by_text(f"{high} high-confidence categories confirmed.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Confirmed ({high})")).to_be_visible()
    assert_accessible(page)
    assert AuditEvent.objects.filter(
        action="financials.categories_confirmed", actor=orgs.alpha.analyst
    ).exists()


def test_pick_a_legal_entity_at_360px(narrow_page: Page, orgs) -> None:
    from ledgerlink.relationships.models import Company

    parent = orgs.alpha.company
    for name, seed in (("North Ltd", 21), ("South Ltd", 22)):
        entity = Company.objects.create(organisation=parent.organisation, parent=parent, name=name)
        load_sandbox_ledger(entity, seed=seed)
    sign_in(narrow_page, orgs.alpha.viewer.email)
    narrow_page.goto(f"/portal/companies/{parent.pk}/financials/")
    expect(narrow_page.get_by_text("Showing North Ltd")).to_be_visible()
    assert_no_horizontal_overflow(narrow_page)
    assert_accessible(narrow_page)
    narrow_page.get_by_label("Legal entity", exact=True).select_option(label="South Ltd")
    narrow_page.get_by_role("button", name="Show").click()
    expect(narrow_page.get_by_text("Showing South Ltd")).to_be_visible()
    expect(narrow_page.get_by_role("heading", name="Balance sheet")).to_be_visible()
    assert_no_horizontal_overflow(narrow_page)
    assert_accessible(narrow_page)


def test_after_a_sync_the_statements_are_categorised_and_the_report_available(
    page: Page, orgs
) -> None:
    from ledgerlink.reports import services as reports

    company = orgs.alpha.company
    load_sandbox_ledger(company)
    # what a completed sync's tasks do: categorise the accounts, then build the report
    services.categorise_company(company)
    reports.queue_reports(company, ["financials"])
    reports.build_company_reports(company.pk)
    sign_in(page, orgs.alpha.analyst.email)
    page.goto(f"/portal/companies/{company.pk}/financials/")
    expect(page.get_by_text("not yet categorised")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile(r"Download Financials"))).to_be_visible()
    expect(page.get_by_role("rowheader", name="Interest expense")).to_be_visible()
    assert_accessible(page)
    shot(page, "statements")
