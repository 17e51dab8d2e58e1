"""Which steps a client goes through (journey.md §2), org flags, and GET never changing state."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from ledgerlink.journey.models import EntityTask, Journey
from ledgerlink.relationships.models import DataRequest, RequestStatus

from .helpers import issue, post, start

pytestmark = pytest.mark.django_db


def test_financials_only_goes_straight_to_the_software_list(tenant, other_tenant):
    client = Client()
    token = issue(tenant, financials=True, spend=False)
    landing = client.get(f"/r/{token}/")
    assert landing.status_code == 200
    body = landing.content.decode()
    assert "Financials" in body and "Spend analysis" not in body
    assert body.count('class="button"') == 1  # one primary action
    assert "About 5 minutes" in body and "read-only" in body
    next_url = start(client, token)
    assert re.search(r"/e/\d+/software/$", next_url)
    task = EntityTask.objects.get()
    assert task.company == tenant.company  # the requested company itself
    assert DataRequest.objects.get(company=tenant.company).status == RequestStatus.IN_PROGRESS


def test_both_types_go_to_the_software_list_without_entity_steps(tenant, other_tenant):
    client = Client()
    token = issue(tenant, financials=True, spend=True)
    assert re.search(r"/e/\d+/software/$", start(client, token))
    body = client.get(start(client, token)).content.decode()
    assert "Upload a spreadsheet" not in body  # manual upload is spend-only


def test_spend_only_offers_upload_or_connect_then_entities(tenant, other_tenant):
    client = Client()
    token = issue(tenant, financials=False, spend=True)
    method_url = start(client, token)
    assert method_url.endswith("/how/")
    page = client.get(method_url).content.decode()
    assert "Upload a spreadsheet" in page and "Connect your accounting software" in page
    how_many = post(client, method_url, {"method": "connect"})
    assert how_many.endswith("/entities/how-many/")
    software = post(client, how_many, {"mode": "one"})
    assert re.search(r"/e/\d+/software/$", software)
    assert (
        "Upload a spreadsheet of your supplier data instead"
        in client.get(software).content.decode()
    )


def test_spend_only_upload_choice_goes_to_the_upload_page(tenant, other_tenant):
    client = Client()
    token = issue(tenant, financials=False, spend=True)
    upload = post(client, start(client, token), {"method": "upload"})
    assert re.search(r"/e/\d+/upload/$", upload)
    assert "Download the supplier information template" in client.get(upload).content.decode()


@pytest.mark.parametrize(
    ("upload", "multi", "first_step"),
    [
        (False, True, "/entities/how-many/"),
        (True, False, "/how/"),
        (False, False, "/software/"),
    ],
)
def test_org_flags_remove_their_steps(tenant, other_tenant, upload, multi, first_step):
    tenant.org.allow_manual_upload = upload
    tenant.org.allow_multi_entity = multi
    tenant.org.save()
    client = Client()
    token = issue(tenant, financials=False, spend=True)
    next_url = start(client, token)
    assert next_url.endswith(first_step)
    if upload and not multi:
        software = post(client, next_url, {"method": "connect"})
        assert software.endswith("/software/")  # no entity question
    if not upload:
        # The upload route is gone everywhere, including "my software isn't listed".
        task = EntityTask.objects.filter(journey__data_request__company=tenant.company).first()
        if task is not None:
            page = client.get(f"/r/{token}/e/{task.pk}/software/").content.decode()
            assert "Upload a spreadsheet" not in page
            assert client.get(f"/r/{token}/e/{task.pk}/upload/").status_code == 404


def test_method_question_without_an_answer_shows_the_error_summary(tenant, other_tenant):
    client = Client()
    token = issue(tenant, financials=False, spend=True)
    response = client.post(start(client, token), {})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in body and "There is a problem" in body
    assert 'href="#id_method_0"' in body and 'id="id_method_0"' in body


def test_get_never_changes_state(tenant, other_tenant):
    """Mail scanners open links: only the first view is recorded (Sent → Opened)."""
    client = Client()
    token = issue(tenant, financials=False, spend=True)
    for _ in range(3):
        assert client.get(f"/r/{token}/").status_code == 200
    data_request = DataRequest.objects.get(company=tenant.company)
    assert data_request.status == RequestStatus.OPENED and data_request.view_count == 3
    assert not Journey.objects.exists()
    for path in ("start/", "how/", "entities/", "entities/add/", "check/", "status/"):
        client.get(f"/r/{token}/{path}")
    assert not Journey.objects.exists()
    assert DataRequest.objects.get(pk=data_request.pk).status == RequestStatus.OPENED


def test_progress_resumes_in_another_browser(tenant, other_tenant):
    token = issue(tenant, financials=False, spend=True)
    first = Client()
    how_many = post(first, start(first, token), {"method": "connect"})
    post(first, how_many, {"mode": "many"})
    post(first, f"/r/{token}/entities/add/", {"name": "Northern Ltd"})
    elsewhere = Client()  # no cookies at all
    response = elsewhere.get(f"/r/{token}/")
    assert response.status_code == 302 and response["Location"].endswith("/entities/")
    hub = elsewhere.get(response["Location"]).content.decode()
    assert "Northern Ltd" in hub and "Not started" in hub
    # The introduction stays reachable by the Back link.
    assert "Continue" in elsewhere.get(f"/r/{token}/?intro=1").content.decode()


def test_other_organisations_tasks_are_not_reachable(tenant, other_tenant):
    client = Client()
    mine = issue(tenant, financials=True, spend=False)
    theirs = issue(other_tenant, financials=True, spend=False)
    start(client, mine)
    start(client, theirs)
    their_task = EntityTask.objects.get(company=other_tenant.company)
    assert client.get(f"/r/{mine}/e/{their_task.pk}/software/").status_code == 404
    assert client.post(f"/r/{mine}/e/{their_task.pk}/connect/").status_code == 404
