"""Every portal URL answers 404 for another organisation's objects (no existence oracle)."""

import pytest
from django.urls import URLPattern, get_resolver, reverse

from ledgerlink.connectors.models import Connection
from ledgerlink.notifications.models import OutboxMessage
from ledgerlink.relationships.models import DataRequest
from ledgerlink.tenancy.models import Membership

# For each portal URL that names an object: how to find Beta Bank's object of that kind.
OBJECT_FOR_URL = {
    "company-detail": lambda t: t.company.pk,
    "company-edit": lambda t: t.company.pk,
    "company-delete": lambda t: t.company.pk,
    "request-data": lambda t: t.company.pk,
    "company-sync-status": lambda t: t.company.pk,
    "connection-sync": lambda t: make_connection(t).pk,
    "request-revoke": lambda t: DataRequest.objects.get(company=t.company).pk,
    "request-reissue": lambda t: DataRequest.objects.get(company=t.company).pk,
    "user-role": lambda t: Membership.objects.get(organisation=t.org, user=t.analyst).pk,
    "user-remove": lambda t: Membership.objects.get(organisation=t.org, user=t.analyst).pk,
    "report-download": lambda t: make_report(t).pk,
    "reports-update": lambda t: t.company.pk,
    "report-subscribers": lambda t: t.company.pk,
    "outbox-detail": lambda t: (
        OutboxMessage.objects.create(
            organisation=t.org, from_email="x@x.test", to="y@y.test", subject="s", text_body="b"
        ).pk
    ),
    "financials": lambda t: t.company.pk,
    "financials-categories": lambda t: t.company.pk,
    "financials-confirm-all": lambda t: t.company.pk,
    "financials-suggest": lambda t: t.company.pk,
    "financials-export": lambda t: t.company.pk,
    "financials-category": lambda t: make_category(t).pk,
}


def make_category(t):
    from ledgerlink.financials.models import AccountCategory

    return AccountCategory.objects.get_or_create(
        company=t.company,
        account_source="sandbox",
        account_source_id="acc_469",
        defaults={
            "account_name": "Rent",
            "suggested_type": "expense",
            "suggested_subtype": "operating_expense",
            "suggested_detail": "rent_and_premises",
            "confidence": 0.95,
        },
    )[0]


def make_connection(t):
    from .sync.fake import FakeConnector, install

    install(FakeConnector())
    return Connection.objects.get_or_create(
        organisation=t.org, company=t.company, platform="fake", tenant_id=f"tenant-{t.org.slug}"
    )[0]


def make_report(t):
    from django.core.files.base import ContentFile

    from ledgerlink.reports.models import Report, ReportStatus

    report, _ = Report.objects.get_or_create(
        organisation=t.org,
        company=t.company,
        report_type="spend-analysis",
        defaults={"status": ReportStatus.AVAILABLE, "filename": "report.xlsx"},
    )
    if not report.file:
        report.file.save("secret.xlsx", ContentFile(b"PK report of " + t.org.slug.encode()))
    return report


POST_ONLY = {
    "request-revoke",
    "request-reissue",
    "user-role",
    "user-remove",
    "connection-sync",
    "reports-update",
    "financials-confirm-all",
    "financials-suggest",
}


def portal_patterns() -> list[URLPattern]:
    resolver = get_resolver()
    portal = next(p for p in resolver.url_patterns if getattr(p, "namespace", None) == "portal")
    return list(portal.url_patterns)  # type: ignore[attr-defined]


def test_every_portal_url_with_an_object_is_covered_here():
    with_pk = {p.name for p in portal_patterns() if "pk" in p.pattern.converters}
    assert with_pk == set(OBJECT_FOR_URL), "add new URLs to OBJECT_FOR_URL"


@pytest.mark.parametrize("name", sorted(OBJECT_FOR_URL))
@pytest.mark.parametrize("method", ["get", "post"])
def test_other_organisations_objects_answer_404(name, method, admin_client, other_tenant, settings):
    settings.LEDGERLINK_OUTBOX_ENABLED = True
    url = reverse(f"portal:{name}", args=[OBJECT_FOR_URL[name](other_tenant)])
    before = (DataRequest.objects.count(), Membership.objects.count())
    response = getattr(admin_client, method)(url, {"delivery": "email", "role": "viewer"})
    if method == "get" and name in POST_ONLY:
        assert response.status_code == 405  # POST-only views never act on GET
    else:
        assert response.status_code == 404
    assert (DataRequest.objects.count(), Membership.objects.count()) == before
    other_tenant.company.refresh_from_db()  # still there


def test_company_list_never_shows_other_organisations(admin_client, tenant, other_tenant):
    body = admin_client.get(reverse("portal:company-list")).content.decode()
    assert tenant.company.name in body
    assert other_tenant.company.name not in body


def test_filters_cannot_widen_the_scope(admin_client, other_tenant):
    url = reverse("portal:company-list")
    response = admin_client.get(url, {"analyst": other_tenant.analyst.pk, "status": "sent"})
    assert other_tenant.company.name not in response.content.decode()


def test_user_without_membership_sees_no_organisation(db, client, other_tenant):
    from ledgerlink.tenancy.models import User

    loner = User.objects.create_user("loner@nowhere.test", "a-long-password-1")
    client.force_login(loner)
    response = client.get(reverse("portal:company-list"))
    assert response.status_code == 403
    assert other_tenant.company.name not in response.content.decode()


def test_switching_to_an_organisation_you_are_not_in_is_ignored(admin_client, other_tenant):
    admin_client.post(reverse("switch-organisation"), {"organisation": other_tenant.org.pk})
    body = admin_client.get(reverse("portal:company-list")).content.decode()
    assert other_tenant.company.name not in body
