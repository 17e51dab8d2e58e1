"""Legal entities (names, child companies, the task list, check answers) and manual upload."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from ledgerlink.audit.models import AuditEvent
from ledgerlink.journey.models import EntityTask
from ledgerlink.ledger.models import Bill
from ledgerlink.notifications.models import EmailDelivery
from ledgerlink.relationships.models import Company, DataRequest, ProvisionStatus, RequestStatus
from tests.imports.helpers import valid_rows, with_cell, xlsx

from .helpers import issue, post, start

pytestmark = pytest.mark.django_db


def multi_entity(client: Client, token: str) -> None:
    how_many = post(client, start(client, token), {"method": "connect"})
    assert post(client, how_many, {"mode": "many"}).endswith("/entities/add/")


def test_entities_become_child_companies_and_duplicates_are_rejected(tenant, other_tenant):
    client = Client()
    token = issue(tenant, financials=False, spend=True)
    multi_entity(client, token)
    software = post(client, f"/r/{token}/entities/add/", {"name": "  Acme   Ltd "})
    assert re.search(r"/e/\d+/software/$", software)
    acme = Company.objects.get(parent=tenant.company, name="Acme Ltd")
    assert acme.organisation == tenant.org
    assert acme.provision_status == ProvisionStatus.AWAITING_CLIENT
    again = client.post(f"/r/{token}/entities/add/", {"name": "acme ltd"})
    body = again.content.decode()
    assert again.status_code == 200 and "<title>Error: " in body
    assert "You have already added acme ltd" in body and 'href="#id_name"' in body
    empty = client.post(f"/r/{token}/entities/add/", {"name": "   "}).content.decode()
    assert "Enter the name of the legal entity" in empty
    post(client, f"/r/{token}/entities/add/", {"name": "Beta Holdings"})
    assert Company.objects.filter(parent=tenant.company).count() == 3  # + the fixture's entity
    hub = client.get(f"/r/{token}/entities/").content.decode()
    assert "Acme Ltd" in hub and "Beta Holdings" in hub
    assert hub.count("Not started") >= 2  # statuses are text
    assert "Add another legal entity" in hub
    check = client.get(f"/r/{token}/check/").content.decode()
    assert "Before you can send" in check and "Confirm and send" not in check
    # Submitting too early changes nothing.
    client.post(f"/r/{token}/check/")
    assert DataRequest.objects.get(company=tenant.company).status == RequestStatus.IN_PROGRESS
    assert (
        AuditEvent.objects.filter(action="entity.added", company_id=tenant.company.pk).count() == 2
    )


def test_an_existing_entity_of_the_same_name_is_reused(tenant, other_tenant):
    client = Client()
    token = issue(tenant, financials=False, spend=True)
    multi_entity(client, token)
    post(client, f"/r/{token}/entities/add/", {"name": tenant.entity.name.upper()})
    assert EntityTask.objects.get().company == tenant.entity


def test_multi_entity_upload_then_check_answers_completes(tenant, other_tenant):
    client = Client()
    token = issue(tenant, financials=False, spend=True)
    multi_entity(client, token)
    software = post(client, f"/r/{token}/entities/add/", {"name": "Upload Co"})
    task = EntityTask.objects.get(company__name="Upload Co")
    upload_url = software.replace("/software/", "/upload/")
    done = client.post(upload_url, {"file": _file(xlsx())})
    assert done.status_code == 302 and done["Location"].endswith("/uploaded/")
    summary = client.get(done["Location"]).content.decode()
    assert "File received" in summary and "bills" in summary
    assert f'href="/r/{token}/entities/"' in summary
    assert Bill.objects.filter(company=task.company).exists()
    hub = client.get(f"/r/{token}/entities/").content.decode()
    assert "File received" in hub
    check = client.get(f"/r/{token}/check/").content.decode()
    assert "Confirm and send" in check and 'Change<span class="visually-hidden"> Upload Co' in check
    assert post(client, f"/r/{token}/check/").endswith("/status/")
    assert DataRequest.objects.get(company=tenant.company).status == RequestStatus.COMPLETED
    # The requested company shows its entities' status (the fixture's idle entity aside).
    tenant.company.refresh_from_db()
    assert tenant.company.provision_status == ProvisionStatus.DATA_AVAILABLE
    status = client.get(f"/r/{token}/status/").content.decode()
    assert "Upload Co" in status and "Data available" in status and "LL-" in status
    # Later visits to the link show the status page.
    assert client.get(f"/r/{token}/")["Location"].endswith("/status/")


def _file(data: bytes, name: str = "suppliers.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_upload_lists_every_problem_and_imports_nothing_until_fixed(tenant, other_tenant):
    client = Client()
    token = issue(tenant, financials=False, spend=True)
    upload_url = post(client, start(client, token), {"method": "upload"})
    rows = with_cell("Bills", 3, 1, "")
    rows["Suppliers"][0][0] = ""
    bad = client.post(upload_url, {"file": _file(xlsx(rows))})
    body = bad.content.decode()
    assert bad.status_code == 400
    assert "Nothing was imported" in body and "Problems to fix" in body
    assert body.count("<tr><td") >= 2  # one row per problem, with sheet/row/column
    assert "Bills" in body and "Suppliers" in body
    assert not Bill.objects.filter(company=tenant.company).exists()
    empty = client.post(upload_url, {})
    assert "Select the filled-in template to upload" in empty.content.decode()
    good = client.post(upload_url, {"file": _file(xlsx(valid_rows()))})
    assert good.status_code == 302
    assert Bill.objects.filter(company=tenant.company).exists()
    data_request = DataRequest.objects.get(company=tenant.company)
    assert data_request.status == RequestStatus.COMPLETED
    # The assigned analyst hears that the data is available.
    notes = EmailDelivery.objects.filter(subject__startswith="Data available")
    assert [n.to for n in notes] == [[tenant.analyst.email]]
    assert not EmailDelivery.objects.filter(
        organisation=other_tenant.org, subject__startswith="Data"
    ).exists()


def test_an_oversized_upload_is_refused_before_it_is_parsed(tenant, other_tenant, settings):
    settings.LEDGERLINK_JOURNEY_UPLOAD_MAX_BYTES = 1024 * 1024
    client = Client()
    token = issue(tenant, financials=False, spend=True)
    upload_url = post(client, start(client, token), {"method": "upload"})
    big = client.post(upload_url, {"file": _file(b"x" * (2 * 1024 * 1024))})
    assert big.status_code == 413
    assert "must be smaller than 1 MB" in big.content.decode()
    assert not AuditEvent.objects.filter(action__startswith="import.").exists()


def test_a_link_cannot_mint_endless_companies(tenant, other_tenant, monkeypatch):
    from ledgerlink.journey import services

    monkeypatch.setattr(services, "MAX_ENTITIES", 2)
    client = Client()
    token = issue(tenant, financials=False, spend=True)
    multi_entity(client, token)
    post(client, f"/r/{token}/entities/add/", {"name": "One Ltd"})
    post(client, f"/r/{token}/entities/add/", {"name": "Two Ltd"})
    third = client.post(f"/r/{token}/entities/add/", {"name": "Three Ltd"})
    assert "You can add up to 2 legal entities" in third.content.decode()
    assert not Company.objects.filter(name="Three Ltd").exists()


def test_status_page_polls_while_data_is_on_its_way(tenant, other_tenant):
    client = Client()
    token = issue(tenant, financials=True, spend=False)
    start(client, token)
    Company.objects.filter(pk=tenant.company.pk).update(provision_status=ProvisionStatus.SYNCING)
    page = client.get(f"/r/{token}/status/").content.decode()
    assert 'hx-trigger="every 3s"' in page and "Refresh the page to see progress" in page
    fragment = client.get(f"/r/{token}/status/", headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith("<section") and "<html" not in fragment
    assert "Syncing" in fragment
    Company.objects.filter(pk=tenant.company.pk).update(
        provision_status=ProvisionStatus.DATA_AVAILABLE
    )
    done = client.get(f"/r/{token}/status/", headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and "Data available" in done
