"""Spend insights pages: accessible (axe-core), usable without JavaScript and at 360 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ledgerlink.imports.services import import_template
from ledgerlink.reports.models import Report
from tests.browser.helpers import assert_accessible, heading, sign_in
from tests.browser.test_narrow_screens import assert_no_horizontal_overflow, assert_tables_reflow
from tests.imports.helpers import csv_zip

pytestmark = pytest.mark.browser


def with_reports(orgs) -> None:
    # A committed import: its build task runs at commit (immediate task backend in tests).
    assert import_template(orgs.alpha.company, csv_zip(), "t.zip", actor_kind="system").ok
    assert Report.objects.filter(company=orgs.alpha.company, status="available").exists()


def test_insights_list_download_and_company_figures(page: Page, orgs) -> None:
    with_reports(orgs)
    sign_in(page, orgs.alpha.analyst.email)
    page.get_by_role("link", name="Spend insights").click()
    expect(heading(page)).to_have_text("Spend insights")
    expect(page.get_by_text(orgs.beta.company.name)).to_have_count(0)
    assert_accessible(page)
    page.locator("details.report-menu summary").first.click()
    with page.expect_download() as download:
        page.get_by_role(
            "link", name=f"Download Spend Analysis of {orgs.alpha.company.name}"
        ).click()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.get_by_role("link", name=orgs.alpha.company.name, exact=True).click()
    expect(page.get_by_text("Annual card benefits")).to_be_visible()
    assert_accessible(page)


def test_subscribers_form_errors_without_javascript(nojs_page: Page, orgs) -> None:
    page = nojs_page
    sign_in(page, orgs.alpha.analyst.email)
    page.goto(f"/portal/companies/{orgs.alpha.company.pk}/subscribers/")
    page.get_by_label("Email addresses").fill("not-an-email")
    page.get_by_role("button", name="Save subscribers").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert page.title().startswith("Error:")
    assert_accessible(page)


def test_insights_pages_fit_a_360px_screen(narrow_page: Page, orgs) -> None:
    with_reports(orgs)
    page = narrow_page
    sign_in(page, orgs.alpha.admin.email)
    for url in (
        "/portal/insights/",
        f"/portal/companies/{orgs.alpha.company.pk}/",
        "/portal/settings/reports/",
    ):
        page.goto(url)
        page.locator("details.report-menu").evaluate_all("els => els.forEach(e => e.open = true)")
        assert_no_horizontal_overflow(page)
        assert_tables_reflow(page)
    assert_accessible(page)
