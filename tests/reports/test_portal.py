"""Spend insights in the portal: list, downloads, Update reports, subscribers, settings,
the company page's headline figures, and the quarterly Ongoing Insights emails."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledgerlink.audit.models import AuditEvent
from ledgerlink.notifications.models import EmailDelivery
from ledgerlink.relationships import services as relationships
from ledgerlink.reports import services
from ledgerlink.reports.models import QuarterlyDelivery, Report, ReportSettings, Subscriber
from ledgerlink.sync.models import SyncRun

from ..conftest import login
from ..imports.helpers import valid_rows
from ..test_tenant_isolation import make_connection
from .test_builds import TODAY, import_fixture


@pytest.fixture
def built(tenant, other_tenant):
    import_fixture(tenant.company)
    import_fixture(other_tenant.company)
    services.build_company_reports(tenant.company.pk, today=TODAY)
    services.build_company_reports(other_tenant.company.pk, today=TODAY)
    return tenant


def test_list_shows_each_companys_reports_and_never_another_orgs(built, other_tenant):
    body = login(built.viewer).get(reverse("portal:insights")).content.decode()
    assert built.company.name in body
    assert other_tenant.company.name not in body
    assert "Spend Analysis" in body and "Available" in body
    mine = Report.objects.get(company=built.company, report_type="spend-analysis")
    theirs = Report.objects.get(company=other_tenant.company, report_type="spend-analysis")
    assert reverse("portal:report-download", args=[mine.pk]) in body
    assert reverse("portal:report-download", args=[theirs.pk]) not in body
    assert 'aria-current="page">Spend insights' in body


def test_list_page_queries_do_not_grow_with_companies(built):
    client = login(built.viewer)
    url = reverse("portal:insights")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(8):
        company = relationships.create_company(
            organisation=built.org, actor=None, name=f"Extra {n}", contact_name="", contact_email=""
        )
        services.queue_reports(company, ["spend-analysis", "visa"])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count("Extra ") >= 8
    assert len(many) == len(few)
    assert len(many) <= 10


def test_download_is_audited_and_named_for_the_company(built):
    report = Report.objects.get(company=built.company, report_type="spend-analysis")
    response = login(built.viewer).get(reverse("portal:report-download", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert report.filename in response["Content-Disposition"]
    assert b"".join(response.streaming_content)[:2] == b"PK"
    event = AuditEvent.objects.get(action="report.downloaded")
    assert event.actor == built.viewer and event.company_id == built.company.pk


def test_a_report_without_a_file_answers_404(tenant, other_tenant):
    services.queue_reports(tenant.company, ["spend-analysis"])
    report = Report.objects.get(company=tenant.company)
    response = login(tenant.admin).get(reverse("portal:report-download", args=[report.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="report.downloaded").exists()


def test_update_reports_resyncs_a_connected_company(tenant, other_tenant):
    make_connection(tenant)
    client = login(tenant.analyst)
    page = client.get(reverse("portal:company-detail", args=[tenant.company.pk])).content.decode()
    assert "Update reports" in page
    response = client.post(reverse("portal:reports-update", args=[tenant.company.pk]))
    assert response.status_code == 302
    assert SyncRun.objects.filter(company=tenant.company).count() == 1
    assert AuditEvent.objects.filter(action="reports.update_requested").exists()


def test_update_reports_is_not_offered_for_file_based_data(built):
    client = login(built.analyst)
    page = client.get(reverse("portal:company-detail", args=[built.company.pk])).content.decode()
    assert "Update reports</button>" not in page
    assert "updated by uploading a new file" in page
    response = client.post(reverse("portal:reports-update", args=[built.company.pk]), follow=True)
    assert "uploading a new file" in response.content.decode()
    assert not SyncRun.objects.exists()


def test_viewers_cannot_update_reports(tenant, other_tenant):
    make_connection(tenant)
    response = login(tenant.viewer).post(reverse("portal:reports-update", args=[tenant.company.pk]))
    assert response.status_code == 403
    assert not SyncRun.objects.exists()


def test_company_page_shows_the_headline_figures(built):
    page = login(built.viewer).get(reverse("portal:company-detail", args=[built.company.pk]))
    body = page.content.decode()
    summary = Report.objects.get(company=built.company, report_type="spend-summary")
    assert "Total spend" in body and "Annual card benefits" in body
    total = Decimal(summary.figures["total_spend"])
    assert f"{total:,.0f}" in body
    for supplier in summary.figures["top_suppliers"]:
        assert supplier["name"] in body


def test_subscribers_are_edited_and_validated(tenant, other_tenant):
    client = login(tenant.analyst)
    url = reverse("portal:report-subscribers", args=[tenant.company.pk])
    bad = client.post(url, {"emails": "ok@example.com\nnot-an-email"})
    assert bad.status_code == 200
    text = bad.content.decode()
    assert "There is a problem" in text and "not-an-email" in text
    assert not Subscriber.objects.exists()
    client.post(url, {"emails": "Ana@Example.com\nbob@example.com, ana@example.com"})
    assert sorted(Subscriber.objects.values_list("email", flat=True)) == [
        "ana@example.com",
        "bob@example.com",
    ]
    client.post(url, {"emails": "bob@example.com"})
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["bob@example.com"]
    assert AuditEvent.objects.filter(action="reports.subscribers_changed").count() == 2


def test_report_settings_switch_vendor_files_and_validate_tiers(tenant, other_tenant):
    client = login(tenant.admin)
    url = reverse("portal:report-settings")
    form = {
        "period_months": "12",
        "min_supplier_annual_spend": "5000",
        "cashback_tiers": "2 1000000\n1",
        "minutes_per_payment": "3",
        "hourly_cost": "40",
        "mastercard_enabled": "on",
        "paytech_enabled": "on",
    }
    assert client.get(url).status_code == 200
    bad = client.post(url, {**form, "cashback_tiers": "2\n1 500"})
    assert "There is a problem" in bad.content.decode()
    assert not ReportSettings.objects.exists()
    assert (
        client.post(url, {**form, "cashback_tiers": "2.5 1000000\n1.5 5000000\n1"}).status_code
        == 302
    )
    saved = ReportSettings.objects.get(organisation=tenant.org)
    assert (saved.visa_enabled, saved.wex_enabled, saved.mastercard_enabled) == (False, False, True)
    assert saved.min_supplier_annual_spend == Decimal(5000)
    assert saved.cashback_tiers[1] == {"rate": "0.015", "up_to": "5000000"}
    params = services.parameters_for(tenant.company, today=TODAY)
    assert params.cashback_tiers[0].rate == Decimal("0.025")
    assert params.min_supplier_annual_spend == Decimal(5000)
    assert "visa" not in services.wanted_types(tenant.org)
    assert services.wanted_types(other_tenant.org).count("visa") == 1


def test_quarterly_ongoing_insights_are_sent_once_per_quarter(built, other_tenant):
    services.set_subscribers(built.company, ["cfo@bank.example"], actor=built.admin)
    day = date(2024, 7, 2)
    first = services.enqueue_due_quarterly(day)  # immediate backend: delivered now
    assert len(first) == 1
    delivery = QuarterlyDelivery.objects.get(pk=first[0])
    assert delivery.company == built.company and delivery.quarter == "2024-Q3"
    assert services.enqueue_due_quarterly(day) == []  # idempotent
    assert services.enqueue_due_quarterly(date(2024, 9, 30)) == []  # same quarter
    # Other organisation: no subscribers, nothing queued.
    assert not QuarterlyDelivery.objects.filter(company=other_tenant.company).exists()
    delivery.refresh_from_db()
    assert delivery.status == "sent", delivery.message
    assert delivery.recipients == 1
    report = Report.objects.get(company=built.company, report_type="ongoing-insights")
    assert report.status == "available"
    email = EmailDelivery.objects.get(subject__contains="Ongoing Insights")
    assert email.to == ["cfo@bank.example"]
    assert built.company.name in email.subject
    link = "http://testserver" + reverse("portal:report-download", args=[report.pk])
    assert link in email.text_body


def test_quarterly_delivery_without_a_full_quarter_is_skipped(tenant, other_tenant):
    rows = valid_rows()
    for sheet in ("Bills", "Payments", "Expenses"):
        rows[sheet] = []
    import_fixture(tenant.company, rows)
    services.set_subscribers(tenant.company, ["cfo@bank.example"], actor=tenant.admin)
    [delivery_id] = services.enqueue_due_quarterly(date(2024, 7, 2))
    delivery = QuarterlyDelivery.objects.get(pk=delivery_id)
    assert delivery.status == "skipped"
    assert "full quarter" in delivery.message
    assert not EmailDelivery.objects.filter(subject__contains="Ongoing Insights").exists()
