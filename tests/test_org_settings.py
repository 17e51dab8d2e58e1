"""Organisation settings: admins only, colour contrast checked, logo upload, flags, lifetime."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from ledgerlink.audit.models import AuditEvent
from ledgerlink.tenancy.branding import contrast_ratio

URL = "/portal/settings/"


def form_data(**overrides):
    data = {
        "name": "Alpha Bank plc",
        "primary_colour": "#0b3d2e",
        "allow_copy_link": "on",
        "allow_manual_upload": "on",
        "link_lifetime_days": "14",
    }
    data.update(overrides)
    return data


def png_bytes(size=(40, 20)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "#123456").save(buffer, "PNG")
    return buffer.getvalue()


def test_contrast_ratio_matches_wcag_reference_values():
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast_ratio("#767676", "#ffffff"), 2) == 4.54


def test_admin_saves_settings_and_an_audit_event_lists_changes(admin_client, tenant):
    response = admin_client.post(URL, form_data())
    assert response.status_code == 302
    tenant.org.refresh_from_db()
    assert tenant.org.name == "Alpha Bank plc"
    assert tenant.org.primary_colour == "#0b3d2e"
    assert tenant.org.allow_multi_entity is False
    assert tenant.org.link_lifetime_days == 14
    event = AuditEvent.objects.get(action="organisation.settings_changed")
    assert set(event.data["changed"]) == {
        "name",
        "primary_colour",
        "allow_multi_entity",
        "link_lifetime_days",
    }


def test_low_contrast_colour_is_rejected_with_the_ratio(admin_client, tenant):
    response = admin_client.post(URL, form_data(primary_colour="#ffdd00"))
    body = response.content.decode()
    assert "Choose a darker brand colour" in body and "needs at least 4.5:1" in body
    tenant.org.refresh_from_db()
    assert tenant.org.primary_colour == "#1d4e89"


def test_link_lifetime_must_be_between_1_and_90_days(admin_client, tenant):
    for value, message in (
        ("0", "at least 1 day"),
        ("91", "90 days or fewer"),
        ("ten", "whole number"),
    ):
        body = admin_client.post(URL, form_data(link_lifetime_days=value)).content.decode()
        assert message in body
    tenant.org.refresh_from_db()
    assert tenant.org.link_lifetime_days == 30


def test_logo_upload_is_served_publicly_and_appears_in_emails(admin_client, tenant, client):
    logo = SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png")
    response = admin_client.post(URL, {**form_data(), "logo": logo})
    assert response.status_code == 302
    tenant.org.refresh_from_db()
    assert tenant.org.logo
    served = client.get(reverse("journey:org-logo", args=[tenant.org.slug]))
    assert served.status_code == 200
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")
    preview = admin_client.post(
        reverse("portal:request-data", args=[tenant.company.pk]),
        {"data_types": ["spend"], "delivery": "email"},
    ).content.decode()
    assert f"/brand/{tenant.org.slug}/logo" in preview


def test_files_that_are_not_images_are_rejected(admin_client, tenant):
    fake = SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png")
    body = admin_client.post(URL, {**form_data(), "logo": fake}).content.decode()
    assert "There is a problem" in body
    tenant.org.refresh_from_db()
    assert not tenant.org.logo


def test_non_admins_cannot_change_settings(analyst_client, tenant):
    assert analyst_client.post(URL, form_data(name="Hacked")).status_code == 403
    tenant.org.refresh_from_db()
    assert tenant.org.name == "Alpha Bank"
