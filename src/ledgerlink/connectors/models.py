"""Connections to accounting platforms, and the single-use OAuth state of a pending one."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils import timezone

from ledgerlink.connectors import crypto


class ConnectionStatus(models.TextChoices):
    CONNECTING = "connecting", "Connecting"
    CONNECTED = "connected", "Connected"
    SYNCING = "syncing", "Syncing"
    DATA_AVAILABLE = "data_available", "Data available"
    NEEDS_REAUTHORISATION = "needs_reauthorisation", "Needs re-authorisation"
    FAILED = "failed", "Failed"
    DISCONNECTED = "disconnected", "Disconnected"


class Connection(models.Model):
    organisation = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.CASCADE, related_name="connections"
    )
    # The company (or legal entity) whose books this connection reads.
    company = models.ForeignKey(
        "relationships.Company", on_delete=models.CASCADE, related_name="connections"
    )
    data_request = models.ForeignKey(
        "relationships.DataRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="connections",
    )
    platform = models.CharField(max_length=40)
    tenant_id = models.CharField(max_length=200)
    tenant_name = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=30, choices=ConnectionStatus.choices, default=ConnectionStatus.CONNECTED
    )
    # Encrypted with connectors.crypto, bound to this row by `secret_context`; never stored or
    # logged in clear. Read and write them through `access_token` / `refresh_token`.
    access_token_encrypted = models.TextField(blank=True)
    refresh_token_encrypted = models.TextField(blank=True)
    secret_context = models.UUIDField(default=uuid.uuid4, editable=False)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    scope = models.CharField(max_length=1000, blank=True)
    # Per data type: the source's modified-time watermark of the last completed sync.
    sync_state = models.JSONField(default=dict, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Who is refreshing the token right now, until when (one refresh at a time, see services).
    refresh_lock_owner = models.CharField(max_length=64, blank=True)
    refresh_lock_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # The same platform organisation cannot be linked twice by mistake.
            models.UniqueConstraint(
                fields=["organisation", "platform", "tenant_id"],
                condition=~models.Q(status="disconnected"),
                name="one_live_connection_per_platform_tenant",
            )
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.tenant_name or self.tenant_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.updated_at = timezone.now()
        super().save(*args, **kwargs)

    def _context(self, field: str) -> str:
        return f"connection:{self.secret_context}:{field}"

    @property
    def access_token(self) -> str:
        return crypto.decrypt(self.access_token_encrypted, context=self._context("access"))

    @access_token.setter
    def access_token(self, value: str) -> None:
        self.access_token_encrypted = crypto.encrypt(value, context=self._context("access"))

    @property
    def refresh_token(self) -> str:
        return crypto.decrypt(self.refresh_token_encrypted, context=self._context("refresh"))

    @refresh_token.setter
    def refresh_token(self, value: str) -> None:
        self.refresh_token_encrypted = crypto.encrypt(value, context=self._context("refresh"))

    def rotated_secrets(self) -> dict[str, str]:
        """Both token fields re-encrypted under the newest key (for `rotate_keys`)."""
        return {
            "access_token_encrypted": crypto.rotate(
                self.access_token_encrypted, context=self._context("access")
            ),
            "refresh_token_encrypted": crypto.rotate(
                self.refresh_token_encrypted, context=self._context("refresh")
            ),
        }


class OAuthState(models.Model):
    """A pending authorisation: the `state` sent to the platform, bound to request and entity."""

    state_hash = models.CharField(max_length=64, unique=True)
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE)
    company = models.ForeignKey("relationships.Company", on_delete=models.CASCADE)
    data_request = models.ForeignKey(
        "relationships.DataRequest", on_delete=models.CASCADE, null=True, blank=True
    )
    platform = models.CharField(max_length=40)
    code_verifier_encrypted = models.TextField()
    # SHA-256 of a nonce kept in the starting browser's cookie; the callback must present it.
    browser_hash = models.CharField(max_length=64, blank=True)
    redirect_uri = models.CharField(max_length=500)
    # An existing connection being re-authorised (reconnect repairs it, never duplicates).
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"OAuth state for {self.platform} ({self.company_id})"

    @staticmethod
    def verifier_context(state_hash: str) -> str:
        return f"oauth-state:{state_hash}:code-verifier"

    @property
    def code_verifier(self) -> str:
        return crypto.decrypt(
            self.code_verifier_encrypted, context=self.verifier_context(self.state_hash)
        )

    @code_verifier.setter
    def code_verifier(self, value: str) -> None:
        self.code_verifier_encrypted = crypto.encrypt(
            value, context=self.verifier_context(self.state_hash)
        )
