"""Request links: unguessable, stored hashed, expiring, revocable, re-issuable."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ledgerlink.relationships import services
from ledgerlink.relationships.models import DataRequest, Delivery, RequestLink, RequestStatus
from ledgerlink.tenancy.tokens import hash_token, new_token


def test_tokens_have_at_least_128_bits_and_are_unique():
    tokens = {new_token() for _ in range(10_000)}
    assert len(tokens) == 10_000
    assert all(len(token) >= 43 for token in tokens)  # 32 bytes → 43 url-safe characters


def issue(tenant, delivery=Delivery.EMAIL):
    return services.create_data_request(
        organisation=tenant.org,
        company=tenant.company,
        actor=tenant.analyst,
        wants_financials=False,
        wants_spend=True,
        delivery=delivery,
    )


def test_only_the_hash_of_a_link_token_is_stored(tenant):
    issued = issue(tenant)
    link = RequestLink.objects.get(data_request=issued.data_request)
    assert link.token_hash == hash_token(issued.token)
    stored = [str(v) for v in RequestLink.objects.values_list(flat=True)]
    stored += [str(v) for row in DataRequest.objects.values() for v in row.values()]
    assert not any(issued.token in value for value in stored)


def test_link_expires_after_the_org_lifetime(tenant, client):
    tenant.org.link_lifetime_days = 7
    tenant.org.save()
    issued = issue(tenant)
    assert issued.data_request.expires_at - issued.data_request.created_at == timedelta(days=7)
    assert client.get(f"/r/{issued.token}/").status_code == 200
    DataRequest.objects.filter(pk=issued.data_request.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(f"/r/{issued.token}/")
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert tenant.org.name in response.content.decode()


def test_revoked_link_answers_410_and_never_shows_company_data(tenant, client):
    issued = issue(tenant)
    services.revoke_data_request(data_request=issued.data_request, actor=tenant.admin)
    response = client.get(f"/r/{issued.token}/")
    assert response.status_code == 410
    body = response.content.decode()
    assert "no longer works" in body
    assert tenant.company.name not in body
    assert tenant.company.contact_email not in body


def test_unknown_token_answers_404_without_naming_anyone(tenant, client):
    issue(tenant)
    for token in ("nope", new_token(), "x" * 500):
        response = client.get(f"/r/{token}/")
        assert response.status_code == 404
        assert tenant.org.name not in response.content.decode()


def test_reissue_replaces_the_link_and_restarts_its_lifetime(tenant, client):
    issued = issue(tenant)
    services.revoke_data_request(data_request=issued.data_request, actor=tenant.admin)
    DataRequest.objects.filter(pk=issued.data_request.pk).update(
        expires_at=timezone.now() + timedelta(days=1)
    )
    issued.data_request.refresh_from_db()
    again = services.reissue_link(data_request=issued.data_request, actor=tenant.admin, send=False)
    assert again.token != issued.token
    assert again.data_request.status == RequestStatus.SENT  # no longer revoked
    assert client.get(f"/r/{again.token}/").status_code == 200
    old = client.get(f"/r/{issued.token}/")
    assert old.status_code == 410 and "replaced" in old.content.decode()
    again.data_request.refresh_from_db()
    assert again.data_request.status == RequestStatus.OPENED
    assert again.data_request.expires_at > timezone.now() + timedelta(days=29)


def test_first_view_marks_the_request_opened_and_views_are_counted(tenant, client):
    issued = issue(tenant)
    for _ in range(3):
        assert client.get(f"/r/{issued.token}/").status_code == 200
    data_request = DataRequest.objects.get(pk=issued.data_request.pk)
    assert data_request.status == RequestStatus.OPENED
    assert data_request.view_count == 3
    assert data_request.first_opened_at is not None
    # Opening is recorded once in the activity list, not per view.
    from ledgerlink.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="request.opened").count() == 1


def test_landing_page_does_not_leak_the_token_through_referrer(tenant, client):
    issued = issue(tenant)
    response = client.get(f"/r/{issued.token}/")
    assert response["Referrer-Policy"] == "same-origin"  # never sent to other sites
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_copy_link_is_refused_when_the_org_switched_it_off(tenant):
    tenant.org.allow_copy_link = False
    tenant.org.save()
    with pytest.raises(PermissionError):
        issue(tenant, delivery=Delivery.LINK)
    assert not DataRequest.objects.filter(company=tenant.company).exists()


def test_template_downloads_only_with_a_valid_link(tenant, client):
    issued = issue(tenant)
    response = client.get(f"/r/{issued.token}/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content[:2] == b"PK"  # a zip: the xlsx container
    services.revoke_data_request(data_request=issued.data_request, actor=tenant.admin)
    assert client.get(f"/r/{issued.token}/template.xlsx").status_code == 410
    assert client.get("/r/unknown-token/template.xlsx").status_code == 404


def test_portal_users_can_download_the_template(viewer_client):
    response = viewer_client.get("/portal/template.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
