from __future__ import annotations

from django.db.models import QuerySet

from ledgerlink.audit.models import AuditEvent
from ledgerlink.tenancy.models import Organisation


def company_activity(organisation: Organisation, company_id: int) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        organisation=organisation, company_id=company_id
    ).select_related("actor")
