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
from ledgerlink.tenancy.services import accept_invitation, find_invitation


@require_POST
def switch_organisation(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    membership = Membership.objects.filter(
        user=request.user, organisation_id=request.POST.get("organisation", "0")
    ).first()
    if membership is not None:
        request.session[SESSION_KEY] = membership.organisation_id
    return redirect("portal:company-list")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = find_invitation(token)
    if invitation is None or not invitation.is_pending:
        return render(request, "portal/invitation_invalid.html", status=410 if invitation else 404)
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
