"""Reads of reports for the portal. Every query starts from the organisation."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from ledgerlink.connectors.models import Connection, ConnectionStatus
from ledgerlink.relationships.models import Company
from ledgerlink.reports import registry
from ledgerlink.reports.models import Report, ReportSettings, ReportStatus, Subscriber
from ledgerlink.tenancy.models import Organisation


@dataclass(frozen=True, slots=True)
class ReportLine:
    """One report type of one company, as the portal shows it."""

    key: str
    label: str
    extension: str
    status: str  # a ReportStatus value; "unavailable" when there is no row
    status_label: str
    message: str
    report: Report | None

    @property
    def downloadable(self) -> bool:
        return self.report is not None and bool(self.report.file)

    @property
    def is_active(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.GENERATING)


def enabled_flags(organisation: Organisation) -> dict[str, bool]:
    from ledgerlink.reports.services import enabled_flags as flags
    from ledgerlink.reports.services import report_settings

    return flags(report_settings(organisation))


def report_lines(reports: list[Report], flags: dict[str, bool]) -> list[ReportLine]:
    """A line per enabled report type, in the registry's order."""
    by_type = {r.report_type: r for r in reports}
    lines: list[ReportLine] = []
    for kind in registry.all_types():
        if not kind.enabled_for(flags):
            continue
        row = by_type.get(kind.key)
        status = row.status if row else ReportStatus.UNAVAILABLE
        lines.append(
            ReportLine(
                key=kind.key,
                label=kind.label,
                extension=kind.extension,
                status=status,
                status_label=ReportStatus(status).label,
                message=row.message if row else "",
                report=row,
            )
        )
    return lines


def _live_connection() -> Exists:
    return Exists(
        Connection.objects.filter(
            Q(company=OuterRef("pk")) | Q(company__parent=OuterRef("pk"))
        ).exclude(
            status__in=[ConnectionStatus.DISCONNECTED, ConnectionStatus.NEEDS_REAUTHORISATION]
        )
    )


def insights_companies(organisation: Organisation, *, search: str = "") -> QuerySet[Company]:
    """Top-level companies with their reports (one query for rows, one for reports)."""
    qs = (
        Company.objects.filter(organisation=organisation, parent__isnull=True)
        .annotate(has_live_connection=_live_connection())
        .prefetch_related(
            Prefetch("reports", queryset=Report.objects.filter(organisation=organisation))
        )
    )
    if search:
        qs = qs.filter(name__icontains=search)
    return qs.order_by("name", "pk")


def company_has_live_connection(company: Company) -> bool:
    return (
        Company.objects.filter(pk=company.pk)
        .annotate(live=_live_connection())
        .values_list("live", flat=True)
        .first()
        or False
    )


def company_reports(organisation: Organisation, company: Company) -> list[ReportLine]:
    reports = list(Report.objects.filter(organisation=organisation, company=company))
    return report_lines(reports, enabled_flags(organisation))


def get_report(organisation: Organisation, pk: int) -> Report:
    """A report of the organisation with a file to download, or 404."""
    return get_object_or_404(
        Report.objects.filter(organisation=organisation).exclude(file="").select_related("company"),
        pk=pk,
    )


def headline(organisation: Organisation, company: Company) -> dict[str, Any] | None:
    """The Spend Summary's headline figures of a company (None before the first build)."""
    figures = (
        Report.objects.filter(
            organisation=organisation, company=company, report_type="spend-summary"
        )
        .exclude(figures={})
        .values_list("figures", flat=True)
        .first()
    )
    if not figures:
        return None
    out: dict[str, Any] = dict(figures)
    for key in ("total_spend", "cardable_spend", "annual_card_benefits", "cashback"):
        if key in out:
            out[key] = Decimal(out[key])
    out["top_suppliers"] = [
        {**s, "annual_spend": Decimal(s["annual_spend"])} for s in out.get("top_suppliers", [])
    ]
    return out


def subscribers(organisation: Organisation, company: Company) -> list[str]:
    return list(
        Subscriber.objects.filter(organisation=organisation, company=company).values_list(
            "email", flat=True
        )
    )


def settings_for(organisation: Organisation) -> ReportSettings:
    from ledgerlink.reports.services import report_settings

    return report_settings(organisation)
