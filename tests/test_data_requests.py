"""Request data from the portal: email with preview, copy link, revoke, re-issue."""

import re

from django.core import mail
from django.urls import reverse

from ledgerlink.audit.models import AuditEvent
from ledgerlink.notifications.models import EmailDelivery
from ledgerlink.relationships.models import DataRequest, RequestStatus


def request_url(tenant):
    return reverse("portal:request-data", args=[tenant.company.pk])


def test_preview_shows_the_branded_email_and_sends_nothing(analyst_client, tenant):
    response = analyst_client.post(
        request_url(tenant), {"data_types": ["spend"], "delivery": "email"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Check the email before sending" in body
    assert "supplier spend data" in body
    assert tenant.org.primary_colour in body  # branded header colour inside the preview
    assert not DataRequest.objects.filter(company=tenant.company).exists()
    assert mail.outbox == []


def test_sending_creates_the_request_and_emails_a_working_link(
    analyst_client, tenant, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post(
            request_url(tenant),
            {"data_types": ["financials", "spend"], "delivery": "email", "confirm": "send"},
        )
    assert response.status_code == 302
    data_request = DataRequest.objects.get(company=tenant.company)
    assert data_request.wants_financials and data_request.wants_spend
    assert data_request.sent_to == tenant.company.contact_email
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [tenant.company.contact_email]
    assert message.reply_to == [tenant.analyst.email]
    assert "financial and supplier spend data" in message.subject
    assert tenant.org.name in message.subject
    html = message.alternatives[0][0]
    assert tenant.org.primary_colour in html
    url = re.search(r"http://testserver(/r/[\w-]+/)", message.body).group(1)
    assert client.get(url).status_code == 200
    # The delivered email's bodies are dropped from the queue table: they carried the link.
    delivery = EmailDelivery.objects.get(organisation=tenant.org)
    assert delivery.status == "sent" and delivery.text_body == "" and delivery.html_body == ""


def test_email_wording_depends_on_the_data_types(analyst_client, tenant):
    def preview(types):
        return analyst_client.post(
            request_url(tenant), {"data_types": types, "delivery": "email"}
        ).content.decode()

    financials = preview(["financials"])
    spend = preview(["spend"])
    assert "profit and loss" in financials and "supplier bills" not in financials
    assert "supplier bills" in spend and "profit and loss" not in spend


def test_no_data_type_ticked_shows_an_error(analyst_client, tenant):
    response = analyst_client.post(request_url(tenant), {"delivery": "email"})
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Select Financials, Spend analysis or both" in body
    assert (
        not DataRequest.objects.exists()
        or not DataRequest.objects.filter(company=tenant.company).exists()
    )


def test_copy_link_shows_the_link_once(analyst_client, tenant, client):
    response = analyst_client.post(
        request_url(tenant), {"data_types": ["spend"], "delivery": "link"}
    )
    body = response.content.decode()
    url = re.search(r'value="http://testserver(/r/[\w-]+/)"', body).group(1)
    assert client.get(url).status_code == 200
    assert mail.outbox == []
    detail = analyst_client.get(reverse("portal:company-detail", args=[tenant.company.pk]))
    assert url not in detail.content.decode()  # never shown again


def test_copy_link_is_hidden_and_refused_when_switched_off(analyst_client, tenant):
    tenant.org.allow_copy_link = False
    tenant.org.save()
    assert "Copy link" not in analyst_client.get(request_url(tenant)).content.decode()
    response = analyst_client.post(
        request_url(tenant), {"data_types": ["spend"], "delivery": "link"}
    )
    assert response.status_code == 400
    assert not DataRequest.objects.filter(company=tenant.company).exists()


def test_revoke_and_reissue_from_the_company_page(
    analyst_client, tenant, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        analyst_client.post(
            request_url(tenant), {"data_types": ["spend"], "delivery": "email", "confirm": "send"}
        )
    first_url = re.search(r"http://testserver(/r/[\w-]+/)", mail.outbox[0].body).group(1)
    data_request = DataRequest.objects.get(company=tenant.company)
    analyst_client.post(reverse("portal:request-revoke", args=[data_request.pk]))
    data_request.refresh_from_db()
    assert data_request.status == RequestStatus.REVOKED
    assert client.get(first_url).status_code == 410
    with django_capture_on_commit_callbacks(execute=True):
        analyst_client.post(
            reverse("portal:request-reissue", args=[data_request.pk]), {"delivery": "email"}
        )
    second_url = re.search(r"http://testserver(/r/[\w-]+/)", mail.outbox[1].body).group(1)
    assert second_url != first_url
    assert client.get(second_url).status_code == 200
    assert client.get(first_url).status_code == 410
    actions = list(
        AuditEvent.objects.filter(company_id=tenant.company.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[-4:] == [
        "request.created",
        "request.revoked",
        "request.reissued",
        "request.opened",
    ]


def test_opened_status_is_visible_in_the_portal(analyst_client, tenant, client):
    response = analyst_client.post(
        request_url(tenant), {"data_types": ["spend"], "delivery": "link"}
    )
    url = re.search(r'value="http://testserver(/r/[\w-]+/)"', response.content.decode()).group(1)
    client.get(url)
    detail = analyst_client.get(reverse("portal:company-detail", args=[tenant.company.pk]))
    body = detail.content.decode()
    assert "status-opened" in body and "The client opened the request link" in body
