"""The fakes inside the demo (`ledgerlink demo --fakes`): both platforms are offered in the
journey and a client connects the fake Xero through the real OAuth dance and syncs."""

from __future__ import annotations

import httpx
import pytest

from ledgerlink.connectors import registry
from ledgerlink.connectors.models import Connection
from ledgerlink.connectors.qbo import client as qbo_client
from ledgerlink.connectors.xero import client as xero_client
from ledgerlink.fakes.demo import serving
from ledgerlink.ledger.models import Bill
from ledgerlink.relationships import services as relationships
from ledgerlink.sync.models import SyncRun, SyncStatus

from ..connectors.xero_support import consent
from ..journey.oauth import submit, to_platform

pytestmark = pytest.mark.django_db(transaction=True)


def apply(settings, environment: dict[str, str]) -> None:
    for name, value in environment.items():
        setattr(settings, name, int(value) if name.endswith("SPEEDUP") else value)
    xero_client.limiter().reset()
    qbo_client.limiter().reset()


def test_without_the_fakes_or_credentials_neither_platform_is_offered(settings):
    settings.XERO_CLIENT_ID = settings.QBO_CLIENT_ID = ""
    assert {c.key for c in registry.available()}.isdisjoint({"xero", "quickbooks"})


def test_the_demo_fakes_are_offered_and_a_client_connects_xero(
    settings, tenant, other_tenant, live_server
):
    settings.LEDGERLINK_BASE_URL = live_server.url
    issued = relationships.create_data_request(
        organisation=tenant.org,
        company=tenant.company,
        actor=tenant.analyst,
        wants_financials=True,
        wants_spend=True,
        delivery="link",
    )
    with serving() as environment:
        apply(settings, environment)
        assert {"xero", "quickbooks"} <= {c.key for c in registry.available()}
        with httpx.Client(base_url=live_server.url, follow_redirects=False, timeout=60) as browser:
            software = browser.get(f"/r/{issued.token}/")
            assert software.status_code == 200
            authorise = to_platform(browser, f"/r/{issued.token}/", platform="xero")
            assert authorise.startswith(environment["XERO_AUTHORIZE_URL"])
            with httpx.Client(timeout=10) as at_xero:
                page = at_xero.get(authorise).text
            assert "Harbour Trading Ltd" in page
            tenant_id = page.split('name="tenant" value="', 1)[1].split('"', 1)[0]
            params = consent(
                authorise, [tenant_id], redirect=live_server.url + "/connect/callback/"
            )
            connected = str(browser.get("/connect/callback/", params=params).headers["Location"])
            assert submit(browser, connected, {"right": "yes"}).endswith("/status/")
    connection = Connection.objects.get(company=tenant.company, platform="xero")
    run = SyncRun.objects.get(connection=connection)
    assert run.status == SyncStatus.SUCCEEDED, run.message
    assert Bill.objects.filter(company=tenant.company).count() == 400
