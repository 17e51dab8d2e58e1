"""Writing audit events. Every state-changing service calls `record`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ledgerlink.audit.models import AuditEvent
from ledgerlink.tenancy.models import Organisation, User


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR") or None


def record(
    *,
    organisation: Organisation,
    action: str,
    summary: str,
    actor: User | None = None,
    actor_kind: str = "user",
    company_id: int | None = None,
    target: Any = None,
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        organisation=organisation,
        company_id=company_id,
        actor=actor,
        actor_ref=f"user:{actor.pk}" if actor is not None else "",
        actor_kind=actor_kind if actor is not None or actor_kind != "user" else "system",
        action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id=getattr(target, "pk", None),
        summary=summary[:300],
        data=data or {},
        ip_address=client_ip(request),
    )
