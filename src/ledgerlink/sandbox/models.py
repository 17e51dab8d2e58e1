"""The sandbox platform's own tables. Business data is generated, never stored (see generator).

Codes and tokens are stored as SHA-256 hashes only; the raw values exist in HTTP responses.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


def _public_id() -> str:
    return str(uuid.uuid4())


class SandboxTenant(models.Model):
    """An organisation at the platform. Its data is a function of (seed, sizes, revisions)."""

    public_id = models.CharField(max_length=36, unique=True, default=_public_id)
    name = models.CharField(max_length=200)
    seed = models.BigIntegerField()
    suppliers = models.PositiveIntegerField(default=20)
    bills = models.PositiveIntegerField(default=300)
    payments = models.PositiveIntegerField(default=260)
    expenses = models.PositiveIntegerField(default=150)
    base_currency = models.CharField(max_length=3, default="GBP")
    # Bumped to simulate edits and deletions; revision_times[r-1] is when revision r happened.
    revision = models.PositiveIntegerField(default=0)
    revision_times = models.JSONField(default=list, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(default=600)
    # Access-token lifetime for this tenant's grants; null: settings / 30 minutes.
    access_token_ttl = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class SandboxClient(models.Model):
    """An application registered at the platform (ledgerlink), mirrored from settings."""

    client_id = models.CharField(max_length=200, unique=True)
    secret_hash = models.CharField(max_length=64)
    name = models.CharField(max_length=200, default="ledgerlink")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.client_id


class SandboxGrant(models.Model):
    """One consent: a user let a client read a tenant. Revoking it ends all its tokens."""

    client = models.ForeignKey(SandboxClient, on_delete=models.CASCADE, related_name="grants")
    tenant = models.ForeignKey(SandboxTenant, on_delete=models.CASCADE, related_name="grants")
    user_email = models.CharField(max_length=200)
    scope = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.client} → {self.tenant}"


class SandboxAuthCode(models.Model):
    code_hash = models.CharField(max_length=64, unique=True)
    grant = models.ForeignKey(SandboxGrant, on_delete=models.CASCADE, related_name="codes")
    redirect_uri = models.CharField(max_length=2000)
    code_challenge = models.CharField(max_length=128)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"code for grant {self.grant_id}"


class TokenKind(models.TextChoices):
    ACCESS = "access", "Access token"
    REFRESH = "refresh", "Refresh token"


class SandboxToken(models.Model):
    token_hash = models.CharField(max_length=64, unique=True)
    grant = models.ForeignKey(SandboxGrant, on_delete=models.CASCADE, related_name="tokens")
    kind = models.CharField(max_length=10, choices=TokenKind.choices)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Refresh tokens: when it was exchanged for a new pair (it stops working then).
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["grant", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind} token of grant {self.grant_id}"


class FaultKind(models.TextChoices):
    STATUS = "status", "Fail with an HTTP status"
    DELAY = "delay", "Delay the response"


class SandboxFault(models.Model):
    """A queued misbehaviour of the API for one tenant (kept in the database so every worker
    process sees it)."""

    tenant = models.ForeignKey(SandboxTenant, on_delete=models.CASCADE, related_name="faults")
    kind = models.CharField(max_length=10, choices=FaultKind.choices)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    retry_after = models.PositiveIntegerField(null=True, blank=True)
    delay_seconds = models.FloatField(null=True, blank=True)
    remaining = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["tenant", "remaining"])]

    def __str__(self) -> str:
        return f"{self.kind} fault ×{self.remaining} for {self.tenant_id}"
