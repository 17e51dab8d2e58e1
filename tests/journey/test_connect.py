"""Connecting through the journey over real HTTP with the sandbox: consent on record, the
organisation check, denied and duplicate connections, reconnection, statuses and emails."""

from __future__ import annotations

import httpx
import pytest

from ledgerlink.audit.models import AuditEvent
from ledgerlink.connectors.models import Connection, ConnectionStatus
from ledgerlink.connectors.services import mark_needs_reauthorisation
from ledgerlink.journey.consent import CONSENT_VERSION, text_sha256
from ledgerlink.journey.models import Consent, EntityTask
from ledgerlink.notifications.models import EmailDelivery
from ledgerlink.relationships.models import DataRequest, ProvisionStatus, RequestStatus
from ledgerlink.sandbox.services import create_tenant
from tests.conftest import make_tenant

from .helpers import issue
from .oauth import at_sandbox, submit, to_platform


@pytest.fixture
def sandbox(live_server, settings):
    settings.LEDGERLINK_BASE_URL = live_server.url
    settings.LEDGERLINK_SANDBOX_URL = live_server.url + "/sandbox"
    settings.SANDBOX_REDIRECT_URIS = [live_server.url + "/connect/callback/"]
    from ledgerlink.sandbox.ratelimit import BUCKETS

    BUCKETS.reset()
    return live_server.url


@pytest.fixture
def tenants(transactional_db):
    return make_tenant("Alpha Bank", "alpha"), make_tenant("Beta Bank", "beta")


def browser(sandbox: str) -> httpx.Client:
    return httpx.Client(base_url=sandbox, follow_redirects=False, timeout=60)


def test_financials_request_completes_with_consent_on_record(sandbox, tenants):
    alpha, beta = tenants
    books = create_tenant("Harbour Ltd", 3, 4, 6, 4, 2)
    token = issue(alpha, financials=True, spend=False)
    with browser(sandbox) as client:
        callback = at_sandbox(client, to_platform(client, f"/r/{token}/"), books.public_id, "allow")
        back = client.get(callback)
        connected = back.headers["Location"]
        assert connected.endswith("/connected/")
        assert client.get(callback).headers["Location"] == connected  # idempotent
        page = client.get(connected)
        assert "Harbour Ltd" in page.text and alpha.company.name in page.text
        status = submit(client, connected, {"right": "yes"})
        assert status.endswith("/status/")
        body = client.get(status).text
        assert "Data available" in body and "Sandbox Books (demo)" in body
    consent = Consent.objects.get()
    assert consent.text_version == CONSENT_VERSION
    assert consent.text_sha256 == text_sha256(consent.text)
    assert "Profit and loss" in consent.text and "Bills from suppliers" not in consent.text
    assert consent.data_request.company == alpha.company and consent.given_at is not None
    assert Connection.objects.filter(company=alpha.company).count() == 1
    data_request = DataRequest.objects.get(company=alpha.company)
    assert data_request.status == RequestStatus.COMPLETED
    alpha.company.refresh_from_db()
    assert alpha.company.provision_status == ProvisionStatus.DATA_AVAILABLE
    assert EmailDelivery.objects.filter(
        subject__startswith="Data available", to=[alpha.analyst.email]
    ).exists()
    actions = set(
        AuditEvent.objects.filter(company_id=alpha.company.pk).values_list("action", flat=True)
    )
    assert {
        "request.in_progress",
        "consent.recorded",
        "connection.confirmed",
        "request.completed",
    } <= actions
    assert not AuditEvent.objects.filter(organisation=beta.org, action="consent.recorded").exists()


def test_wrong_organisation_is_disconnected_and_the_client_tries_again(sandbox, tenants):
    alpha, _ = tenants
    books = create_tenant("Wrong Books Ltd", 5, 2, 2, 2, 2)
    token = issue(alpha, financials=True, spend=True)
    with browser(sandbox) as client:
        connected = client.get(
            at_sandbox(client, to_platform(client, f"/r/{token}/"), books.public_id, "allow")
        ).headers["Location"]
        retry = submit(client, connected, {"right": "no"})
        assert retry.endswith("/not-connected/")
        page = client.get(retry).text
        assert "We disconnected Wrong Books Ltd" in page and "Choose different software" in page
    connection = Connection.objects.get(company=alpha.company)
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert connection.access_token_encrypted == ""
    assert DataRequest.objects.get(company=alpha.company).status == RequestStatus.IN_PROGRESS


def test_the_same_platform_organisation_cannot_be_linked_to_two_entities(sandbox, tenants):
    alpha, _ = tenants
    books = create_tenant("Shared Books Ltd", 6, 2, 2, 2, 2)
    token = issue(alpha, financials=False, spend=True)
    with browser(sandbox) as client:
        landing = client.get(f"/r/{token}/")
        from .oauth import csrf

        method = client.post(f"/r/{token}/start/", data={"csrfmiddlewaretoken": csrf(landing.text)})
        how_many = submit(client, method.headers["Location"], {"method": "connect"})
        submit(client, how_many, {"mode": "many"})
        first = submit(client, f"/r/{token}/entities/add/", {"name": "First Ltd"})
        callback = at_sandbox(client, to_platform(client, first), books.public_id, "allow")
        submit(client, client.get(callback).headers["Location"], {"right": "yes"})
        second = submit(client, f"/r/{token}/entities/add/", {"name": "Second Ltd"})
        callback = at_sandbox(client, to_platform(client, second), books.public_id, "allow")
        failed = client.get(callback).headers["Location"]
        assert failed.endswith("/not-connected/")
        page = client.get(failed).text
        assert "already connected" in page and "Upload a spreadsheet instead" in page
        hub = client.get(f"/r/{token}/entities/").text
        assert "Needs attention" in hub and "Connected" in hub
    assert Connection.objects.exclude(status=ConnectionStatus.DISCONNECTED).count() == 1
    second_task = EntityTask.objects.get(company__name="Second Ltd")
    assert second_task.failure == "already_linked"


def test_a_lapsed_connection_is_reconnected_in_place(sandbox, tenants):
    alpha, _ = tenants
    books = create_tenant("Lapsing Ltd", 8, 2, 2, 2, 2)
    token = issue(alpha, financials=True, spend=False)
    with browser(sandbox) as client:
        connected = client.get(
            at_sandbox(client, to_platform(client, f"/r/{token}/"), books.public_id, "allow")
        ).headers["Location"]
        submit(client, connected, {"right": "yes"})
        connection = Connection.objects.get(company=alpha.company)
        mark_needs_reauthorisation(connection, "revoked at the platform")
        status = client.get(f"/r/{token}/status/").text
        assert "Reconnect Sandbox Books (demo) for" in status
        task = EntityTask.objects.get()
        callback = at_sandbox(
            client,
            to_platform(client, f"/r/{token}/e/{task.pk}/sign-in/"),
            books.public_id,
            "allow",
        )
        again = client.get(callback).headers["Location"]
        submit(client, again, {"right": "yes"})
    assert Connection.objects.filter(company=alpha.company).count() == 1  # repaired, not added
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DATA_AVAILABLE
