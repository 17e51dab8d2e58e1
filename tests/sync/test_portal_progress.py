"""The company page shows connections and live sync progress; analysts can sync now."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from ledgerlink.connectors.models import Connection
from ledgerlink.ledger.records import DataType
from ledgerlink.sync import engine
from ledgerlink.sync.models import SyncRun, SyncStatus

from .fake import FakeConnector, install, sample_records


def make_connection(tenant, company=None):
    install(FakeConnector(records=sample_records()))
    return Connection.objects.create(
        organisation=tenant.org,
        company=company or tenant.company,
        platform="fake",
        tenant_id="t-1",
        tenant_name="Fake Tenant Ltd",
        access_token="a",
        token_expires_at=timezone.now() + timedelta(hours=1),
    )


def test_running_sync_shows_progress_and_polls(viewer_client, tenant):
    connection = make_connection(tenant, tenant.entity)
    run = engine.start_sync(connection, enqueue=False)
    run.status = SyncStatus.RUNNING
    run.progress[DataType.BILLS]["records"] = 1234
    run.save()
    body = viewer_client.get(reverse("portal:company-detail", args=[tenant.company.pk]))
    html = body.content.decode()
    assert "Fake Tenant Ltd" in html and f"for {tenant.entity.name}" in html
    assert "1234" in html and "In progress" in html
    assert 'hx-trigger="every 2s"' in html
    partial = viewer_client.get(reverse("portal:company-sync-status", args=[tenant.company.pk]))
    assert "<html" not in partial.content.decode() and "1234" in partial.content.decode()


def test_finished_sync_stops_polling(viewer_client, tenant):
    connection = make_connection(tenant)
    run = engine.start_sync(connection, enqueue=False)
    engine.run(run.pk, sleep=lambda _: None)
    html = viewer_client.get(
        reverse("portal:company-detail", args=[tenant.company.pk])
    ).content.decode()
    assert "every 2s" not in html and "Succeeded" in html and "Data available" in html


def test_sync_now_starts_a_run(analyst_client, tenant, django_capture_on_commit_callbacks):
    connection = make_connection(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post(reverse("portal:connection-sync", args=[connection.pk]))
    assert response.status_code == 302
    run = SyncRun.objects.get(connection=connection)
    assert run.status == SyncStatus.SUCCEEDED  # the immediate backend ran it at once
