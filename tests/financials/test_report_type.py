"""Financials is a report type: built with the others, downloadable, and via the CLI."""

import openpyxl
from django.core.files.storage import default_storage

from ledgerlink.cli import main
from ledgerlink.financials.models import AccountCategory
from ledgerlink.reports import services
from ledgerlink.reports.models import Report, ReportStatus


def test_a_build_makes_financials_available_with_categorised_accounts(ledger_company, tenant):
    services.queue_reports(ledger_company, ["financials"])
    services.build_company_reports(ledger_company.pk)
    report = Report.objects.get(company=ledger_company, report_type="financials")
    assert report.status == ReportStatus.AVAILABLE, report.message
    assert report.figures["months"] >= 12
    with default_storage.open(report.file.name) as handle:
        book = openpyxl.load_workbook(handle, read_only=True)
        assert {"P&L", "Balance sheet"} <= set(book.sheetnames)
    # The build suggested a category for every account of this company, none of another's.
    categorised = AccountCategory.objects.filter(company=ledger_company)
    assert categorised.exists()
    assert not AccountCategory.objects.exclude(company=ledger_company).exists()


def test_financials_without_data_is_unavailable_with_a_reason(tenant, other_tenant):
    services.queue_reports(tenant.company, ["financials"])
    services.build_company_reports(tenant.company.pk)
    report = Report.objects.get(company=tenant.company, report_type="financials")
    assert report.status == ReportStatus.UNAVAILABLE
    assert "No financial statements" in report.message


def test_the_cli_writes_financials(ledger_company, tmp_path, capsys):
    out = tmp_path / "fin.xlsx"
    args = ["report", "financials", "--company", ledger_company.name, "--org", "alpha"]
    assert main([*args, "--out", str(out)]) == 0, capsys.readouterr()
    assert "Balance sheet" in openpyxl.load_workbook(out, read_only=True).sheetnames


def test_a_parent_with_one_entity_gets_that_entitys_financials(tenant, other_tenant):
    from ledgerlink.relationships.models import Company

    from .conftest import load_sandbox_ledger

    entity = Company.objects.create(organisation=tenant.org, parent=tenant.company, name="Sub")
    load_sandbox_ledger(entity)
    services.queue_reports(tenant.company, ["financials"])
    services.build_company_reports(tenant.company.pk)
    report = Report.objects.get(company=tenant.company, report_type="financials")
    assert report.status == ReportStatus.AVAILABLE, report.message
    assert report.figures["entity"] == "Sub"
