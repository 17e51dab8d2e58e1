"""A client clicks Connect on the landing page and authorises at the sandbox, in a browser.

Catches what the Django test client cannot: the Origin header a real browser sends on the
Connect form (CSRF), cookies across the OAuth redirect, and the pages on the way back.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ledgerlink.connectors.models import Connection
from ledgerlink.ledger.models import Bill
from ledgerlink.relationships import services as relationships
from ledgerlink.relationships.models import Delivery
from ledgerlink.sandbox.services import create_tenant
from tests.browser.helpers import Orgs, assert_accessible, heading

pytestmark = pytest.mark.browser


@pytest.fixture
def sandbox_settings(settings, live_server):
    settings.LEDGERLINK_SANDBOX_URL = live_server.url + "/sandbox"
    settings.SANDBOX_REDIRECT_URIS = [live_server.url + "/connect/callback/"]
    from ledgerlink.sandbox.ratelimit import BUCKETS

    BUCKETS.reset()


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_connect_sandbox_from_the_landing_page(
    page: Page, nojs_page: Page, orgs: Orgs, sandbox_settings, js: bool
) -> None:
    tab = page if js else nojs_page
    books = create_tenant("Clicky Books Ltd", 9, 5, 20, 15, 5)
    issued = relationships.create_data_request(
        organisation=orgs.alpha.org,
        company=orgs.alpha.company,
        actor=orgs.alpha.admin,
        wants_financials=True,
        wants_spend=True,
        delivery=Delivery.LINK,
    )
    tab.goto(issued.url)
    assert_accessible(tab)
    tab.get_by_role("button", name="Connect Sandbox").click()
    tab.get_by_label("Email").fill("demo@sandbox.test")
    tab.get_by_label("Password").fill("sandbox")
    tab.get_by_role("button", name="Sign in").click()
    tab.get_by_label("Clicky Books Ltd").check()
    tab.get_by_role("button", name="Allow").click()
    expect(heading(tab)).to_have_text("Clicky Books Ltd is connected")
    assert_accessible(tab)
    connection = Connection.objects.get(company=orgs.alpha.company)
    assert connection.tenant_id == books.public_id
    assert Bill.objects.filter(company=orgs.alpha.company).count() == 20
