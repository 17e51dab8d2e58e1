"""The audit trail is append-only and tamper-evident (security checklist #36)."""

from __future__ import annotations

import json

import pytest
from django.db import DatabaseError, connection, transaction

from ledgerlink import cli
from ledgerlink.audit import chain
from ledgerlink.audit.models import AuditEvent
from ledgerlink.audit.services import record


def write_events(tenant, count: int) -> list[AuditEvent]:
    return [
        record(
            organisation=tenant.org,
            actor=tenant.admin,
            action="company.updated",
            summary=f"Change {n}",
            company_id=tenant.company.pk,
            data={"field": "name", "n": n},
        )
        for n in range(count)
    ]


def raw_sql(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_sealing_numbers_each_organisations_events_in_order_and_chains_them(tenant, other_tenant):
    write_events(tenant, 3)
    write_events(other_tenant, 2)
    assert chain.seal() >= 5
    for org in (tenant.org, other_tenant.org):
        events = list(AuditEvent.objects.filter(organisation=org).order_by("sequence"))
        assert [e.sequence for e in events] == list(range(1, len(events) + 1))
        assert all(len(e.chain_hash) == 64 for e in events)
    assert chain.verify() == []
    assert chain.seal() == 0  # nothing left to seal


def test_sealing_continues_the_chain_where_it_stopped(tenant):
    write_events(tenant, 2)
    chain.seal()
    before = AuditEvent.objects.filter(organisation=tenant.org).count()
    write_events(tenant, 2)
    chain.seal()
    last = AuditEvent.objects.filter(organisation=tenant.org).order_by("-sequence").first()
    assert last is not None and last.sequence == before + 2
    assert chain.verify(tenant.org) == []


def test_a_raw_sql_edit_of_a_sealed_event_breaks_the_chain(tenant, other_tenant):
    events = write_events(tenant, 4)
    write_events(other_tenant, 1)
    chain.seal()
    # An attacker with database access drops the trigger first.
    drop_trigger()
    raw_sql("UPDATE audit_auditevent SET summary = %s WHERE id = %s", ["Nothing", events[1].pk])
    breaks = chain.verify()
    assert [(b.organisation, b.event_id, b.problem) for b in breaks] == [
        (tenant.org.slug, events[1].pk, "was altered")
    ]


def test_a_removed_event_shows_as_a_gap(tenant):
    events = write_events(tenant, 3)
    chain.seal()
    drop_trigger()
    raw_sql("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    (broken,) = chain.verify(tenant.org)
    assert "missing" in broken.problem


def test_the_orm_cannot_update_or_delete_an_event(tenant):
    (event,) = write_events(tenant, 1)
    with pytest.raises(RuntimeError, match="append-only"):
        event.save()
    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()


def test_the_database_refuses_changes_to_a_sealed_event(tenant):
    (event,) = write_events(tenant, 1)
    chain.seal()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(summary="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(chain_hash="0" * 64)
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).summary == "Change 0"


def test_deleting_a_user_keeps_their_events_verifiable(tenant):
    write_events(tenant, 2)
    chain.seal()
    actor_id = tenant.admin.pk
    tenant.admin.delete()
    events = AuditEvent.objects.filter(actor_ref=f"user:{actor_id}")
    assert events.count() >= 2 and not events.exclude(actor=None).exists()
    assert chain.verify(tenant.org) == []


def test_cli_verifies_and_exports_json_lines(tenant, other_tenant, tmp_path, capsys):
    write_events(tenant, 2)
    write_events(other_tenant, 1)
    assert cli.main(["audit-verify"]) == 0
    out = tmp_path / "trail.jsonl"
    assert cli.main(["audit-export", "--org", tenant.org.slug, "--out", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines and {line["organisation"] for line in lines} == {tenant.org.pk}
    assert [line["sequence"] for line in lines] == list(range(1, len(lines) + 1))
    assert "Change 1" in {line["summary"] for line in lines}

    drop_trigger()
    raw_sql("UPDATE audit_auditevent SET action = %s WHERE sequence = 1", ["forged"])
    capsys.readouterr()
    assert cli.main(["audit-verify"]) == 1
    assert "was altered" in capsys.readouterr().err


def drop_trigger() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER audit_append_only ON audit_auditevent")
        else:
            cursor.execute("DROP TRIGGER audit_append_only")


def test_an_organisation_is_deleted_with_its_trail_only_through_the_service(tenant, other_tenant):
    from ledgerlink.tenancy.models import Organisation

    write_events(tenant, 2)
    chain.seal()
    if connection.vendor == "postgresql":  # the trigger refuses a plain cascade
        with pytest.raises(DatabaseError), transaction.atomic():
            Organisation.objects.filter(pk=tenant.org.pk).delete()
    chain.delete_organisation(tenant.org)
    assert not AuditEvent.objects.filter(organisation_id=tenant.org.pk).exists()
    assert AuditEvent.objects.filter(organisation=other_tenant.org).exists()
    assert chain.verify() == []
