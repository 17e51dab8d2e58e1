"""Report builds: after an import every report type becomes Available; crash safety."""

from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from ledgerlink.imports.services import import_template
from ledgerlink.reports import registry, services
from ledgerlink.reports.loader import load_frames
from ledgerlink.reports.models import Report, ReportSettings, ReportStatus

from ..imports.helpers import csv_zip, valid_rows

TODAY = date(2024, 7, 15)  # the fixture's data is January–March 2024


def import_fixture(company, rows=None):
    result = import_template(company, csv_zip(rows), "t.zip", actor_kind="system")
    assert result.ok, result.problems


def statuses(company):
    return dict(Report.objects.filter(company=company).values_list("report_type", "status"))


def test_import_queues_every_automatic_type_and_a_build_makes_them_available(
    tenant, other_tenant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        import_fixture(tenant.company)
    assert len(callbacks) == 1  # one build task, enqueued after the import commits
    assert set(statuses(tenant.company).values()) == {ReportStatus.QUEUED}
    assert set(statuses(tenant.company)) == set(registry.type_keys())
    assert not Report.objects.filter(company=other_tenant.company).exists()

    built = services.build_company_reports(tenant.company.pk, today=TODAY)
    assert {b.report_type for b in built} == set(registry.type_keys())
    got = statuses(tenant.company)
    assert got.pop("ongoing-insights") in (ReportStatus.AVAILABLE, ReportStatus.UNAVAILABLE)
    assert set(got.values()) == {ReportStatus.AVAILABLE}
    analysis = Report.objects.get(company=tenant.company, report_type="spend-analysis")
    assert analysis.file.name.startswith("reports/")
    assert len(analysis.file.name) > len("reports/") + 30  # unguessable
    assert (
        analysis.filename.endswith(".xlsx") and tenant.company.name.split()[0] in analysis.filename
    )
    with default_storage.open(analysis.file.name) as handle:
        book = openpyxl.load_workbook(handle, read_only=True)
        assert "Spend Analysis" in book.sheetnames
    summary = Report.objects.get(company=tenant.company, report_type="spend-summary")
    assert summary.figures["currency"] == "GBP"
    assert Decimal(summary.figures["total_spend"]) > 0


def test_a_second_build_finds_nothing_to_claim(tenant):
    import_fixture(tenant.company)
    assert services.build_company_reports(tenant.company.pk, today=TODAY)
    assert services.build_company_reports(tenant.company.pk, today=TODAY) == []


def test_an_entity_import_rebuilds_the_parents_report_covering_both(tenant):
    import_fixture(tenant.company)
    rows = valid_rows()
    rows["Company"][0][0] = "Entity Trading GmbH"
    import_fixture(tenant.entity, rows)
    assert not Report.objects.filter(company=tenant.entity).exists()
    frames = load_frames(tenant.company)
    assert frames.bills.height == 6
    assert set(frames.bills["company_name"]) == {tenant.company.name, tenant.entity.name}
    services.build_company_reports(tenant.company.pk, today=TODAY)
    report = Report.objects.get(company=tenant.company, report_type="spend-analysis")
    with default_storage.open(report.file.name) as handle:
        book = openpyxl.load_workbook(handle, read_only=True)
        assert "Entity Spend Breakdown" in book.sheetnames


def test_disabled_vendor_files_are_not_built(tenant):
    ReportSettings.objects.create(organisation=tenant.org, visa_enabled=False, wex_enabled=False)
    import_fixture(tenant.company)
    assert "visa" not in statuses(tenant.company)
    assert "wex" not in statuses(tenant.company)
    assert "mastercard" in statuses(tenant.company)


def test_a_build_whose_worker_died_is_taken_over_after_its_lease(tenant, settings):
    import_fixture(tenant.company)
    row = Report.objects.get(company=tenant.company, report_type="spend-analysis")
    assert services.claim(row.pk, "dead-worker")
    # Still leased: nobody else may take it, and the sweeper leaves it alone.
    assert not services.claim(row.pk, "other")
    Report.objects.filter(company=tenant.company).exclude(pk=row.pk).update(
        status=ReportStatus.AVAILABLE
    )
    assert services.sweep() == []
    Report.objects.filter(pk=row.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert services.sweep() == [tenant.company.pk]  # re-enqueued (immediate backend: built)
    row.refresh_from_db()
    assert row.status == ReportStatus.AVAILABLE
    assert row.attempts == 2


def test_a_requeue_during_a_build_discards_the_stale_file(tenant):
    import_fixture(tenant.company)
    row = Report.objects.get(company=tenant.company, report_type="spend-analysis")
    assert services.claim(row.pk, "slow-worker")
    services.queue_reports(tenant.company, ["spend-analysis"])  # new data arrived
    ctx = services.context_for(tenant.company, today=TODAY)
    row.refresh_from_db()
    outcome = services._build_one(row, ctx, "slow-worker")
    assert outcome.status == "superseded"
    row.refresh_from_db()
    assert row.status == ReportStatus.QUEUED and not row.file


def test_a_failing_build_shows_its_reason(tenant, monkeypatch):
    import_fixture(tenant.company)

    def broken(ctx, out):
        raise ValueError("the ledger has no base currency")

    kind = registry.get("paytech")
    monkeypatch.setitem(
        registry._REGISTRY, "paytech", registry.ReportType(**{**kind.__dict__, "build": broken})
    )
    services.build_company_reports(tenant.company.pk, today=TODAY)
    row = Report.objects.get(company=tenant.company, report_type="paytech")
    assert row.status == ReportStatus.FAILED
    assert "no base currency" in row.message
    assert statuses(tenant.company)["visa"] == ReportStatus.AVAILABLE


@pytest.mark.parametrize("attempts", [3])
def test_a_build_that_keeps_crashing_gives_up(tenant, attempts):
    import_fixture(tenant.company)
    row = Report.objects.get(company=tenant.company, report_type="spend-analysis")
    Report.objects.filter(pk=row.pk).update(attempts=attempts)
    services.build_company_reports(tenant.company.pk, only=["spend-analysis"], today=TODAY)
    row.refresh_from_db()
    assert row.status == ReportStatus.FAILED
    assert "3 attempts" in row.message


def test_deleting_a_company_deletes_its_report_files(
    tenant, other_tenant, django_capture_on_commit_callbacks
):
    from ledgerlink.relationships import services as relationships

    import_fixture(tenant.company)
    services.build_company_reports(tenant.company.pk, today=TODAY)
    names = [r.file.name for r in Report.objects.filter(company=tenant.company) if r.file]
    assert names and all(default_storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        relationships.delete_company(company=tenant.company, actor=tenant.admin)
    assert not any(default_storage.exists(n) for n in names)


def test_the_worker_sweeper_runs_every_job_even_when_one_fails(tenant, monkeypatch):
    from ledgerlink import cli
    from ledgerlink.reports.models import QuarterlyDelivery

    import_fixture(tenant.company)
    services.set_subscribers(tenant.company, ["cfo@bank.example"], actor=tenant.admin)

    def broken() -> list[int]:
        raise RuntimeError("database hiccup")

    monkeypatch.setattr("ledgerlink.sync.engine.sweep", broken)
    # Closing connections would end the test's transaction.
    monkeypatch.setattr("django.db.close_old_connections", lambda: None)
    assert cli.sweep_once() == ["syncs"]
    # The quarterly check still ran: this quarter's delivery exists, once.
    assert QuarterlyDelivery.objects.filter(company=tenant.company).count() == 1
    assert cli.sweep_once() == ["syncs"]
    assert QuarterlyDelivery.objects.filter(company=tenant.company).count() == 1
