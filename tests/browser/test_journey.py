"""The customer journey in real Chromium: every request type, three legal entities at
360 px (two connected, one uploaded), the whole journey without JavaScript, denied consent,
and keyboard only. axe-core checks every journey page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ledgerlink.connectors.models import Connection
from ledgerlink.relationships import services as relationships
from ledgerlink.relationships.models import Company, DataRequest, Delivery, RequestStatus
from ledgerlink.sandbox.services import create_tenant
from tests.browser.helpers import Orgs, heading, sign_in
from tests.browser.journey_steps import SOFTWARE, Steps
from tests.imports.helpers import valid_rows, with_cell, xlsx

pytestmark = pytest.mark.browser


@pytest.fixture
def sandbox_settings(settings, live_server):
    settings.LEDGERLINK_SANDBOX_URL = live_server.url + "/sandbox"
    settings.SANDBOX_REDIRECT_URIS = [live_server.url + "/connect/callback/"]
    from ledgerlink.sandbox.ratelimit import BUCKETS

    BUCKETS.reset()


def request_for(orgs: Orgs, *, financials: bool, spend: bool) -> relationships.IssuedRequest:
    return relationships.create_data_request(
        organisation=orgs.alpha.org,
        company=orgs.alpha.company,
        actor=orgs.alpha.analyst,
        wants_financials=financials,
        wants_spend=spend,
        delivery=Delivery.LINK,
    )


def test_spend_request_with_three_entities_at_360px(
    narrow_page: Page, orgs: Orgs, sandbox_settings, live_server
) -> None:
    """Two entities connected with the sandbox, one by template upload; screenshots of
    every step; the relationship manager sees every entity reach Data available."""
    page = narrow_page
    create_tenant("Northwind Trading Ltd", 21, 4, 8, 6, 3)
    create_tenant("Southwind Supplies Ltd", 22, 3, 6, 4, 2)
    issued = request_for(orgs, financials=False, spend=True)
    steps = Steps(page, shots="journey")
    steps.landing(issued.url, "Share your supplier spend data with Alpha Bank")
    expect(heading(page)).to_have_text("How do you want to share your supplier data?")
    steps.click("Continue")  # nothing chosen: the error summary
    expect(page.get_by_role("alert")).to_contain_text("Select how you want to share your data")
    expect(page).to_have_title(re.compile("^Error: "))
    steps.check("method-error")
    steps.choose("Connect your accounting software")
    expect(heading(page)).to_have_text("How many legal entities does your organisation have?")
    steps.check("how-many")
    steps.choose("More than one")
    steps.check("entity-name")
    steps.add_entity("Northwind Trading Ltd")
    steps.connect("Northwind Trading Ltd", search=True)
    expect(heading(page)).to_have_text("Your legal entities")
    steps.check("entities")
    steps.click("Add another legal entity", "link")
    steps.add_entity("  northwind trading LTD ")
    expect(page.get_by_role("alert")).to_contain_text("You have already added")
    steps.check("entity-duplicate")
    steps.add_entity("Southwind Supplies Ltd")
    steps.connect("Southwind Supplies Ltd")
    steps.click("Add another legal entity", "link")
    steps.add_entity("Westwind Services Ltd")
    steps.click("Upload a spreadsheet of your supplier data instead", "link")

    steps.upload("broken.xlsx", xlsx(with_cell("Bills", 2, 1, "")))
    expect(page.get_by_role("heading", name="Problems to fix")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Bills")
    steps.check("upload-problems")
    steps.upload("suppliers.xlsx", xlsx(valid_rows()), check=False)
    expect(heading(page)).to_have_text("File received")
    steps.check("uploaded")
    steps.click("Continue", "link")
    expect(page.locator(".task-list")).to_contain_text("Connected")
    expect(page.locator(".task-list")).to_contain_text("File received")
    steps.check("entities-done")
    steps.click("Finish", "link")
    expect(heading(page)).to_have_text("Check your answers before sending")
    steps.check("check")
    steps.click("Confirm and send")
    steps.status()
    main = page.get_by_role("main")
    for name in ("Northwind Trading Ltd", "Southwind Supplies Ltd", "Westwind Services Ltd"):
        expect(main).to_contain_text(name)
    assert DataRequest.objects.get(pk=issued.data_request.pk).status == RequestStatus.COMPLETED
    entities = Company.objects.filter(parent=orgs.alpha.company).exclude(pk=orgs.alpha.entity.pk)
    assert sorted(e.provision_status for e in entities) == ["data_available"] * 3
    # The relationship manager's company page shows the entities with their statuses.
    page.context.clear_cookies()
    sign_in(page, orgs.alpha.analyst.email)
    page.goto(f"/portal/companies/{orgs.alpha.company.pk}/")
    table = page.get_by_role("table").filter(has_text="Westwind Services Ltd")
    expect(table).to_contain_text("Data available")
    expect(table).to_contain_text("Sandbox: Data available")
    expect(page.get_by_role("main")).to_contain_text("Completed")
    page.screenshot(path=str(steps_shot("portal-entities")), full_page=True)


def steps_shot(name: str):
    from tests.browser.journey_steps import SCREENSHOTS

    return SCREENSHOTS / f"journey-{name}.png"


def test_whole_journey_without_javascript(nojs_page: Page, orgs: Orgs, sandbox_settings) -> None:
    """Spend only, two entities (one connected, one uploaded), with JavaScript off."""
    page = nojs_page
    create_tenant("Quiet Books Ltd", 31, 3, 5, 4, 2)
    issued = request_for(orgs, financials=False, spend=True)
    steps = Steps(page)
    steps.landing(issued.url, "Share your supplier spend data with Alpha Bank")
    steps.check("method")
    steps.choose("Connect your accounting software")
    steps.check("how-many")
    steps.choose("More than one")
    steps.add_entity("Quiet Books Ltd")
    steps.connect("Quiet Books Ltd", search=True)
    steps.check("entities")
    steps.click("Add another legal entity", "link")
    steps.add_entity("Paper Files Ltd")
    steps.click("Upload a spreadsheet of your supplier data instead", "link")
    steps.upload("suppliers.xlsx", xlsx(valid_rows()))
    steps.check("uploaded")
    steps.click("Continue", "link")
    steps.click("Finish", "link")
    steps.check("check")
    steps.click("Confirm and send")
    steps.status()
    expect(page.get_by_role("main")).to_contain_text("Data available")
    page.goto(issued.url)  # the same link later shows the status page
    expect(heading(page)).to_have_text("Thank you: your data is on its way")


def test_financials_denied_then_connected(page: Page, orgs: Orgs, sandbox_settings) -> None:
    books = create_tenant("Careful Ltd", 41, 3, 4, 3, 2)
    issued = request_for(orgs, financials=True, spend=False)
    steps = Steps(page)
    steps.landing(issued.url, "Share your financial statements with Alpha Bank")
    steps.software()
    steps.consent_and_sign_in()
    steps.at_sandbox("Careful Ltd", allow=False)
    expect(heading(page)).to_have_text(f"You did not connect {SOFTWARE}")
    steps.check("denied")
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="Choose different software")).to_be_visible()
    expect(main).not_to_contain_text("access_denied")
    steps.click("Save and come back later", "link")
    expect(heading(page)).to_have_text("Your progress is saved")
    steps.check("saved")
    steps.click("Continue now", "link")
    steps.click(f"Try {SOFTWARE} again", "link")
    steps.click(f"Continue to {SOFTWARE}")
    steps.at_sandbox("Careful Ltd")
    steps.confirm("Careful Ltd")
    steps.status()
    assert Connection.objects.get(company=orgs.alpha.company).tenant_id == books.public_id


def tab_to(page: Page, target, limit: int = 40) -> None:
    """Press Tab until `target` has the focus (keyboard only, no clicks)."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def test_both_types_keyboard_only(page: Page, orgs: Orgs, sandbox_settings) -> None:
    create_tenant("Keyboard Ltd", 51, 3, 4, 3, 2)
    issued = request_for(orgs, financials=True, spend=True)
    page.goto(issued.url)
    expect(heading(page)).to_have_text("Share your financial and supplier data with Alpha Bank")
    keys = Steps(page)
    keys.check("landing")

    def press(role: str, name: str, key: str = "Enter") -> None:
        target = page.get_by_role(role, name=name)  # type: ignore[arg-type]
        tab_to(page, target)
        page.keyboard.press(key)

    press("button", "Start now")
    expect(heading(page)).to_have_text("Select your accounting software")
    press("radio", SOFTWARE, "Space")
    press("button", "Continue")
    press("button", f"Agree and connect to {SOFTWARE}")
    press("button", f"Continue to {SOFTWARE}")
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type("demo@sandbox.test")
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type("sandbox")
    press("button", "Sign in")
    press("radio", "Keyboard Ltd", "Space")
    press("button", "Allow")
    expect(heading(page)).to_have_text(f"{SOFTWARE} is connected")
    press("radio", "Yes, this is the right organisation", "Space")
    press("button", "Continue")
    keys.status()
