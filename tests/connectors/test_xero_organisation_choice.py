"""The journey's organisation choice when one Xero login reaches several organisations,
over real HTTP against the fake Xero (issue 6: "Tenant choice")."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest

from ledgerlink.audit.models import AuditEvent
from ledgerlink.connectors.models import Connection, ConnectionStatus
from ledgerlink.journey import services
from ledgerlink.journey.models import EntityTask
from ledgerlink.ledger.models import Bill
from ledgerlink.relationships import services as relationships
from ledgerlink.sync.models import SyncRun, SyncStatus

from ..conftest import make_tenant
from ..journey.oauth import csrf, to_platform
from .xero_support import connect, consent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tenants():
    return make_tenant("Alpha Bank", "alpha"), make_tenant("Beta Bank", "beta")


def link_for(tenant) -> str:
    issued = relationships.create_data_request(
        organisation=tenant.org,
        company=tenant.company,
        actor=tenant.analyst,
        wants_financials=True,
        wants_spend=True,
        delivery="link",
    )
    return f"/r/{issued.token}/"


def back_from_xero(browser: httpx.Client, link: str, fake, live_url: str) -> str:
    """Walk to Xero, allow both organisations, come back; the connected step's URL."""
    params = consent(
        to_platform(browser, link, platform="xero"),
        [org.tenant_id for org in fake.orgs],
        redirect=live_url + "/connect/callback/",
    )
    back = browser.get("/connect/callback/", params=params)
    assert back.status_code == 302, back.text[:500]
    connected = str(back.headers["Location"])
    assert connected.endswith("/connected/")
    return connected


def post(browser: httpx.Client, url: str, data: dict[str, str]) -> httpx.Response:
    page = browser.get(url)
    assert page.status_code == 200, page.text[:500]
    return browser.post(url, data={"csrfmiddlewaretoken": csrf(page.text), **data})


@pytest.fixture
def journey(fake_xero, tenants, live_server, settings):
    settings.LEDGERLINK_BASE_URL = live_server.url
    fake, _ = fake_xero
    alpha, beta = tenants
    with httpx.Client(base_url=live_server.url, follow_redirects=False, timeout=60) as browser:
        connected = back_from_xero(browser, link_for(alpha), fake, live_server.url)
        connection = Connection.objects.get(company=alpha.company, platform="xero")
        linked = next(o for o in fake.orgs if o.tenant_id == connection.tenant_id)
        other = next(o for o in fake.orgs if o is not linked)
        yield SimpleNamespace(
            browser=browser,
            url=connected,
            connection=connection,
            linked=linked,
            other=other,
            fake=fake,
            alpha=alpha,
            beta=beta,
            live_url=live_server.url,
        )


def test_the_client_picks_the_second_organisation_and_its_bills_arrive(journey):
    browser, connection = journey.browser, journey.connection
    page = browser.get(journey.url)
    assert page.status_code == 200
    assert 'name="tenant"' in page.text
    assert journey.linked.name in page.text and journey.other.name in page.text
    assert "disabled" not in page.text
    # Looking changes nothing: same organisation, no sync, not confirmed.
    connection.refresh_from_db()
    assert connection.tenant_id == journey.linked.tenant_id
    assert not SyncRun.objects.exists()
    assert EntityTask.objects.get(company=journey.alpha.company).confirmed_connection is None

    answer = post(browser, journey.url, {"tenant": journey.other.tenant_id})
    assert answer.status_code == 302, answer.text[:2000]
    assert answer.headers["Location"].endswith("/status/")
    connection.refresh_from_db()
    assert connection.tenant_id == journey.other.tenant_id
    assert connection.tenant_name == journey.other.name
    run = SyncRun.objects.get(connection=connection)
    assert run.status == SyncStatus.SUCCEEDED, run.message
    bills = Bill.objects.filter(company=journey.alpha.company)
    assert bills.count() == journey.other.bills
    assert not Bill.objects.filter(company=journey.beta.company).exists()
    assert AuditEvent.objects.filter(
        organisation=journey.alpha.org, action="connection.tenant_chosen"
    ).exists()

    # Confirmed: the step is done, and a replayed form cannot move the organisation.
    again = browser.get(journey.url)
    assert again.status_code == 302
    replay = browser.post(
        journey.url,
        data={"csrfmiddlewaretoken": csrf(page.text), "tenant": journey.linked.tenant_id},
    )
    assert replay.status_code == 200  # the confirmed entity is past the choice
    assert 'name="tenant"' not in replay.text
    # Two submits racing: the second finds the entity confirmed and changes nothing.
    task = EntityTask.objects.get(company=journey.alpha.company)
    assert not services.choose_organisation(task, connection, journey.linked.tenant_id)
    connection.refresh_from_db()
    assert connection.tenant_id == journey.other.tenant_id
    assert SyncRun.objects.filter(connection=connection).count() == 1


def test_no_choice_or_an_unlisted_one_is_an_error_and_changes_nothing(journey):
    browser, connection = journey.browser, journey.connection
    for data, message in (
        ({}, "Select the organisation that holds the books of this legal entity"),
        ({"tenant": "not-an-organisation"}, "Select one of the organisations listed"),
    ):
        answer = post(browser, journey.url, data)
        assert answer.status_code == 200
        assert "There is a problem" in answer.text
        assert message in answer.text
        assert 'href="#id_tenant_0"' in answer.text and 'id="id_tenant_0"' in answer.text
    connection.refresh_from_db()
    assert connection.tenant_id == journey.linked.tenant_id
    assert connection.status == ConnectionStatus.CONNECTED
    assert not SyncRun.objects.exists()
    assert EntityTask.objects.get(company=journey.alpha.company).confirmed_connection is None


def test_an_organisation_linked_elsewhere_is_shown_but_cannot_be_chosen(journey):
    browser, alpha, beta = journey.browser, journey.alpha, journey.beta
    # Another entity of the same bank already holds the other organisation...
    holder = connect(
        SimpleNamespace(org=alpha.org, company=alpha.entity), journey.fake, journey.other
    )
    # ...while another bank's connection to the linked one takes nothing from this bank.
    connect(beta, journey.fake, journey.linked)
    page = browser.get(journey.url)
    assert journey.other.name in page.text
    assert page.text.count(" disabled") == 1
    assert "Already connected for another legal entity" in page.text
    answer = post(browser, journey.url, {"tenant": journey.other.tenant_id})
    assert answer.status_code == 200
    assert f"{journey.other.name} is already connected for another legal entity" in answer.text
    journey.connection.refresh_from_db()
    assert journey.connection.tenant_id == journey.linked.tenant_id
    holder.refresh_from_db()
    assert holder.status == ConnectionStatus.CONNECTED
    assert not SyncRun.objects.filter(connection=journey.connection).exists()
    # The linked organisation, held by another bank only, can be chosen.
    chosen = post(browser, journey.url, {"tenant": journey.linked.tenant_id})
    assert chosen.status_code == 302
    assert SyncRun.objects.filter(connection=journey.connection).count() == 1


def test_another_requests_link_cannot_choose_for_this_entity(journey, live_server):
    browser = journey.browser
    task = EntityTask.objects.get(company=journey.alpha.company)
    # Beta's client, with their own journey under way, aims at alpha's entity.
    with httpx.Client(base_url=live_server.url, follow_redirects=False, timeout=60) as other:
        beta_link = link_for(journey.beta)
        to_platform(other, beta_link, platform="xero")
        foreign = f"{beta_link}e/{task.pk}/connected/"
        assert other.get(foreign).status_code == 404
        token = csrf(other.get(beta_link + "?intro=1").text)
        forged = other.post(
            foreign, data={"csrfmiddlewaretoken": token, "tenant": journey.other.tenant_id}
        )
        assert forged.status_code == 404
    journey.connection.refresh_from_db()
    assert journey.connection.tenant_id == journey.linked.tenant_id
    assert not SyncRun.objects.exists()
    # A link nobody issued reveals nothing either.
    assert browser.get(f"/r/not-a-link/e/{task.pk}/connected/").status_code == 404


def test_none_of_these_disconnects(journey):
    answer = post(journey.browser, journey.url, {"tenant": "none"})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/not-connected/")
    journey.connection.refresh_from_db()
    assert journey.connection.status == ConnectionStatus.DISCONNECTED
    assert all(g.revoked for g in journey.fake.auth.grants.values())
    assert not SyncRun.objects.exists()


def test_one_organisation_keeps_the_yes_no_check(fake_xero, tenants, live_server, settings):
    settings.LEDGERLINK_BASE_URL = live_server.url
    fake, _ = fake_xero
    alpha, _ = tenants
    with httpx.Client(base_url=live_server.url, follow_redirects=False, timeout=60) as browser:
        params = consent(
            to_platform(browser, link_for(alpha), platform="xero"),
            [fake.orgs[1].tenant_id],
            redirect=live_server.url + "/connect/callback/",
        )
        connected = str(browser.get("/connect/callback/", params=params).headers["Location"])
        page = browser.get(connected).text
        assert 'name="right"' in page and 'name="tenant"' not in page


def test_a_login_whose_first_organisation_a_sibling_holds_links_the_free_one(
    fake_xero, tenants, live_server, settings
):
    """One Xero login reaches the group; a sibling entity already holds the first organisation:
    the callback succeeds with the free one, and the held one is shown but cannot be chosen."""
    settings.LEDGERLINK_BASE_URL = live_server.url
    fake, _ = fake_xero
    alpha, _ = tenants
    first, second = fake.orgs[0], fake.orgs[1]
    connect(SimpleNamespace(org=alpha.org, company=alpha.entity), fake, first)
    with httpx.Client(base_url=live_server.url, follow_redirects=False, timeout=60) as browser:
        connected = back_from_xero(browser, link_for(alpha), fake, live_server.url)
        connection = Connection.objects.get(company=alpha.company, platform="xero")
        assert connection.tenant_id == second.tenant_id
        page = browser.get(connected).text
        assert first.name in page and second.name in page
        assert page.count(" disabled") == 1
    holder = Connection.objects.get(company=alpha.entity, platform="xero")
    assert holder.tenant_id == first.tenant_id and holder.status == ConnectionStatus.CONNECTED


def test_a_login_reaching_only_organisations_held_elsewhere_is_refused(
    fake_xero, tenants, live_server, settings
):
    settings.LEDGERLINK_BASE_URL = live_server.url
    fake, _ = fake_xero
    alpha, _ = tenants
    connect(SimpleNamespace(org=alpha.org, company=alpha.entity), fake, fake.orgs[0])
    with httpx.Client(base_url=live_server.url, follow_redirects=False, timeout=60) as browser:
        params = consent(
            to_platform(browser, link_for(alpha), platform="xero"),
            [fake.orgs[0].tenant_id],
            redirect=live_server.url + "/connect/callback/",
        )
        back = browser.get("/connect/callback/", params=params)
        assert back.status_code == 302
        assert back.headers["Location"].endswith("/not-connected/")
        page = browser.get(back.headers["Location"]).text
        assert "already connected for another company" in page
    assert not Connection.objects.filter(company=alpha.company).exists()
