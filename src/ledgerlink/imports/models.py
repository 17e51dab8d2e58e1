"""A record of every file import attempt, accepted or rejected."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportStatus(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class FileImport(models.Model):
    company = models.ForeignKey(
        "relationships.Company", on_delete=models.CASCADE, related_name="file_imports"
    )
    # What kind of file: "template" (the supplier information template).
    kind = models.CharField(max_length=40, default="template")
    filename = models.CharField(max_length=255)  # sanitised: no directories or controls
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=ImportStatus.choices)
    problem_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    # Records per data type, e.g. {"suppliers": 12, "bills": 340, ...}.
    counts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["company", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"
