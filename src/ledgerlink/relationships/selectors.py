"""Reads of companies and data requests. Every query starts from the organisation."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ledgerlink.relationships.models import (
    EXPIRED,
    Company,
    DataRequest,
    RequestLink,
    RequestStatus,
)
from ledgerlink.tenancy.models import Organisation, User
from ledgerlink.tenancy.tokens import hash_token

STATUS_FILTERS = ("none", *RequestStatus.values, EXPIRED)


def companies(organisation: Organisation) -> QuerySet[Company]:
    return Company.objects.filter(organisation=organisation)


def company_list(
    organisation: Organisation,
    *,
    search: str = "",
    analyst_id: int | None = None,
    status: str = "",
) -> QuerySet[Company]:
    """Top-level companies for the list page: one query for rows plus one for analysts."""
    qs = (
        companies(organisation)
        .filter(parent__isnull=True)
        .select_related("latest_request")
        .prefetch_related(Prefetch("analysts", queryset=User.objects.order_by("full_name")))
        # A correlated subquery runs for the rows on the page only, not a GROUP BY of all.
        .annotate(
            entity_count=Coalesce(
                Subquery(
                    Company.objects.filter(parent=OuterRef("pk"))
                    .order_by()
                    .values("parent")
                    .annotate(n=Count("pk"))
                    .values("n")[:1]
                ),
                0,
            )
        )
    )
    if search:
        qs = qs.filter(
            Q(name__icontains=search)
            | Q(contact_name__icontains=search)
            | Q(contact_email__icontains=search)
        )
    if analyst_id is not None:
        qs = qs.filter(analysts__id=analyst_id)
    now = timezone.now()
    open_statuses = [RequestStatus.SENT, RequestStatus.OPENED, RequestStatus.IN_PROGRESS]
    if status == "none":
        qs = qs.filter(latest_request__isnull=True)
    elif status == EXPIRED:
        qs = qs.filter(
            latest_request__status__in=open_statuses, latest_request__expires_at__lte=now
        )
    elif status in open_statuses:
        qs = qs.filter(latest_request__status=status, latest_request__expires_at__gt=now)
    elif status in (RequestStatus.COMPLETED, RequestStatus.REVOKED):
        qs = qs.filter(latest_request__status=status)
    return qs.order_by("name", "pk")


def get_company(organisation: Organisation, pk: int) -> Company:
    return get_object_or_404(companies(organisation).select_related("parent"), pk=pk)


def company_entities(company: Company) -> QuerySet[Company]:
    """A company's legal entities, each with `live_connections` (not disconnected)."""
    from ledgerlink.connectors.models import Connection, ConnectionStatus

    return (
        Company.objects.filter(organisation_id=company.organisation_id, parent=company)
        .prefetch_related(
            Prefetch(
                "connections",
                queryset=Connection.objects.exclude(status=ConnectionStatus.DISCONNECTED),
                to_attr="live_connections",
            )
        )
        .order_by("name")
    )


def company_requests(company: Company) -> QuerySet[DataRequest]:
    return DataRequest.objects.filter(
        organisation_id=company.organisation_id, company=company
    ).select_related("created_by")


def get_data_request(organisation: Organisation, pk: int) -> DataRequest:
    return get_object_or_404(
        DataRequest.objects.filter(organisation=organisation).select_related("company"), pk=pk
    )


def org_analysts(organisation: Organisation) -> QuerySet[User]:
    return User.objects.filter(memberships__organisation=organisation, is_active=True).order_by(
        "full_name", "email"
    )


def find_link(token: str) -> RequestLink | None:
    """The link for a raw token from a URL, or None. Only the hash is ever compared."""
    if not token or len(token) > 128:
        return None
    return (
        RequestLink.objects.select_related(
            "data_request", "data_request__company", "data_request__organisation"
        )
        .filter(token_hash=hash_token(token))
        .first()
    )
