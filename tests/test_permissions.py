"""The role matrix: admins manage users and settings; analysts change data; viewers look."""

import pytest
from django.urls import get_resolver, reverse

from ledgerlink.portal.permissions import RANK
from ledgerlink.relationships.models import DataRequest
from ledgerlink.tenancy.models import Role

from .conftest import login
from .test_tenant_isolation import (
    POST_ONLY,
    make_category,
    make_connection,
    make_report,
    portal_patterns,
)

EXPECTED_ROLE = {
    "company-list": Role.VIEWER,
    "company-detail": Role.VIEWER,
    "company-create": Role.ANALYST,
    "company-edit": Role.ANALYST,
    "company-delete": Role.ANALYST,
    "request-data": Role.ANALYST,
    "company-sync-status": Role.VIEWER,
    "template": Role.VIEWER,
    "connection-sync": Role.ANALYST,
    "request-revoke": Role.ANALYST,
    "request-reissue": Role.ANALYST,
    "outbox": Role.ADMIN,
    "outbox-detail": Role.ADMIN,
    "settings": Role.ADMIN,
    "users": Role.ADMIN,
    "user-role": Role.ADMIN,
    "user-remove": Role.ADMIN,
    "insights": Role.VIEWER,
    "report-download": Role.VIEWER,
    "reports-update": Role.ANALYST,
    "report-subscribers": Role.ANALYST,
    "report-settings": Role.ADMIN,
    "financials": Role.VIEWER,
    "financials-categories": Role.VIEWER,
    "financials-confirm-all": Role.ANALYST,
    "financials-suggest": Role.ANALYST,
    "financials-export": Role.VIEWER,
    "financials-category": Role.ANALYST,
}


def test_every_portal_view_declares_its_role():
    for pattern in portal_patterns():
        declared = getattr(pattern.callback, "required_role", None)
        assert declared == EXPECTED_ROLE[pattern.name], pattern.name


def test_no_unexpected_urls_exist():
    names = {p.name for p in portal_patterns()}
    assert names == set(EXPECTED_ROLE)
    assert get_resolver()  # the URLconf loads


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANALYST, Role.ADMIN])
@pytest.mark.parametrize("name", sorted(EXPECTED_ROLE))
def test_role_matrix(role, name, tenant, other_tenant, settings):
    settings.LEDGERLINK_OUTBOX_ENABLED = True
    user = {Role.VIEWER: tenant.viewer, Role.ANALYST: tenant.analyst, Role.ADMIN: tenant.admin}[
        role
    ]
    from ledgerlink.notifications.models import OutboxMessage
    from ledgerlink.relationships import services
    from ledgerlink.tenancy.models import Membership

    issued = services.create_data_request(
        organisation=tenant.org,
        company=tenant.company,
        actor=tenant.admin,
        wants_financials=True,
        wants_spend=False,
        delivery="email",
    )
    pk = {
        "company-detail": tenant.company.pk,
        "company-edit": tenant.company.pk,
        "company-delete": tenant.company.pk,
        "request-data": tenant.company.pk,
        "company-sync-status": tenant.company.pk,
        "connection-sync": make_connection(tenant).pk,
        "report-download": make_report(tenant).pk,
        "reports-update": tenant.company.pk,
        "report-subscribers": tenant.company.pk,
        "request-revoke": issued.data_request.pk,
        "request-reissue": issued.data_request.pk,
        "outbox-detail": OutboxMessage.objects.create(
            organisation=tenant.org,
            from_email="a@a.test",
            to="b@b.test",
            subject="s",
            text_body="t",
        ).pk,
        "user-role": Membership.objects.get(organisation=tenant.org, user=tenant.viewer).pk,
        "user-remove": Membership.objects.get(organisation=tenant.org, user=tenant.viewer).pk,
        "financials": tenant.company.pk,
        "financials-categories": tenant.company.pk,
        "financials-confirm-all": tenant.company.pk,
        "financials-suggest": tenant.company.pk,
        "financials-export": tenant.company.pk,
        "financials-category": make_category(tenant).pk,
    }.get(name)
    url = reverse(f"portal:{name}", args=[pk] if pk else [])
    client = login(user)
    post_only = name in POST_ONLY
    response = (
        client.post(url, {"delivery": "email", "role": "viewer"})
        if post_only
        else (client.get(url))
    )
    allowed = RANK[role] >= RANK[EXPECTED_ROLE[name]]
    if allowed:
        assert response.status_code in (200, 302), response.status_code
    else:
        assert response.status_code == 403
    if not allowed:
        assert DataRequest.objects.get(pk=issued.data_request.pk).status == "sent"


def test_anonymous_users_are_sent_to_sign_in(db, client):
    response = client.get(reverse("portal:company-list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
