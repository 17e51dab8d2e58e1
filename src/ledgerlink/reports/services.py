"""Building, scheduling and serving reports; report settings and subscribers.

Crash safety is the sync engine's: a build claims each `Report` row with a conditional
UPDATE and holds a lease that a heartbeat thread renews while the file is written; if the
worker dies, `sweep()` (run by `ledgerlink worker`'s sweeper thread) hands the row to
another worker. A row re-queued while a build runs (new data arrived) drops that build's
lease, so its file is thrown away and the new build wins.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import close_old_connections, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from ledgerlink.audit.services import record
from ledgerlink.connectors.models import Connection, ConnectionStatus
from ledgerlink.insights import CashbackTier, LedgerFrames, Parameters
from ledgerlink.relationships.models import Company
from ledgerlink.reports import registry
from ledgerlink.reports.loader import load_frames
from ledgerlink.reports.models import (
    ACTIVE_STATUSES,
    QuarterlyDelivery,
    Report,
    ReportSettings,
    ReportStatus,
    Subscriber,
)
from ledgerlink.sync.engine import start_sync, worker_id
from ledgerlink.tenancy.models import Organisation, User

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
ONGOING = "ongoing-insights"
# Currencies without minor units (ISO 4217 exponent 0) among those a ledger may hold.
ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV"}
    | {"XAF", "XOF", "XPF"}
)


def lease() -> timedelta:
    return timedelta(seconds=settings.LEDGERLINK_REPORT_LEASE_SECONDS)


# --- settings and parameters --------------------------------------------------------------


def report_settings(organisation: Organisation) -> ReportSettings:
    """The organisation's settings, or unsaved defaults."""
    found = ReportSettings.objects.filter(organisation=organisation).first()
    return found or ReportSettings(organisation=organisation)


def enabled_flags(values: ReportSettings) -> dict[str, bool]:
    return {
        "mastercard_enabled": values.mastercard_enabled,
        "visa_enabled": values.visa_enabled,
        "wex_enabled": values.wex_enabled,
        "paytech_enabled": values.paytech_enabled,
    }


def tiers_from(raw: Sequence[dict[str, Any]]) -> tuple[CashbackTier, ...]:
    return tuple(
        CashbackTier(
            rate=Decimal(str(t["rate"])),
            up_to=None if t.get("up_to") in (None, "") else Decimal(str(t["up_to"])),
        )
        for t in raw
    )


def parameters_for(
    company: Company,
    *,
    today: date | None = None,
    start: date | None = None,
    end: date | None = None,
    values: ReportSettings | None = None,
) -> Parameters:
    """The organisation's report parameters for the company; the period is the settings'
    default (full months before today) unless `start` and `end` are given."""
    today = today or timezone.now().date()
    values = values or report_settings(company.organisation)
    from ledgerlink.ledger.models import CompanyInfo

    currency = (
        CompanyInfo.objects.filter(company=company, is_deleted=False)
        .values_list("base_currency", flat=True)
        .first()
    )
    kwargs: dict[str, Any] = {
        "min_supplier_annual_spend": Decimal(values.min_supplier_annual_spend),
        "cashback_tiers": tiers_from(values.cashback_tiers),
        "minutes_per_payment": Decimal(values.minutes_per_payment),
        "hourly_cost": Decimal(values.hourly_cost),
        "company_id": company.pk,
        "currency_decimals": 0 if (currency or "").upper() in ZERO_DECIMAL else 2,
    }
    if start is not None and end is not None:
        return Parameters(start=start, end=end, generation_date=today, **kwargs)
    return Parameters.for_generation(today, months=values.period_months, **kwargs)


def context_for(
    company: Company,
    *,
    today: date | None = None,
    start: date | None = None,
    end: date | None = None,
) -> registry.BuildContext:
    values = report_settings(company.organisation)

    def load(window_start: date | None, window_end: date | None) -> LedgerFrames:
        return load_frames(company, start=window_start, end=window_end)

    return registry.BuildContext(
        organisation=company.organisation,
        company=company,
        parameters=parameters_for(company, today=today, start=start, end=end, values=values),
        enabled=enabled_flags(values),
        load=load,
    )


def wanted_types(organisation: Organisation, *, automatic_only: bool = True) -> list[str]:
    flags = enabled_flags(report_settings(organisation))
    return [
        t.key
        for t in registry.all_types()
        if t.enabled_for(flags) and (t.automatic or not automatic_only)
    ]


# --- scheduling -----------------------------------------------------------------------------


def report_subject(company: Company) -> Company:
    """The company whose report covers this one: its parent for an entity."""
    if company.parent_id is None:
        return company
    return Company.objects.get(pk=company.parent_id)


def queue_reports(company: Company, types: Iterable[str]) -> list[str]:
    """Mark the company's reports of `types` Generating and enqueue a build (idempotent:
    rows already queued stay as they are). Call inside or outside a transaction."""
    from ledgerlink.reports.tasks import build_reports

    keys = list(types)
    if not keys:
        return []
    now = timezone.now()
    with transaction.atomic():
        for key in keys:
            Report.objects.get_or_create(
                company=company,
                report_type=key,
                defaults={"organisation_id": company.organisation_id},
            )
        Report.objects.filter(company=company, report_type__in=keys).exclude(
            status=ReportStatus.QUEUED
        ).update(
            status=ReportStatus.QUEUED,
            lease_owner="",
            lease_expires_at=None,
            attempts=0,
            requested_at=now,
            message="",
        )
        company_id = company.pk
        transaction.on_commit(lambda: build_reports.enqueue(company_id))
    return keys


def schedule_after_data_change(company: Company) -> list[str]:
    """After a completed sync or template import: rebuild the automatic reports of the
    company (or of its parent, whose report covers it). The company's own accounts get
    their category suggestions first (Financials pages only read them)."""
    from ledgerlink.financials.services import schedule_categorisation

    schedule_categorisation(company)
    subject = report_subject(company)
    return queue_reports(subject, wanted_types(subject.organisation))


class NothingToUpdate(Exception):
    """The company's data came from files: there is nothing to re-sync."""


def live_connections(company: Company) -> list[Connection]:
    return list(
        Connection.objects.filter(
            organisation_id=company.organisation_id,
            company__in=[company.pk, *company.entities.values_list("pk", flat=True)],
        ).exclude(
            status__in=[ConnectionStatus.DISCONNECTED, ConnectionStatus.NEEDS_REAUTHORISATION]
        )
    )


def update_reports(
    company: Company, *, actor: User | None, request: HttpRequest | None = None
) -> int:
    """Re-sync every live connection of the company and its entities; each sync that
    completes regenerates the reports. Raises NothingToUpdate for file-based data."""
    connections = live_connections(company)
    if not connections:
        raise NothingToUpdate(
            "Reports built from uploaded files are updated by uploading a new file."
        )
    for connection in connections:
        start_sync(connection)
    record(
        organisation=company.organisation,
        actor=actor,
        action="reports.update_requested",
        summary=f"Update reports: re-sync of {len(connections)} connection(s) started",
        company_id=company.pk,
        target=company,
        request=request,
    )
    return len(connections)


# --- building -------------------------------------------------------------------------------


def claim(report_id: int, owner: str) -> bool:
    now = timezone.now()
    claimable = Q(status=ReportStatus.QUEUED) | Q(
        status=ReportStatus.GENERATING, lease_expires_at__lt=now
    )
    return bool(
        Report.objects.filter(claimable, pk=report_id).update(
            status=ReportStatus.GENERATING,
            lease_owner=owner,
            lease_expires_at=now + lease(),
            attempts=F("attempts") + 1,
        )
    )


class Heartbeat:
    """Renews the leases of the rows being built, from a thread, until stopped."""

    def __init__(self, report_ids: list[int], owner: str) -> None:
        self.report_ids = report_ids
        self.owner = owner
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="report-heartbeat", daemon=True)

    def _run(self) -> None:
        interval = max(lease().total_seconds() / 3, 0.5)
        try:
            while not self._stop.wait(interval):
                Report.objects.filter(pk__in=self.report_ids, lease_owner=self.owner).update(
                    lease_expires_at=timezone.now() + lease()
                )
        except Exception:  # the lease lapses and the sweeper hands the build on
            logger.exception("report heartbeat failed")
        finally:
            close_old_connections()

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass(frozen=True, slots=True)
class Built:
    report_type: str
    status: str
    message: str = ""


def build_company_reports(
    company_id: int,
    *,
    only: Sequence[str] | None = None,
    owner: str | None = None,
    today: date | None = None,
) -> list[Built]:
    """Claim the company's queued (or abandoned) reports and build them."""
    owner = owner or worker_id()
    candidates = Report.objects.filter(company_id=company_id).filter(
        Q(status=ReportStatus.QUEUED)
        | Q(status=ReportStatus.GENERATING, lease_expires_at__lt=timezone.now())
    )
    if only is not None:
        candidates = candidates.filter(report_type__in=list(only))
    order = {t.key: (t.build_order, i) for i, t in enumerate(registry.all_types())}
    rows = sorted(candidates, key=lambda r: order.get(r.report_type, (9, 0)))
    claimed = [row for row in rows if claim(row.pk, owner)]
    if not claimed:
        return []
    company = Company.objects.select_related("organisation").get(pk=company_id)
    ctx = context_for(company, today=today)
    results: list[Built] = []
    with Heartbeat([row.pk for row in claimed], owner):
        for row in claimed:
            row.refresh_from_db(fields=["attempts"])
            results.append(_build_one(row, ctx, owner))
    built = [r for r in results if r.status == ReportStatus.AVAILABLE]
    failed = [r for r in results if r.status == ReportStatus.FAILED]
    summary = f"Reports generated: {len(built)}" + (f", {len(failed)} failed" if failed else "")
    record(
        organisation=company.organisation,
        actor=None,
        actor_kind="system",
        action="reports.generated" if not failed else "reports.failed",
        summary=summary,
        company_id=company.pk,
        target=company,
        data={r.report_type: r.status for r in results},
    )
    return results


def _build_one(row: Report, ctx: registry.BuildContext, owner: str) -> Built:
    try:
        kind = registry.get(row.report_type)
    except KeyError:
        return _finish(row, owner, ReportStatus.FAILED, "This report type is not installed.")
    if row.attempts > MAX_ATTEMPTS:
        return _finish(
            row, owner, ReportStatus.FAILED, "The report could not be built after 3 attempts."
        )
    started = time.monotonic()
    today = ctx.parameters.generation_date
    try:
        with tempfile.TemporaryFile() as out:
            figures = kind.build(ctx, out)
            out.seek(0)
            name = f"reports/{secrets.token_urlsafe(24)}.{kind.extension}"
            stored = default_storage.save(name, File(out, name=name))
            size = default_storage.size(stored)
    except registry.ReportUnavailable as unavailable:
        return _finish(row, owner, ReportStatus.UNAVAILABLE, str(unavailable))
    except Exception as error:  # every failure is shown, and the worker carries on
        logger.exception("report %s of company %s failed", kind.key, row.company_id)
        reason = str(error) if isinstance(error, ValueError) else type(error).__name__
        return _finish(
            row, owner, ReportStatus.FAILED, f"The report could not be generated: {reason}"
        )
    return _finish(
        row,
        owner,
        ReportStatus.AVAILABLE,
        "",
        stored=stored,
        size=size,
        filename=kind.filename(ctx.company.name, today),
        figures=figures,
        ctx=ctx,
        seconds=time.monotonic() - started,
    )


def _finish(
    row: Report,
    owner: str,
    status: str,
    message: str,
    *,
    stored: str = "",
    size: int = 0,
    filename: str = "",
    figures: dict[str, Any] | None = None,
    ctx: registry.BuildContext | None = None,
    seconds: float | None = None,
) -> Built:
    values: dict[str, Any] = {
        "status": status,
        "message": message[:1000],
        "lease_owner": "",
        "lease_expires_at": None,
    }
    old = Report.objects.filter(pk=row.pk).values_list("file", flat=True).first() or ""
    if stored:
        assert ctx is not None
        values.update(
            file=stored,
            size=size,
            filename=filename,
            figures=figures or {},
            generated_at=timezone.now(),
            period_start=ctx.parameters.start,
            period_end=ctx.parameters.end,
            seconds=seconds,
        )
    elif status == ReportStatus.UNAVAILABLE:
        values.update(figures={})
    updated = Report.objects.filter(pk=row.pk, lease_owner=owner).update(**values)
    if not updated:  # re-queued or taken over meanwhile: this file is not the latest
        if stored:
            default_storage.delete(stored)
        return Built(row.report_type, "superseded")
    if stored and old and old != stored:
        default_storage.delete(old)
    return Built(row.report_type, status, message)


def sweep() -> list[int]:
    """Re-enqueue builds whose worker died, queued builds whose task was lost, and
    quarterly deliveries that stopped half-way. Returns the companies re-enqueued."""
    from ledgerlink.reports.tasks import build_reports, deliver_ongoing_insights

    now = timezone.now()
    lost = now - max(lease() * 2, timedelta(minutes=10))
    companies = sorted(
        set(
            Report.objects.filter(
                Q(status=ReportStatus.GENERATING, lease_expires_at__lt=now)
                | Q(status=ReportStatus.QUEUED, requested_at__lt=lost)
            ).values_list("company_id", flat=True)
        )
    )
    for company_id in companies:
        logger.warning("reports of company %s: lease lapsed or task lost; re-enqueued", company_id)
        build_reports.enqueue(company_id)
    stale = QuarterlyDelivery.objects.filter(
        status="running", created_at__lt=now - timedelta(hours=1)
    )
    for delivery_id in stale.values_list("pk", flat=True):
        QuarterlyDelivery.objects.filter(pk=delivery_id, status="running").update(status="queued")
        deliver_ongoing_insights.enqueue(delivery_id)
    return companies


# --- one-off generation (CLI) -------------------------------------------------------------


def generate_file(
    company: Company,
    report_type: str,
    out: Any,
    *,
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Build one report into a binary stream, synchronously, without touching its row."""
    kind = registry.get(report_type)
    ctx = context_for(company, today=today, start=start, end=end)
    return kind.build(ctx, out)


# --- downloads ------------------------------------------------------------------------------


def record_download(report: Report, *, actor: User, request: HttpRequest | None) -> None:
    label = (
        registry.get(report.report_type).label
        if report.report_type in registry.type_keys()
        else report.report_type
    )
    record(
        organisation=report.organisation,
        actor=actor,
        action="report.downloaded",
        summary=f"{label} downloaded",
        company_id=report.company_id,
        target=report,
        data={"report_type": report.report_type, "generated_at": str(report.generated_at)},
        request=request,
    )


# --- settings and subscribers ---------------------------------------------------------------


SETTINGS_FIELDS = (
    "period_months",
    "min_supplier_annual_spend",
    "minutes_per_payment",
    "hourly_cost",
    "cashback_tiers",
    "mastercard_enabled",
    "visa_enabled",
    "wex_enabled",
    "paytech_enabled",
)


def update_report_settings(
    *,
    organisation: Organisation,
    actor: User,
    values: dict[str, Any],
    request: HttpRequest | None = None,
) -> list[str]:
    current = report_settings(organisation)
    changed = [f for f in SETTINGS_FIELDS if f in values and getattr(current, f) != values[f]]
    if not changed and current.pk:
        return []
    for name in changed:
        setattr(current, name, values[name])
    current.updated_at = timezone.now()
    current.save()
    record(
        organisation=organisation,
        actor=actor,
        action="reports.settings_changed",
        summary="Report settings changed: " + (", ".join(changed) or "saved"),
        target=current,
        data={"changed": changed},
        request=request,
    )
    return changed


def set_subscribers(
    company: Company,
    emails: Iterable[str],
    *,
    actor: User,
    request: HttpRequest | None = None,
) -> tuple[list[str], list[str]]:
    """Replace the company's Ongoing Insights subscribers; returns (added, removed)."""
    wanted = {e.strip().lower() for e in emails if e.strip()}
    with transaction.atomic():
        current = set(Subscriber.objects.filter(company=company).values_list("email", flat=True))
        added = sorted(wanted - current)
        removed = sorted(current - wanted)
        Subscriber.objects.filter(company=company, email__in=removed).delete()
        Subscriber.objects.bulk_create(
            Subscriber(organisation_id=company.organisation_id, company=company, email=e)
            for e in added
        )
        if added or removed:
            record(
                organisation=company.organisation,
                actor=actor,
                action="reports.subscribers_changed",
                summary=f"Ongoing Insights subscribers: {len(added)} added, {len(removed)} removed",
                company_id=company.pk,
                target=company,
                data={"added": added, "removed": removed},
                request=request,
            )
    return added, removed


# --- quarterly Ongoing Insights -------------------------------------------------------------


def quarter_key(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def enqueue_due_quarterly(today: date | None = None) -> list[int]:
    """Once per calendar quarter and company with subscribers and data: queue the Ongoing
    Insights delivery. Idempotent (one `QuarterlyDelivery` per company and quarter)."""
    from ledgerlink.reports.tasks import deliver_ongoing_insights

    today = today or timezone.now().date()
    key = quarter_key(today)
    due = (
        Company.objects.filter(parent__isnull=True, report_subscribers__isnull=False)
        .filter(reports__isnull=False)
        .exclude(quarterly_deliveries_done(key))
        .distinct()
        .values_list("pk", "organisation_id")
    )
    queued: list[int] = []
    for company_id, organisation_id in due:
        delivery, created = QuarterlyDelivery.objects.get_or_create(
            company_id=company_id, quarter=key, defaults={"organisation_id": organisation_id}
        )
        if created:
            queued.append(delivery.pk)
            deliver_ongoing_insights.enqueue(delivery.pk)
    return queued


def quarterly_deliveries_done(key: str) -> Q:
    return Q(pk__in=QuarterlyDelivery.objects.filter(quarter=key).values("company_id"))


def deliver_quarterly(delivery_id: int, *, today: date | None = None) -> QuarterlyDelivery | None:
    """Build the company's Ongoing Insights and email its subscribers a portal link."""
    from ledgerlink.notifications.services import absolute_url, send_email

    if not QuarterlyDelivery.objects.filter(pk=delivery_id, status="queued").update(
        status="running"
    ):
        return None
    delivery = QuarterlyDelivery.objects.select_related("company__organisation").get(pk=delivery_id)
    company = delivery.company
    _queue_now(company, ONGOING)
    build_company_reports(company.pk, only=[ONGOING], today=today)
    report = Report.objects.get(company=company, report_type=ONGOING)
    emails = list(Subscriber.objects.filter(company=company).values_list("email", flat=True))
    if report.status != ReportStatus.AVAILABLE or not emails:
        if not emails:
            reason = "No subscribers."
        elif report.status in ACTIVE_STATUSES:
            reason = "The report was being generated by another worker."
        else:
            reason = report.message or f"The report is {report.get_status_display().lower()}."
        QuarterlyDelivery.objects.filter(pk=delivery_id).update(
            status="skipped", message=reason, finished_at=timezone.now()
        )
        delivery.refresh_from_db()
        return delivery
    url = absolute_url(reverse("portal:report-download", args=[report.pk]))
    with transaction.atomic():
        for email in emails:  # one email each: subscribers do not see each other
            send_email(
                organisation=company.organisation,
                to=[email],
                template="emails/ongoing_insights",
                context={"company": company, "report": report, "url": url},
            )
        QuarterlyDelivery.objects.filter(pk=delivery_id).update(
            status="sent", recipients=len(emails), finished_at=timezone.now()
        )
        record(
            organisation=company.organisation,
            actor=None,
            actor_kind="system",
            action="reports.ongoing_sent",
            summary=f"Ongoing Insights {delivery.quarter} emailed to {len(emails)} subscriber(s)",
            company_id=company.pk,
            target=delivery,
        )
    delivery.refresh_from_db()
    return delivery


def _queue_now(company: Company, key: str) -> None:
    """Queue a row for a build this process runs itself (no task enqueued)."""
    Report.objects.get_or_create(
        company=company, report_type=key, defaults={"organisation_id": company.organisation_id}
    )
    Report.objects.filter(company=company, report_type=key).exclude(
        status__in=ACTIVE_STATUSES
    ).update(
        status=ReportStatus.QUEUED,
        lease_owner="",
        lease_expires_at=None,
        attempts=0,
        requested_at=timezone.now(),
    )
