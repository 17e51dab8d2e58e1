"""Spend insights: the list of companies with their reports, downloads, Update reports,
Ongoing Insights subscribers and the organisation's report settings."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ledgerlink.portal.forms import ReportSettingsForm, SubscribersForm
from ledgerlink.portal.permissions import (
    admin_required,
    analyst_required,
    current_membership,
    current_org,
    viewer_required,
)
from ledgerlink.relationships import selectors as companies
from ledgerlink.reports import registry, selectors, services

PAGE_SIZE = 50


@viewer_required
def insights_list(request: HttpRequest) -> HttpResponse:
    organisation = current_org(request)
    search = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.insights_companies(organisation, search=search), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    flags = selectors.enabled_flags(organisation)
    rows = [
        (company, selectors.report_lines(list(company.reports.all()), flags))
        for company in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/insights/list.html",
        {"page": page, "rows": rows, "search": search, "querystring": query.urlencode()},
    )


@viewer_required
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.get_report(current_org(request), pk)
    kind = registry.get(report.report_type) if report.report_type in registry.type_keys() else None
    services.record_download(report, actor=current_membership(request).user, request=request)
    response = FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=report.filename or f"report.{kind.extension if kind else 'bin'}",
        content_type=kind.content_type if kind else "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    # Streamed from storage (files can be large); role_required types views as HttpResponse.
    return cast(HttpResponse, response)


@require_POST
@analyst_required
def reports_update(request: HttpRequest, pk: int) -> HttpResponse:
    company = companies.get_company(current_org(request), pk)
    back = (
        reverse("portal:company-detail", args=[company.pk])
        if request.POST.get("next") == "company"
        else reverse("portal:insights")
    )
    if company.parent_id is not None:
        messages.error(request, "Update the reports from the parent company.")
        return redirect(back)
    try:
        count = services.update_reports(
            company, actor=current_membership(request).user, request=request
        )
    except services.NothingToUpdate as nothing:
        messages.error(request, str(nothing))
        return redirect(back)
    noun = "connection" if count == 1 else "connections"
    messages.success(
        request,
        f"Re-syncing {company.name} ({count} {noun}). The reports regenerate when it finishes.",
    )
    return redirect(back)


@analyst_required
def report_subscribers(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = current_org(request)
    company = companies.get_company(organisation, pk)
    current = selectors.subscribers(organisation, company)
    form = SubscribersForm(request.POST or None, initial={"emails": "\n".join(current)})
    if request.method == "POST" and form.is_valid():
        added, removed = services.set_subscribers(
            company,
            form.cleaned_data["emails"],
            actor=current_membership(request).user,
            request=request,
        )
        messages.success(
            request,
            f"Subscribers saved: {len(added)} added, {len(removed)} removed."
            if added or removed
            else "No changes to save.",
        )
        return redirect("portal:company-detail", pk=company.pk)
    return render(request, "portal/insights/subscribers.html", {"form": form, "company": company})


@admin_required
def report_settings(request: HttpRequest) -> HttpResponse:
    organisation = current_org(request)
    current = selectors.settings_for(organisation)
    initial = {
        "period_months": current.period_months,
        "min_supplier_annual_spend": current.min_supplier_annual_spend,
        "cashback_tiers": ReportSettingsForm.tiers_text(current.cashback_tiers),
        "minutes_per_payment": current.minutes_per_payment,
        "hourly_cost": current.hourly_cost,
        "mastercard_enabled": current.mastercard_enabled,
        "visa_enabled": current.visa_enabled,
        "wex_enabled": current.wex_enabled,
        "paytech_enabled": current.paytech_enabled,
    }
    form = ReportSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = services.update_report_settings(
            organisation=organisation,
            actor=current_membership(request).user,
            values=dict(form.cleaned_data),
            request=request,
        )
        messages.success(request, "Report settings saved." if changed else "No changes to save.")
        return redirect("portal:report-settings")
    return render(request, "portal/insights/settings.html", {"form": form})
