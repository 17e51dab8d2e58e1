"""A sync run: the row is the truth, not the queue (see DESIGN.md "sync")."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class SyncStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"  # e.g. the platform's daily limit: resumes later by itself
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"  # the connection was disconnected


class SyncRun(models.Model):
    organisation = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.CASCADE, related_name="sync_runs"
    )
    company = models.ForeignKey(
        "relationships.Company", on_delete=models.CASCADE, related_name="sync_runs"
    )
    connection = models.ForeignKey(
        "connectors.Connection", on_delete=models.CASCADE, related_name="sync_runs"
    )
    status = models.CharField(max_length=20, choices=SyncStatus.choices, default=SyncStatus.QUEUED)
    data_types = models.JSONField(default=list)
    # Per data type: {"records": int, "deleted": int, "problems": int, "done": bool,
    #                 "cursor": str|None, "watermark": str|None, "since": str|None}
    progress = models.JSONField(default=dict)
    problems = models.JSONField(default=list, blank=True)  # skipped records (capped)
    message = models.TextField(blank=True)  # why it failed or paused, for the analyst
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)  # claims
    crashes = models.PositiveIntegerField(default=0)  # claims after a worker died mid-run
    enqueued_at = models.DateTimeField(default=timezone.now)  # last handed to the queue
    resume_after = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "lease_expires_at"])]

    def __str__(self) -> str:
        return f"Sync {self.pk} of {self.company_id} ({self.status})"

    @property
    def records_total(self) -> int:
        return sum(int(p.get("records", 0)) for p in self.progress.values())
