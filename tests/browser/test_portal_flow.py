"""A person using the Relationship Portal in a real browser, with axe-core on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ledgerlink.notifications.models import OutboxMessage
from ledgerlink.relationships.models import Company, DataRequest, RequestStatus
from tests.browser.helpers import assert_accessible, heading, sign_in, summary_value

pytestmark = pytest.mark.browser

COMPANY = "Gamma Widgets Ltd"
CONTACT = "Gina Gamma"
CONTACT_EMAIL = "gina@gamma-widgets.test"


def add_company(page: Page, name: str = COMPANY) -> None:
    """From the company list, add a company through the form; lands on its page."""
    page.get_by_role("link", name="Add a company").click()
    expect(heading(page)).to_have_text("Add a company")
    assert_accessible(page)
    page.get_by_label("Company name", exact=True).fill(name)
    page.get_by_label("Contact name", exact=True).fill(CONTACT)
    page.get_by_label("Contact email", exact=True).fill(CONTACT_EMAIL)
    page.get_by_role("button", name="Add company").click()
    expect(heading(page)).to_have_text(name)
    expect(page.get_by_role("status")).to_contain_text(f"{name} created")
    expect(summary_value(page, "Request status")).to_have_text("Not requested")
    assert_accessible(page)


def request_by_email(page: Page) -> None:
    """From a company page, ask for Spend analysis and Financials by email, with a preview."""
    page.get_by_role("link", name="Request data").click()
    expect(heading(page)).to_have_text(f"Request data from {COMPANY}")
    assert_accessible(page)
    page.get_by_role("checkbox", name=re.compile(r"^Spend analysis")).check()
    page.get_by_role("checkbox", name=re.compile(r"^Financials")).check()
    page.get_by_role("button", name="Preview email").click()

    expect(heading(page)).to_have_text("Check the email before sending")
    expect(summary_value(page, "To")).to_have_text(f"{CONTACT} <{CONTACT_EMAIL}>")
    expect(summary_value(page, "Subject")).not_to_be_empty()
    preview = page.get_by_title("Preview of the email")
    expect(preview).to_be_visible()
    email = page.frame_locator("iframe.email-preview").locator("body")
    expect(email).to_contain_text(f"Hello {CONTACT},")
    expect(email).to_contain_text(COMPANY)
    expect(email.get_by_role("link", name="Start sharing data")).to_be_visible()
    plain_text = page.locator("pre.email-text")
    expect(plain_text).to_contain_text("Financials:")
    expect(plain_text).to_contain_text("Spend analysis:")
    # The real link is made only when the email is sent.
    expect(plain_text).to_contain_text("(a secure link, unique to this request, goes here)")
    assert_accessible(page)

    page.get_by_role("button", name="Send email").click()
    expect(heading(page)).to_have_text(COMPANY)
    expect(page.get_by_role("status")).to_contain_text(f"Request emailed to {CONTACT_EMAIL}.")
    expect(summary_value(page, "Request status")).to_have_text("Sent")
    assert_accessible(page)


def test_request_data_by_email_and_open_the_link(page: Page, orgs, live_server) -> None:
    sign_in(page, orgs.alpha.admin.email)
    add_company(page)
    company_url = page.url
    request_by_email(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outbox").click()
    expect(heading(page)).to_have_text("Outbox")
    assert_accessible(page)
    rows = page.locator("table tbody tr")
    # Only alpha's email: the second organisation's email stays in its own outbox.
    expect(rows).to_have_count(1)
    expect(page.get_by_text(orgs.beta.company.contact_email)).to_have_count(0)
    expect(rows.first).to_contain_text(CONTACT_EMAIL)

    newest = rows.first.get_by_role("link")
    subject = newest.inner_text()
    newest.click()
    expect(heading(page)).to_have_text(subject)
    expect(summary_value(page, "To")).to_have_text(CONTACT_EMAIL)
    link = page.locator(".email-body a", has_text="/r/")
    expect(link).to_have_count(1)
    href = link.get_attribute("href")
    assert href is not None and href.startswith(f"{live_server.url}/r/"), href
    expect(link).to_have_text(href)
    # The HTML version carries the same link.
    page.get_by_text("HTML version").click()
    html_email = page.frame_locator("iframe.email-preview").locator("body")
    expect(html_email.get_by_role("link", name="Start sharing data")).to_have_attribute(
        "href", href
    )
    assert_accessible(page)

    link.click()
    expect(page).to_have_url(href)
    expect(heading(page)).to_contain_text("Share your")
    expect(heading(page)).to_have_text("Share your financial and supplier data with Alpha Bank")
    expect(page.locator(".caption")).to_have_text(COMPANY)
    assert_accessible(page)

    page.goto(company_url)
    expect(heading(page)).to_have_text(COMPANY)
    expect(summary_value(page, "Request status")).to_have_text("Opened")
    requests = page.get_by_role("region", name="Data requests")
    expect(requests.locator("tbody tr")).to_have_count(1)
    expect(requests.locator("tbody tr")).to_contain_text("1 view")
    assert_accessible(page)

    data_request = DataRequest.objects.get(company__name=COMPANY)
    assert data_request.organisation == orgs.alpha.org
    assert data_request.wants_financials and data_request.wants_spend
    assert data_request.status == RequestStatus.OPENED
    assert data_request.view_count == 1


def test_add_company_errors_are_summarised_and_focused(page: Page, orgs) -> None:
    sign_in(page, orgs.alpha.analyst.email)
    page.get_by_role("link", name="Add a company").click()
    expect(heading(page)).to_have_text("Add a company")
    expect(page).not_to_have_title(re.compile(r"^Error: "))

    page.get_by_role("button", name="Add company").click()
    expect(page).to_have_title(re.compile(r"^Error: Add a company"))
    summary = page.locator("[data-error-summary]")
    expect(summary.get_by_role("heading", level=2)).to_have_text("There is a problem")
    expect(summary).to_be_focused()  # moved there by app.js
    expected = {
        "Enter the company name": "#id_name",
        "Enter the name of the person to contact": "#id_contact_name",
        "Enter the contact's email address": "#id_contact_email",
    }
    links = summary.get_by_role("link")
    expect(links).to_have_text(list(expected))
    for text, target in expected.items():
        expect(summary.get_by_role("link", name=text)).to_have_attribute("href", target)
        field = page.locator(target)
        expect(field).to_be_visible()
        expect(field).to_have_attribute("aria-invalid", "true")
        # Screen readers read the error when the field gets focus.
        expect(field).to_have_accessible_description(f"Error: {text}")
    assert_accessible(page)

    # Fix one field: it keeps its value and the other errors remain.
    page.get_by_label("Company name", exact=True).fill(COMPANY)
    page.get_by_role("button", name="Add company").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(summary.get_by_role("link")).to_have_text(list(expected)[1:])
    expect(page.get_by_label("Company name", exact=True)).to_have_value(COMPANY)
    assert_accessible(page)
    assert not Company.objects.filter(name=COMPANY).exists()


def test_core_flow_without_javascript(nojs_page: Page, orgs) -> None:
    page = nojs_page
    sign_in(page, orgs.alpha.analyst.email)
    # Make sure this really is a JavaScript-less browser: htmx never loaded.
    assert page.evaluate("typeof window.htmx") == "undefined"

    # Server-side validation works on its own.
    page.get_by_role("link", name="Add a company").click()
    page.get_by_role("button", name="Add company").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("[data-error-summary]")).to_contain_text("There is a problem")
    assert_accessible(page)
    page.get_by_role("link", name="Back").click()
    expect(heading(page)).to_have_text("Companies")

    add_company(page)
    request_by_email(page)

    data_request = DataRequest.objects.get(company__name=COMPANY)
    assert data_request.organisation == orgs.alpha.org
    assert data_request.created_by == orgs.alpha.analyst
    assert data_request.wants_financials and data_request.wants_spend
    assert data_request.status == RequestStatus.SENT
    emails = OutboxMessage.objects.filter(organisation=orgs.alpha.org)
    assert [e.to for e in emails] == [CONTACT_EMAIL]
    assert "/r/" in emails[0].text_body
