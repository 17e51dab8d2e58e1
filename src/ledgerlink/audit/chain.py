"""The audit trail's hash chain: sealing new events, verifying the chain, exporting it.

Events are written without a hash (no lock on the hot path); the worker's sweeper seals them
in order, per organisation, under a lock on the organisation row. A sealed event's hash covers
the previous event's hash, so an edited, removed or reordered event breaks every later link,
and a gap in the sequence numbers shows a removed one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from ledgerlink.audit.models import AuditEvent
from ledgerlink.tenancy.models import Organisation

GENESIS = "0" * 64
SEAL_BATCH = 2000


def event_fields(event: AuditEvent) -> dict[str, Any]:
    """What a sealed hash covers (everything but the clearable `actor` link)."""
    return {
        "id": event.pk,
        "organisation": event.organisation_id,
        "company": event.company_id,
        "actor": event.actor_ref,
        "actor_kind": event.actor_kind,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "summary": event.summary,
        "data": event.data,
        "ip_address": event.ip_address,
        "created_at": event.created_at.isoformat(),
    }


def event_hash(previous: str, sequence: int, event: AuditEvent) -> str:
    canonical = json.dumps(
        {"previous": previous, "sequence": sequence, **event_fields(event)},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def seal(*, batch: int = SEAL_BATCH) -> int:
    """Seal up to `batch` unsealed events per organisation; returns how many were sealed."""
    sealed = 0
    org_ids = list(
        AuditEvent.objects.filter(chain_hash="")
        .values_list("organisation_id", flat=True)
        .distinct()
        .order_by()
    )
    for org_id in org_ids:
        with transaction.atomic():
            # One sealer per organisation at a time; writers of events never take this lock.
            if not Organisation.objects.select_for_update().filter(pk=org_id).exists():
                continue
            last = (
                AuditEvent.objects.filter(organisation_id=org_id)
                .exclude(chain_hash="")
                .order_by("-sequence")
                .values_list("sequence", "chain_hash")
                .first()
            )
            sequence, previous = (last[0] or 0, last[1]) if last else (0, GENESIS)
            pending = AuditEvent.objects.filter(organisation_id=org_id, chain_hash="")
            for event in pending.order_by("pk")[:batch]:
                sequence += 1
                previous = event_hash(previous, sequence, event)
                AuditEvent.objects.filter(pk=event.pk, chain_hash="").update(
                    sequence=sequence, chain_hash=previous
                )
                sealed += 1
    return sealed


@dataclass(frozen=True)
class Break:
    organisation: str
    sequence: int
    event_id: int
    problem: str

    def __str__(self) -> str:
        return f"{self.organisation}: event #{self.sequence} (id {self.event_id}) {self.problem}"


def verify(organisation: Organisation | None = None) -> list[Break]:
    """Recompute every organisation's chain; returns where it is broken (empty when intact)."""
    orgs = [organisation] if organisation else list(Organisation.objects.order_by("pk"))
    breaks: list[Break] = []
    for org in orgs:
        previous, expected = GENESIS, 1
        events = (
            AuditEvent.objects.filter(organisation=org)
            .exclude(chain_hash="")
            .order_by("sequence")
            .iterator(chunk_size=2000)
        )
        for event in events:
            if event.sequence != expected:
                breaks.append(
                    Break(
                        org.slug,
                        expected,
                        event.pk,
                        f"is missing (the next sealed event is #{event.sequence})",
                    )
                )
                break
            if event_hash(previous, expected, event) != event.chain_hash:
                breaks.append(Break(org.slug, expected, event.pk, "was altered"))
                break
            previous, expected = event.chain_hash, expected + 1
    return breaks


def delete_organisation(organisation: Organisation) -> None:
    """Delete an organisation with its audit trail: the one deletion the append-only trigger
    allows (PostgreSQL: only in a transaction that says so)."""
    from django.db import connection

    from ledgerlink.ledger.services import purge_later
    from ledgerlink.relationships.models import Company

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL ledgerlink.audit_purge = 'on'")
        purge_later(Company.objects.filter(organisation=organisation).values_list("pk", flat=True))
        Organisation.objects.filter(pk=organisation.pk).delete()


def export_lines(organisation: Organisation) -> Iterator[str]:
    """The organisation's sealed trail as JSON Lines (for a SIEM), oldest first."""
    events = (
        AuditEvent.objects.filter(organisation=organisation)
        .exclude(chain_hash="")
        .order_by("sequence")
        .iterator(chunk_size=2000)
    )
    for event in events:
        line = {"sequence": event.sequence, "hash": event.chain_hash, **event_fields(event)}
        yield json.dumps(line, ensure_ascii=False, default=str, sort_keys=True)
