"""Expired, revoked, replaced and unknown links: friendly pages and "ask for a new link"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ledgerlink.audit.models import AuditEvent
from ledgerlink.notifications.models import EmailDelivery
from ledgerlink.relationships import services as relationships
from ledgerlink.relationships.models import DataRequest

from .helpers import issue

pytestmark = pytest.mark.django_db


def test_expired_link_asks_for_a_new_one_once_a_day(tenant, other_tenant):
    client = Client()
    token = issue(tenant, financials=True, spend=False)
    DataRequest.objects.filter(company=tenant.company).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    page = client.get(f"/r/{token}/")
    body = page.content.decode()
    assert page.status_code == 410 and "This link has expired" in body
    assert "Ask for a new link" in body and tenant.company.name not in body
    asked = client.post(f"/r/{token}/new-link/")
    assert asked.status_code == 200 and "We have told Alpha Bank" in asked.content.decode()
    assert tenant.company.name not in asked.content.decode()
    event = AuditEvent.objects.get(action="request.new_link_asked")
    assert event.company_id == tenant.company.pk
    mails = EmailDelivery.objects.filter(subject__contains="asked for a new link")
    assert mails.count() == 1 and tenant.analyst.email in mails.get().to
    client.post(f"/r/{token}/new-link/")  # again: no second email today
    assert mails.count() == 1
    # GET of the action changes nothing.
    assert client.get(f"/r/{token}/new-link/").status_code == 405


def test_revoked_link_page_and_ask(tenant, other_tenant):
    client = Client()
    issued = relationships.create_data_request(
        organisation=tenant.org,
        company=tenant.company,
        actor=tenant.analyst,
        wants_financials=False,
        wants_spend=True,
        delivery="link",
    )
    relationships.revoke_data_request(data_request=issued.data_request, actor=tenant.admin)
    page = client.get(f"/r/{issued.token}/")
    assert page.status_code == 410 and "withdrawn" in page.content.decode()
    assert client.post(f"/r/{issued.token}/new-link/").status_code == 200
    assert AuditEvent.objects.filter(action="request.new_link_asked").count() == 1


def test_unknown_link_reveals_nothing(tenant, other_tenant):
    client = Client()
    page = client.get("/r/not-a-real-token/")
    body = page.content.decode()
    assert page.status_code == 404 and "We do not recognise this link" in body
    assert "Alpha Bank" not in body and "Beta Bank" not in body
    asked = client.post("/r/not-a-real-token/new-link/")
    assert asked.status_code == 404
    assert not AuditEvent.objects.filter(action="request.new_link_asked").exists()


def test_valid_link_pages_keep_the_token_private(tenant, other_tenant):
    client = Client()
    token = issue(tenant, financials=True, spend=False)
    assert client.get(f"/r/{token}/")["Referrer-Policy"] == "same-origin"
    assert "no-cache" in client.get(f"/r/{token}/")["Cache-Control"]


@pytest.mark.parametrize(
    "user_agent",
    [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/440.0.0]",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 Instagram 300.0.0",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Version/4.0 Chrome/120.0 Mobile Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) LinkedInApp/9.29",
    ],
)
def test_in_app_browsers_are_warned_before_signing_in(tenant, other_tenant, user_agent):
    client = Client(headers={"user-agent": user_agent})
    token = issue(tenant, financials=True, spend=False)
    assert "You seem to be inside another app" in client.get(f"/r/{token}/").content.decode()


def test_ordinary_browsers_see_no_in_app_warning(tenant, other_tenant):
    client = Client(
        headers={
            "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/131.0 Safari/537.36"
        }
    )
    token = issue(tenant, financials=True, spend=False)
    assert "inside another app" not in client.get(f"/r/{token}/").content.decode()
