"""Fault injection for tests and demos: make the sandbox API misbehave on purpose.

Everything lives in the database (except the in-process rate limiter's buckets), so a fault
set from a test process reaches every web worker. Each function takes a tenant or its public
id. Queued faults (`fail_next`, `delay_next`) affect the next API responses for that tenant,
in the order they were queued.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from ledgerlink.sandbox import services
from ledgerlink.sandbox.models import (
    FaultKind,
    SandboxFault,
    SandboxGrant,
    SandboxTenant,
    SandboxToken,
    TokenKind,
)
from ledgerlink.sandbox.ratelimit import BUCKETS

FAILABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


def _tenant(tenant: SandboxTenant | str) -> SandboxTenant:
    if isinstance(tenant, SandboxTenant):
        return tenant
    return SandboxTenant.objects.get(public_id=tenant)


def fail_next(
    tenant: SandboxTenant | str, status: int, *, count: int = 1, retry_after: int | None = None
) -> SandboxFault:
    """The next `count` API responses fail with `status` (429 with Retry-After, or 5xx)."""
    if status not in FAILABLE_STATUSES:
        raise ValueError(f"Status must be one of {sorted(FAILABLE_STATUSES)}.")
    if count < 1:
        raise ValueError("count must be at least 1.")
    if retry_after is not None and retry_after < 0:
        raise ValueError("retry_after cannot be negative.")
    return SandboxFault.objects.create(
        tenant=_tenant(tenant),
        kind=FaultKind.STATUS,
        status_code=status,
        retry_after=retry_after if retry_after is not None else (1 if status == 429 else None),
        remaining=count,
    )


def delay_next(tenant: SandboxTenant | str, seconds: float, *, count: int = 1) -> SandboxFault:
    """The next `count` API responses wait `seconds` first (longer than the client's read
    timeout: a timeout)."""
    if not 0 < seconds <= 300:
        raise ValueError("seconds must be between 0 and 300.")
    if count < 1:
        raise ValueError("count must be at least 1.")
    return SandboxFault.objects.create(
        tenant=_tenant(tenant), kind=FaultKind.DELAY, delay_seconds=seconds, remaining=count
    )


def expire_access_tokens(tenant: SandboxTenant | str) -> int:
    """Every current access token of the tenant expires now (API: 401 token_expired)."""
    now = timezone.now()
    return SandboxToken.objects.filter(
        grant__tenant=_tenant(tenant),
        kind=TokenKind.ACCESS,
        revoked_at__isnull=True,
        expires_at__gt=now,
    ).update(expires_at=now - timedelta(seconds=1))


def revoke_consent(tenant: SandboxTenant | str) -> int:
    """The user disconnects every client from the tenant (API: 403 consent_revoked; refresh:
    invalid_grant)."""
    return SandboxGrant.objects.filter(tenant=_tenant(tenant), revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def set_rate_limit(tenant: SandboxTenant | str, per_minute: int) -> None:
    if per_minute < 1:
        raise ValueError("per_minute must be at least 1.")
    found = _tenant(tenant)
    SandboxTenant.objects.filter(pk=found.pk).update(rate_limit_per_minute=per_minute)
    found.rate_limit_per_minute = per_minute
    BUCKETS.reset(found.pk)


def set_access_token_ttl(tenant: SandboxTenant | str, seconds: int | None) -> None:
    """Lifetime of access tokens issued from now on (None: the default)."""
    if seconds is not None and seconds < 1:
        raise ValueError("seconds must be at least 1.")
    found = _tenant(tenant)
    SandboxTenant.objects.filter(pk=found.pk).update(access_token_ttl=seconds)
    found.access_token_ttl = seconds


def bump_revision(tenant: SandboxTenant | str) -> int:
    """Edit and delete a few records; returns the new revision."""
    return services.bump_revision(_tenant(tenant))


def clear(tenant: SandboxTenant | str) -> int:
    """Drop queued faults (rate limit, tokens and revisions stay as they are)."""
    deleted, _ = SandboxFault.objects.filter(tenant=_tenant(tenant)).delete()
    return deleted


def take(tenant: SandboxTenant) -> SandboxFault | None:
    """Consume the oldest queued fault of the tenant, if any (safe across processes)."""
    for _ in range(5):
        fault = SandboxFault.objects.filter(tenant=tenant, remaining__gt=0).order_by("pk").first()
        if fault is None:
            return None
        claimed = SandboxFault.objects.filter(pk=fault.pk, remaining__gt=0).update(
            remaining=F("remaining") - 1
        )
        if claimed:
            return fault
    return None
