"""The pages a client sees for a link that cannot be used are clear and accessible."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from ledgerlink.audit.models import AuditEvent
from ledgerlink.relationships import services as relationships
from ledgerlink.relationships.models import DataRequest, Delivery, RequestStatus
from tests.browser.helpers import Orgs, assert_accessible, heading

pytestmark = pytest.mark.browser


def issue(orgs: Orgs) -> relationships.IssuedRequest:
    alpha = orgs.alpha
    return relationships.create_data_request(
        organisation=alpha.org,
        company=alpha.company,
        actor=alpha.admin,
        wants_financials=False,
        wants_spend=True,
        delivery=Delivery.EMAIL,
    )


def test_unknown_link_is_a_404_that_reveals_nothing(page: Page, orgs) -> None:
    response = page.goto("/r/not-a-real-token/")
    assert response is not None and response.status == 404
    expect(heading(page)).to_have_text("We do not recognise this link")
    expect(page.locator("body")).not_to_contain_text("Alpha Bank")
    expect(page.locator("body")).not_to_contain_text("Beta Bank")
    assert_accessible(page)


def test_expired_link(page: Page, orgs) -> None:
    issued = issue(orgs)
    DataRequest.objects.filter(pk=issued.data_request.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = page.goto(issued.url)
    assert response is not None and response.status == 410
    expect(heading(page)).to_have_text("This link has expired")
    expect(page.get_by_role("main")).to_contain_text("Contact Alpha Bank")
    assert_accessible(page)
    assert DataRequest.objects.get(pk=issued.data_request.pk).view_count == 0
    page.get_by_role("button", name="Ask for a new link").click()
    expect(heading(page)).to_have_text("We have asked for a new link")
    assert_accessible(page)
    assert AuditEvent.objects.filter(action="request.new_link_asked").count() == 1


def test_revoked_link(page: Page, orgs) -> None:
    issued = issue(orgs)
    relationships.revoke_data_request(data_request=issued.data_request, actor=orgs.alpha.admin)
    response = page.goto(issued.url)
    assert response is not None and response.status == 410
    expect(heading(page)).to_have_text("This link no longer works")
    assert_accessible(page)
    assert DataRequest.objects.get(pk=issued.data_request.pk).status == RequestStatus.REVOKED


def test_valid_spend_only_link(page: Page, orgs) -> None:
    issued = issue(orgs)
    response = page.goto(issued.url)
    assert response is not None and response.status == 200
    expect(heading(page)).to_have_text("Share your supplier spend data with Alpha Bank")
    assert_accessible(page)
