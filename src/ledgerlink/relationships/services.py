"""Writes for companies and data requests. Each state change records an audit event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from ledgerlink.audit.services import record
from ledgerlink.notifications.services import absolute_url, send_email
from ledgerlink.relationships.models import (
    Company,
    DataRequest,
    Delivery,
    LinkView,
    ProvisionStatus,
    RequestLink,
    RequestStatus,
)
from ledgerlink.relationships.selectors import find_link
from ledgerlink.tenancy.models import Organisation, User
from ledgerlink.tenancy.tokens import hash_token, new_token

COMPANY_FIELDS = ("name", "description", "contact_name", "contact_email")


@transaction.atomic
def create_company(
    *,
    organisation: Organisation,
    actor: User | None,
    name: str,
    description: str = "",
    contact_name: str,
    contact_email: str,
    analysts: list[User] | None = None,
    parent: Company | None = None,
    request: HttpRequest | None = None,
) -> Company:
    company = Company.objects.create(
        organisation=organisation,
        parent=parent,
        name=name,
        description=description,
        contact_name=contact_name,
        contact_email=contact_email,
    )
    if analysts:
        _check_members(organisation, analysts)
        company.analysts.set(analysts)
    record(
        organisation=organisation,
        actor=actor,
        action="company.created",
        summary=f"Company “{name}” created",
        company_id=company.pk,
        target=company,
        request=request,
    )
    return company


def _check_members(organisation: Organisation, users: list[User]) -> None:
    member_ids = set(
        organisation.memberships.filter(user__in=users).values_list("user_id", flat=True)
    )
    if any(user.pk not in member_ids for user in users):
        raise ValueError("Assigned analysts must be members of the organisation.")


@transaction.atomic
def update_company(
    *,
    company: Company,
    actor: User | None,
    analysts: list[User],
    request: HttpRequest | None = None,
    **fields: str,
) -> Company:
    before = {name: getattr(company, name) for name in COMPANY_FIELDS}
    for name, value in fields.items():
        if name not in COMPANY_FIELDS:
            raise ValueError(f"{name} is not an editable company field")
        setattr(company, name, value)
    company.updated_at = timezone.now()
    company.save()
    _check_members(company.organisation, analysts)
    old_analysts = set(company.analysts.values_list("pk", flat=True))
    company.analysts.set(analysts)
    changed = [name for name in COMPANY_FIELDS if before[name] != getattr(company, name)]
    if old_analysts != {user.pk for user in analysts}:
        changed.append("analysts")
    record(
        organisation=company.organisation,
        actor=actor,
        action="company.updated",
        summary="Company details changed: " + (", ".join(changed) if changed else "no changes"),
        company_id=company.pk,
        target=company,
        data={"changed": changed},
        request=request,
    )
    return company


@transaction.atomic
def delete_company(
    *, company: Company, actor: User | None, request: HttpRequest | None = None
) -> None:
    """Delete a company with its entities, requests and all their synced data (the ledger
    records in the background: for a large ledger that takes longer than a request should;
    they are invisible from now on, every read starting from a company)."""
    from ledgerlink.ledger.services import purge_later

    organisation = company.organisation
    entity_count = company.entities.count()
    record(
        organisation=organisation,
        actor=actor,
        action="company.deleted",
        summary=f"Company “{company.name}” deleted with {entity_count} entities",
        company_id=company.pk,
        target=company,
        request=request,
    )
    # latest_request points back at a row this delete removes; clear it first.
    Company.objects.filter(pk=company.pk).update(latest_request=None)
    purge_later([company.pk, *company.entities.values_list("pk", flat=True)])
    company.delete()


# --- data requests -------------------------------------------------------------------------


def link_url(token: str) -> str:
    return absolute_url(reverse("journey:landing", args=[token]))


def email_context(
    *,
    organisation: Organisation,
    company: Company,
    wants_financials: bool,
    wants_spend: bool,
    url: str,
    sender: User | None,
    expires_at: Any,
) -> dict[str, Any]:
    return {
        "org": organisation,
        "company": company,
        "wants_financials": wants_financials,
        "wants_spend": wants_spend,
        "url": url,
        "sender": sender,
        "expires_at": expires_at,
    }


@dataclass(frozen=True)
class IssuedRequest:
    data_request: DataRequest
    token: str  # the raw token: shown or emailed once, never stored

    @property
    def url(self) -> str:
        return link_url(self.token)


def _new_link(data_request: DataRequest) -> str:
    token = new_token()
    RequestLink.objects.create(data_request=data_request, token_hash=hash_token(token))
    return token


@transaction.atomic
def create_data_request(
    *,
    organisation: Organisation,
    company: Company,
    actor: User | None,
    wants_financials: bool,
    wants_spend: bool,
    delivery: str,
    request: HttpRequest | None = None,
) -> IssuedRequest:
    if not (wants_financials or wants_spend):
        raise ValueError("A data request asks for Financials, Spend analysis or both.")
    if delivery == Delivery.LINK and not organisation.allow_copy_link:
        raise PermissionError("Copy link is switched off for this organisation.")
    if delivery == Delivery.EMAIL and not company.contact_email:
        raise ValueError("The company has no contact email.")
    now = timezone.now()
    data_request = DataRequest.objects.create(
        organisation=organisation,
        company=company,
        wants_financials=wants_financials,
        wants_spend=wants_spend,
        delivery=delivery,
        sent_to=company.contact_email if delivery == Delivery.EMAIL else "",
        created_by=actor,
        created_at=now,
        expires_at=now + timedelta(days=organisation.link_lifetime_days),
    )
    token = _new_link(data_request)
    issued = IssuedRequest(data_request, token)
    company.latest_request = data_request
    if not company.provision_status:
        company.provision_status = ProvisionStatus.AWAITING_CLIENT
    company.save(update_fields=["latest_request", "provision_status"])
    how = f"emailed to {company.contact_email}" if delivery == Delivery.EMAIL else "link copied"
    record(
        organisation=organisation,
        actor=actor,
        action="request.created",
        summary=f"Requested {data_request.data_types_label} ({how})",
        company_id=company.pk,
        target=data_request,
        data={"delivery": delivery},
        request=request,
    )
    if delivery == Delivery.EMAIL:
        send_request_email(issued, sender=actor)
    return issued


def send_request_email(issued: IssuedRequest, *, sender: User | None) -> None:
    data_request = issued.data_request
    company = data_request.company
    context = email_context(
        organisation=data_request.organisation,
        company=company,
        wants_financials=data_request.wants_financials,
        wants_spend=data_request.wants_spend,
        url=issued.url,
        sender=sender,
        expires_at=data_request.expires_at,
    )
    send_email(
        organisation=data_request.organisation,
        to=[company.contact_email],
        template="emails/data_request",
        context=context,
        reply_to=[sender.email] if sender is not None else None,
    )


@transaction.atomic
def revoke_data_request(
    *, data_request: DataRequest, actor: User | None, request: HttpRequest | None = None
) -> None:
    if data_request.status == RequestStatus.REVOKED:
        return
    data_request.status = RequestStatus.REVOKED
    data_request.revoked_at = timezone.now()
    data_request.save(update_fields=["status", "revoked_at"])
    record(
        organisation=data_request.organisation,
        actor=actor,
        action="request.revoked",
        summary="Request link revoked",
        company_id=data_request.company_id,
        target=data_request,
        request=request,
    )


@transaction.atomic
def reissue_link(
    *,
    data_request: DataRequest,
    actor: User | None,
    send: bool,
    request: HttpRequest | None = None,
) -> IssuedRequest:
    """Replace the request's link with a new one and restart its lifetime."""
    organisation = data_request.organisation
    now = timezone.now()
    data_request.links.filter(replaced_at__isnull=True).update(replaced_at=now)
    token = _new_link(data_request)
    if data_request.status == RequestStatus.REVOKED:
        data_request.status = (
            RequestStatus.OPENED if data_request.first_opened_at else RequestStatus.SENT
        )
        data_request.revoked_at = None
    data_request.expires_at = now + timedelta(days=organisation.link_lifetime_days)
    if send:
        data_request.delivery = Delivery.EMAIL
        data_request.sent_to = data_request.company.contact_email
    data_request.save()
    issued = IssuedRequest(data_request, token)
    record(
        organisation=organisation,
        actor=actor,
        action="request.reissued",
        summary="New request link issued" + (" and emailed" if send else ""),
        company_id=data_request.company_id,
        target=data_request,
        request=request,
    )
    if send:
        send_request_email(issued, sender=actor)
    return issued


class LinkState(Enum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    REPLACED = "replaced"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ResolvedLink:
    state: LinkState
    data_request: DataRequest | None = None


def resolve_link(token: str) -> ResolvedLink:
    link = find_link(token)
    if link is None:
        return ResolvedLink(LinkState.UNKNOWN)
    data_request = link.data_request
    if data_request.status == RequestStatus.REVOKED:
        return ResolvedLink(LinkState.REVOKED, data_request)
    if link.replaced_at is not None:
        return ResolvedLink(LinkState.REPLACED, data_request)
    if data_request.is_expired and data_request.status != RequestStatus.COMPLETED:
        return ResolvedLink(LinkState.EXPIRED, data_request)
    return ResolvedLink(LinkState.VALID, data_request)


def record_link_view(data_request: DataRequest, *, user_agent: str) -> None:
    """Count a view; the first one moves the request from Sent to Opened and nothing else."""
    now = timezone.now()
    LinkView.objects.create(data_request=data_request, user_agent=user_agent[:300])
    DataRequest.objects.filter(pk=data_request.pk).update(view_count=F("view_count") + 1)
    first = DataRequest.objects.filter(
        pk=data_request.pk, status=RequestStatus.SENT, first_opened_at__isnull=True
    ).update(status=RequestStatus.OPENED, first_opened_at=now)
    if first:
        record(
            organisation=data_request.organisation,
            actor=None,
            actor_kind="client",
            action="request.opened",
            summary="The client opened the request link",
            company_id=data_request.company_id,
            target=data_request,
        )


# --- the client's progress (the journey calls these) -----------------------------------------


def mark_in_progress(data_request: DataRequest) -> None:
    """The client started the journey (a POST): Sent/Opened → In progress, once."""
    moved = DataRequest.objects.filter(
        pk=data_request.pk, status__in=[RequestStatus.SENT, RequestStatus.OPENED]
    ).update(status=RequestStatus.IN_PROGRESS)
    if moved:
        data_request.status = RequestStatus.IN_PROGRESS
        record(
            organisation=data_request.organisation,
            actor_kind="client",
            action="request.in_progress",
            summary="The client started providing data",
            company_id=data_request.company_id,
            target=data_request,
        )


def mark_completed(data_request: DataRequest) -> None:
    """The client finished: every entity connected or uploaded, answers confirmed."""
    moved = (
        DataRequest.objects.filter(pk=data_request.pk)
        .exclude(status__in=[RequestStatus.COMPLETED, RequestStatus.REVOKED])
        .update(status=RequestStatus.COMPLETED)
    )
    if moved:
        data_request.status = RequestStatus.COMPLETED
        record(
            organisation=data_request.organisation,
            actor_kind="client",
            action="request.completed",
            summary="The client finished providing data",
            company_id=data_request.company_id,
            target=data_request,
        )


def add_entity(data_request: DataRequest, name: str) -> Company:
    """A legal entity the client named: a child company of the requested company.

    An existing entity of the same name (from an earlier request) is reused, not doubled.
    """
    parent = data_request.company
    key = " ".join(name.split()).casefold()
    for existing in Company.objects.filter(
        organisation_id=data_request.organisation_id, parent=parent
    ):
        if " ".join(existing.name.split()).casefold() == key:
            return existing
    entity = Company.objects.create(
        organisation_id=data_request.organisation_id,
        parent=parent,
        name=" ".join(name.split()),
        provision_status=ProvisionStatus.AWAITING_CLIENT,
        latest_request=data_request,
    )
    record(
        organisation=data_request.organisation,
        actor_kind="client",
        action="entity.added",
        summary=f"The client added the legal entity “{entity.name}”",
        company_id=parent.pk,
        target=entity,
    )
    return entity


def _people_to_tell(company: Company) -> list[str]:
    """Assigned analysts; else the organisation's admins."""
    emails = list(company.analysts.filter(is_active=True).values_list("email", flat=True))
    if not emails:
        emails = list(
            User.objects.filter(
                memberships__organisation_id=company.organisation_id,
                memberships__role="admin",
                is_active=True,
            ).values_list("email", flat=True)
        )
    return sorted(set(emails))


ENTITY_ROLL_UP = (
    ProvisionStatus.FAILED,
    ProvisionStatus.NEEDS_REAUTHORISATION,
    ProvisionStatus.CONNECTING,
    ProvisionStatus.CONNECTED,
    ProvisionStatus.SYNCING,
    ProvisionStatus.DATA_AVAILABLE,
)


def roll_up_entities(parent: Company) -> None:
    """A parent whose data comes only from its legal entities shows the least advanced of
    their statuses (entities the client has not started are left out)."""
    has_own_data = parent.connections.exists() or parent.file_imports.exists()
    if has_own_data:
        return
    statuses = set(
        Company.objects.filter(parent=parent)
        .exclude(provision_status__in=["", ProvisionStatus.AWAITING_CLIENT])
        .values_list("provision_status", flat=True)
    )
    worst = next((status for status in ENTITY_ROLL_UP if status in statuses), None)
    if worst is not None and worst != parent.provision_status:
        Company.objects.filter(pk=parent.pk).update(provision_status=worst)
        parent.provision_status = worst


def notify_data_available(company_id: int) -> None:
    """Email the assigned analysts that a company's (or entity's) data has arrived."""
    company = Company.objects.select_related("organisation", "parent").get(pk=company_id)
    top = company.parent or company
    if company.parent is not None:
        roll_up_entities(company.parent)
    recipients = _people_to_tell(top)
    if not recipients:
        return
    send_email(
        organisation=company.organisation,
        to=recipients,
        template="emails/data_available",
        context={
            "company": company,
            "top": top,
            "url": absolute_url(reverse("portal:company-detail", args=[top.pk])),
        },
    )


NEW_LINK_ASK_INTERVAL = timedelta(hours=24)


def ask_for_new_link(data_request: DataRequest, *, reason: str) -> bool:
    """The client of an expired, revoked or replaced link asks for a new one.

    Tells the organisation (audit event and email), at most once a day per request so the
    button cannot be used to flood anyone. Returns whether the organisation was told now.
    """
    from ledgerlink.audit.models import AuditEvent

    since = timezone.now() - NEW_LINK_ASK_INTERVAL
    with transaction.atomic():
        DataRequest.objects.select_for_update().filter(pk=data_request.pk).exists()
        recent = AuditEvent.objects.filter(
            organisation_id=data_request.organisation_id,
            action="request.new_link_asked",
            target_type="DataRequest",
            target_id=data_request.pk,
            created_at__gte=since,
        ).exists()
        if recent:
            return False
        record(
            organisation=data_request.organisation,
            actor_kind="client",
            action="request.new_link_asked",
            summary=f"The client asked for a new link (the old one is {reason})",
            company_id=data_request.company_id,
            target=data_request,
        )
        recipients = _people_to_tell(data_request.company)
        if data_request.created_by and data_request.created_by.is_active:
            recipients = sorted({*recipients, data_request.created_by.email})
        if recipients:
            send_email(
                organisation=data_request.organisation,
                to=recipients,
                template="emails/new_link_asked",
                context={
                    "company": data_request.company,
                    "reason": reason,
                    "url": absolute_url(
                        reverse("portal:company-detail", args=[data_request.company_id])
                    ),
                },
            )
    return True
