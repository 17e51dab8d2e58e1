"""Emails captured by the outbox backend (the demo shows them on the portal's Outbox page)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    # Which organisation's outbox shows this message; null for mail not tied to one.
    organisation = models.ForeignKey(
        "tenancy.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_messages",
    )
    from_email = models.CharField(max_length=300)
    to = models.TextField()
    subject = models.CharField(max_length=300)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"


class EmailDelivery(models.Model):
    """A rendered email waiting for the task worker (a transactional outbox for mail).

    Written in the same transaction as the change that causes it, so a rolled-back change
    sends nothing and an SMTP outage only delays mail. Bodies are cleared once sent because
    they can carry bearer links.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    organisation = models.ForeignKey(
        "tenancy.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="email_deliveries",
    )
    to = models.JSONField(default=list)
    reply_to = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=300)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the next delivery attempt is due; the sweeper re-enqueues mail whose task was
    # lost (a worker killed, a queue without deferred tasks) once this is well past.
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.subject} ({self.status})"
