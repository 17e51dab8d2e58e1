from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from ledgerlink.notifications.models import OutboxMessage
from ledgerlink.tenancy.models import Organisation


def outbox_for(organisation: Organisation) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(organisation=organisation)


def get_outbox_message(organisation: Organisation, pk: int) -> OutboxMessage:
    return get_object_or_404(outbox_for(organisation), pk=pk)
