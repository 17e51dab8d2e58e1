from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from ledgerlink.tenancy.models import Invitation, Membership, Organisation


def members(organisation: Organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def get_membership(organisation: Organisation, pk: int) -> Membership:
    return get_object_or_404(members(organisation), pk=pk)


def pending_invitations(organisation: Organisation) -> QuerySet[Invitation]:
    from django.utils import timezone

    return Invitation.objects.filter(
        organisation=organisation,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).order_by("-created_at")
