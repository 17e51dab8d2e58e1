"""Organisation settings: branding, journey feature flags, link lifetime (admins only)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ledgerlink.portal.forms import OrganisationSettingsForm
from ledgerlink.portal.permissions import admin_required, current_membership, current_org
from ledgerlink.tenancy import services


@admin_required
def organisation_settings(request: HttpRequest) -> HttpResponse:
    organisation = current_org(request)
    form = OrganisationSettingsForm(
        request.POST or None,
        request.FILES or None,
        initial=OrganisationSettingsForm.initial_for(organisation),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        logo = data.pop("logo", None)
        remove_logo = bool(data.pop("remove_logo", False))
        changed = services.update_settings(
            organisation=organisation,
            actor=current_membership(request).user,
            values=data,
            logo=logo,
            remove_logo=remove_logo,
            request=request,
        )
        messages.success(request, "Settings saved." if changed else "No changes to save.")
        return redirect("portal:settings")
    return render(request, "portal/settings.html", {"form": form})
