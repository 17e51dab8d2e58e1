"""Users and roles of the organisation: list, invite, change role, remove (admins only)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ledgerlink.portal.forms import InviteForm, RoleForm
from ledgerlink.portal.permissions import admin_required, current_membership, current_org
from ledgerlink.tenancy import selectors, services


@admin_required
def user_list(request: HttpRequest) -> HttpResponse:
    organisation = current_org(request)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite_user(
                organisation=organisation,
                actor=current_membership(request).user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                request=request,
            )
        except ValueError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("portal:users")
    context = {
        "form": form,
        "members": selectors.members(organisation),
        "invitations": selectors.pending_invitations(organisation),
        "roles": RoleForm.base_fields["role"].choices,  # type: ignore[attr-defined]
    }
    return render(request, "portal/users.html", context)


@require_POST
@admin_required
def user_change_role(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.get_membership(current_org(request), pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.change_role(
                membership=membership,
                role=form.cleaned_data["role"],
                actor=current_membership(request).user,
                request=request,
            )
            messages.success(request, f"Role of {membership.user.email} changed.")
        except ValueError as error:
            messages.error(request, str(error))
    return redirect("portal:users")


@require_POST
@admin_required
def user_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.get_membership(current_org(request), pk)
    try:
        services.remove_member(
            membership=membership, actor=current_membership(request).user, request=request
        )
        messages.success(request, f"{membership.user.email} no longer has access.")
    except ValueError as error:
        messages.error(request, str(error))
    return redirect("portal:users")
