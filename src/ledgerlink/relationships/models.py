"""Companies (the bank's business clients, and their legal entities) and data requests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from ledgerlink.tenancy.models import Organisation


class RequestStatus(models.TextChoices):
    SENT = "sent", "Sent"
    OPENED = "opened", "Opened"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    REVOKED = "revoked", "Revoked"


# "Expired" is not stored: it follows from the clock (see DataRequest.display_status).
EXPIRED = "expired"
DISPLAY_STATUS_LABELS = {**dict(RequestStatus.choices), EXPIRED: "Expired", "": "Not requested"}


class ProvisionStatus(models.TextChoices):
    NOT_REQUESTED = "", "Not requested"
    AWAITING_CLIENT = "awaiting_client", "Awaiting client"
    CONNECTING = "connecting", "Connecting"
    CONNECTED = "connected", "Connected"
    SYNCING = "syncing", "Syncing"
    DATA_AVAILABLE = "data_available", "Data available"
    NEEDS_REAUTHORISATION = "needs_reauthorisation", "Needs re-authorisation"
    FAILED = "failed", "Failed"


class Delivery(models.TextChoices):
    EMAIL = "email", "Email"
    LINK = "link", "Copied link"


class Company(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="companies"
    )
    # A legal entity of a client is a child company of the requested company.
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="entities"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    analysts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assigned_companies"
    )
    provision_status = models.CharField(
        max_length=30, choices=ProvisionStatus.choices, blank=True, default=""
    )
    # Denormalised so the company list can show and filter by request status in one query.
    latest_request = models.ForeignKey(
        "DataRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name_plural = "companies"
        indexes = [
            models.Index(fields=["organisation", "parent", "name"]),
            models.Index(fields=["organisation", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def request_display_status(self) -> str:
        return self.latest_request.display_status if self.latest_request else ""

    @property
    def request_display_label(self) -> str:
        return DISPLAY_STATUS_LABELS[self.request_display_status]


class DataRequest(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="data_requests"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="data_requests")
    wants_financials = models.BooleanField(default=False)
    wants_spend = models.BooleanField(default=False)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    sent_to = models.EmailField(blank=True)
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.SENT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    first_opened_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(wants_financials=True) | models.Q(wants_spend=True),
                name="request_asks_for_something",
            )
        ]

    def __str__(self) -> str:
        return f"Request {self.pk} for {self.company_id}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def display_status(self) -> str:
        if self.status == RequestStatus.REVOKED:
            return RequestStatus.REVOKED
        if self.status != RequestStatus.COMPLETED and self.is_expired:
            return EXPIRED
        return self.status

    @property
    def display_label(self) -> str:
        return DISPLAY_STATUS_LABELS[self.display_status]

    @property
    def data_types_label(self) -> str:
        parts = []
        if self.wants_financials:
            parts.append("Financials")
        if self.wants_spend:
            parts.append("Spend analysis")
        return " and ".join(parts)


class RequestLink(models.Model):
    """One bearer link of a data request. Re-issuing replaces the link; only hashes are kept."""

    data_request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    replaced_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Link {self.pk} of request {self.data_request_id}"


class LinkView(models.Model):
    """A GET of the landing page. Recorded, but never advances the journey (mail scanners)."""

    data_request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="views")
    viewed_at = models.DateTimeField(default=timezone.now)
    user_agent = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"View of request {self.data_request_id} at {self.viewed_at}"
