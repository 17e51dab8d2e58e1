"""Choosing the organisation when one Xero login reaches several, in real Chromium at
360 px: axe-core on the choice page and on its error state."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ledgerlink.connectors.models import Connection
from ledgerlink.relationships import services as relationships
from ledgerlink.relationships.models import Delivery
from tests.browser.helpers import Orgs, heading
from tests.browser.journey_steps import Steps
from tests.connectors.xero_support import fake_xero

pytestmark = pytest.mark.browser
__all__ = ["fake_xero"]


def test_pick_the_organisation_at_360px(narrow_page: Page, orgs: Orgs, fake_xero) -> None:
    fake, _ = fake_xero
    page = narrow_page
    issued = relationships.create_data_request(
        organisation=orgs.alpha.org,
        company=orgs.alpha.company,
        actor=orgs.alpha.analyst,
        wants_financials=False,
        wants_spend=True,
        delivery=Delivery.LINK,
    )
    steps = Steps(page)
    steps.landing(issued.url, "Share your supplier spend data with Alpha Bank")
    steps.choose("Connect your accounting software")
    steps.choose("One")
    steps.choose("Xero")
    steps.click("Agree and connect to Xero")
    steps.click("Continue to Xero")
    for org in fake.orgs:  # the fake Xero's consent page: allow both organisations
        page.get_by_label(org.name).check()
    steps.click("Allow access")
    expect(heading(page)).to_have_text("Xero is connected")
    expect(page.get_by_role("group")).to_contain_text(
        f"Which organisation holds the books of {orgs.alpha.company.name}?"
    )
    steps.check("choose-organisation")
    steps.click("Continue")
    expect(page.get_by_role("alert")).to_contain_text(
        "Select the organisation that holds the books of this legal entity"
    )
    expect(page).to_have_title(re.compile("^Error: "))
    steps.check("choose-organisation-error")
    second = fake.orgs[1]
    steps.choose(second.name)
    expect(heading(page)).to_have_text(re.compile("Thank you"))
    connection = Connection.objects.get(company=orgs.alpha.company, platform="xero")
    assert connection.tenant_id == second.tenant_id
