"""Background tasks of the reports (ids only in the queue)."""

from __future__ import annotations

from django_tasks import task

from ledgerlink.reports import services


@task()
def build_reports(company_id: int) -> int:
    return len(services.build_company_reports(company_id))


@task()
def deliver_ongoing_insights(delivery_id: int) -> str:
    delivery = services.deliver_quarterly(delivery_id)
    return "skipped" if delivery is None else delivery.status


@task()
def sweep_reports() -> int:
    return len(services.sweep())
