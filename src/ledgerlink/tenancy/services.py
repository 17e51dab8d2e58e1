"""Writes for organisations, users, memberships, invitations and org settings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from ledgerlink.audit.services import record
from ledgerlink.notifications.services import absolute_url, send_email
from ledgerlink.tenancy.models import Invitation, Membership, Organisation, Role, User
from ledgerlink.tenancy.tokens import hash_token, new_token

INVITATION_LIFETIME = timedelta(days=7)
SETTINGS_FIELDS = (
    "name",
    "primary_colour",
    "allow_copy_link",
    "allow_manual_upload",
    "allow_multi_entity",
    "link_lifetime_days",
)


def create_organisation(*, name: str, slug: str | None = None) -> Organisation:
    slug = slug or slugify(name)[:60]
    if not slug:
        raise ValueError("The organisation needs a slug of letters, digits or hyphens.")
    if Organisation.objects.filter(slug=slug).exists():
        raise ValueError(f"An organisation with slug “{slug}” already exists.")
    return Organisation.objects.create(name=name, slug=slug)


@transaction.atomic
def create_member(
    *,
    organisation: Organisation,
    email: str,
    role: str,
    password: str | None = None,
    full_name: str = "",
) -> Membership:
    if role not in Role.values:
        raise ValueError(f"Role must be one of: {', '.join(Role.values)}.")
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email, password, full_name=full_name)
    elif password:
        user.set_password(password)
        user.save(update_fields=["password"])
    membership, _ = Membership.objects.update_or_create(
        organisation=organisation, user=user, defaults={"role": role}
    )
    return membership


@transaction.atomic
def invite_user(
    *,
    organisation: Organisation,
    actor: User,
    email: str,
    role: str,
    request: HttpRequest | None = None,
) -> Invitation:
    email = email.strip().lower()
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ValueError(f"{email} is already a member of {organisation.name}.")
    now = timezone.now()
    organisation.invitations.filter(email=email, accepted_at__isnull=True).update(revoked_at=now)
    token = new_token()
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=actor,
        expires_at=now + INVITATION_LIFETIME,
    )
    record(
        organisation=organisation,
        actor=actor,
        action="user.invited",
        summary=f"Invited {email} as {Role(role).label}",
        target=invitation,
        request=request,
    )
    url = absolute_url(reverse("invitation-accept", args=[token]))
    send_email(
        organisation=organisation,
        to=[email],
        template="emails/invitation",
        context={
            "inviter": actor,
            "url": url,
            "role": Role(role).label,
            "expires_at": invitation.expires_at,
        },
    )
    return invitation


def find_invitation(token: str) -> Invitation | None:
    if not token or len(token) > 128:
        return None
    return (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=hash_token(token))
        .first()
    )


def invitation_needs_sign_in(invitation: Invitation) -> bool:
    """An invitation for an existing account is accepted by signing in, never by a password."""
    return User.objects.filter(email__iexact=invitation.email).exists()


@transaction.atomic
def accept_invitation(
    *,
    invitation: Invitation,
    full_name: str = "",
    password: str = "",
    signed_in_as: User | None = None,
    request: HttpRequest | None = None,
) -> User:
    """Join the organisation. A new person chooses a password; someone who already has an
    account must be signed in as it (the link alone must never take over an account)."""
    if not invitation.is_pending:
        raise ValueError("This invitation is no longer valid.")
    existing = User.objects.filter(email__iexact=invitation.email).first()
    if existing is not None:
        if signed_in_as is None or signed_in_as.pk != existing.pk:
            raise PermissionError("Sign in as the invited account to accept.")
        membership, _ = Membership.objects.get_or_create(
            organisation=invitation.organisation,
            user=existing,
            defaults={"role": invitation.role},
        )
    else:
        if not password:
            raise ValueError("Choose a password.")
        membership = create_member(
            organisation=invitation.organisation,
            email=invitation.email,
            role=invitation.role,
            password=password,
            full_name=full_name,
        )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    record(
        organisation=invitation.organisation,
        actor=membership.user,
        action="user.joined",
        summary=f"{membership.user.email} accepted the invitation",
        target=membership,
        request=request,
    )
    return membership.user


@transaction.atomic
def change_role(
    *, membership: Membership, role: str, actor: User, request: HttpRequest | None = None
) -> None:
    if role not in Role.values:
        raise ValueError("Unknown role.")
    if membership.role == Role.ADMIN and role != Role.ADMIN:
        _ensure_another_admin(membership)
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    record(
        organisation=membership.organisation,
        actor=actor,
        action="user.role_changed",
        summary=f"{membership.user.email}: {Role(old).label} → {Role(role).label}",
        target=membership,
        request=request,
    )


def _ensure_another_admin(membership: Membership) -> None:
    others = Membership.objects.filter(
        organisation=membership.organisation, role=Role.ADMIN
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise ValueError("An organisation needs at least one admin.")


@transaction.atomic
def remove_member(
    *, membership: Membership, actor: User, request: HttpRequest | None = None
) -> None:
    if membership.role == Role.ADMIN:
        _ensure_another_admin(membership)
    record(
        organisation=membership.organisation,
        actor=actor,
        action="user.removed",
        summary=f"{membership.user.email} removed from the organisation",
        target=membership,
        request=request,
    )
    membership.delete()


@transaction.atomic
def update_settings(
    *,
    organisation: Organisation,
    actor: User,
    values: dict[str, Any],
    logo: Any = None,
    remove_logo: bool = False,
    request: HttpRequest | None = None,
) -> list[str]:
    changed = []
    for name in SETTINGS_FIELDS:
        if name in values and getattr(organisation, name) != values[name]:
            setattr(organisation, name, values[name])
            changed.append(name)
    if remove_logo and organisation.logo:
        organisation.logo.delete(save=False)
        organisation.logo = ""
        changed.append("logo")
    if logo is not None:
        organisation.logo.save(f"{organisation.slug}-{new_token()[:8]}.png", logo, save=False)
        changed.append("logo")
    organisation.full_clean()
    organisation.save()
    if changed:
        record(
            organisation=organisation,
            actor=actor,
            action="organisation.settings_changed",
            summary="Settings changed: " + ", ".join(changed),
            target=organisation,
            data={"changed": changed},
            request=request,
        )
    return changed
