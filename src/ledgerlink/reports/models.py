"""Report files per company and report type, the organisation's report settings, and the
Ongoing Insights subscribers and quarterly deliveries.

A `Report` row is the truth about one report of one company (the latest file, its status
and why it failed); builds claim rows with a conditional UPDATE and hold a lease, like sync
runs (see `services.py`).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone


class ReportStatus(models.TextChoices):
    UNAVAILABLE = "unavailable", "Unavailable"
    QUEUED = "queued", "Generating"  # waiting for a worker: shown as Generating
    GENERATING = "generating", "Generating"
    AVAILABLE = "available", "Available"
    FAILED = "failed", "Failed"


ACTIVE_STATUSES = (ReportStatus.QUEUED, ReportStatus.GENERATING)


class Report(models.Model):
    organisation = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.CASCADE, related_name="reports"
    )
    # Always a top-level company: a parent's report covers its entities.
    company = models.ForeignKey(
        "relationships.Company", on_delete=models.CASCADE, related_name="reports"
    )
    # A key of `reports.registry` (not choices: new report types need no migration).
    report_type = models.CharField(max_length=40)
    status = models.CharField(
        max_length=20, choices=ReportStatus.choices, default=ReportStatus.UNAVAILABLE
    )
    message = models.TextField(blank=True)  # why it failed or is unavailable
    # The latest good file, kept while a new one is built. Stored under an unguessable name.
    file = models.FileField(upload_to="reports/", max_length=300, blank=True)
    filename = models.CharField(max_length=200, blank=True)  # the name offered on download
    size = models.PositiveBigIntegerField(default=0)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    # Headline figures for the portal (Spend Summary), JSON-safe (amounts as strings).
    figures = models.JSONField(default=dict, blank=True)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(null=True, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)  # how long the last build took

    class Meta:
        ordering = ["company_id", "report_type"]
        constraints = [
            models.UniqueConstraint(fields=["company", "report_type"], name="report_per_type")
        ]
        indexes = [models.Index(fields=["status", "lease_expires_at"])]

    def __str__(self) -> str:
        return f"{self.report_type} of {self.company_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


def default_tiers() -> list[dict[str, str | None]]:
    return [{"rate": "0.02", "up_to": "1000000"}, {"rate": "0.01", "up_to": None}]


class ReportSettings(models.Model):
    """An organisation's report settings; absent means the defaults below."""

    organisation = models.OneToOneField(
        "tenancy.Organisation", on_delete=models.CASCADE, related_name="report_settings"
    )
    period_months = models.PositiveSmallIntegerField(default=12)
    min_supplier_annual_spend = models.DecimalField(
        max_digits=16, decimal_places=2, default=Decimal(0)
    )
    # [{"rate": "0.02", "up_to": "1000000"}, {"rate": "0.01", "up_to": null}]
    cashback_tiers = models.JSONField(default=default_tiers)
    minutes_per_payment = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal(3))
    hourly_cost = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal(40))
    mastercard_enabled = models.BooleanField(default=True)
    visa_enabled = models.BooleanField(default=True)
    wex_enabled = models.BooleanField(default=True)
    paytech_enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "report settings"

    def __str__(self) -> str:
        return f"Report settings of {self.organisation_id}"


class Subscriber(models.Model):
    """Someone who receives a company's quarterly Ongoing Insights email."""

    organisation = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    company = models.ForeignKey(
        "relationships.Company", on_delete=models.CASCADE, related_name="report_subscribers"
    )
    email = models.EmailField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["email"]
        constraints = [models.UniqueConstraint(fields=["company", "email"], name="subscriber_once")]

    def __str__(self) -> str:
        return self.email


class QuarterlyDelivery(models.Model):
    """One quarter's Ongoing Insights for one company: created once, so sent once."""

    organisation = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    company = models.ForeignKey("relationships.Company", on_delete=models.CASCADE, related_name="+")
    quarter = models.CharField(max_length=7)  # e.g. "2026-Q4": the quarter it is sent in
    status = models.CharField(max_length=20, default="queued")  # queued, sent, skipped, failed
    message = models.TextField(blank=True)
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["company", "quarter"], name="delivery_per_quarter")
        ]

    def __str__(self) -> str:
        return f"Ongoing Insights {self.quarter} of {self.company_id} ({self.status})"
