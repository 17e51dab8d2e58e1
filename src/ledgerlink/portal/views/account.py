"""Switching the current organisation and accepting invitations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ledgerlink.portal.forms import AcceptInvitationForm
from ledgerlink.tenancy.middleware import SESSION_KEY
from ledgerlink.tenancy.models import Membership
from ledgerlink.tenancy.services import (
    accept_invitation,
    find_invitation,
    invitation_needs_sign_in,
)


@require_POST
def switch_organisation(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    wanted = request.POST.get("organisation", "")
    membership = (
        Membership.objects.filter(user=request.user, organisation_id=int(wanted)).first()
        if wanted.isdigit()
        else None
    )
    if membership is not None:
        request.session[SESSION_KEY] = membership.organisation_id
    return redirect("portal:company-list")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = find_invitation(token)
    if invitation is None or not invitation.is_pending:
        return render(request, "portal/invitation_invalid.html", status=410 if invitation else 404)
    if invitation_needs_sign_in(invitation):
        # An existing account joins by signing in as itself; the link sets no password.
        user = request.user if request.user.is_authenticated else None
        if user is None or user.email.lower() != invitation.email.lower():
            return render(
                request, "portal/invitation_sign_in.html", {"invitation": invitation}, status=200
            )
        if request.method == "POST":
            accept_invitation(invitation=invitation, signed_in_as=user, request=request)
            request.session[SESSION_KEY] = invitation.organisation_id
            messages.success(request, f"You joined {invitation.organisation.name}.")
            return redirect("portal:company-list")
        return render(
            request, "portal/invitation_join.html", {"invitation": invitation}, status=200
        )
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = accept_invitation(
            invitation=invitation,
            full_name=form.cleaned_data["full_name"],
            password=form.cleaned_data["password"],
            request=request,
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SESSION_KEY] = invitation.organisation_id
        messages.success(request, f"Welcome to {invitation.organisation.name}.")
        return redirect("portal:company-list")
    return render(
        request, "portal/invitation_accept.html", {"form": form, "invitation": invitation}
    )
