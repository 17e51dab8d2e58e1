"""Company list, create, detail, edit and delete."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ledgerlink.audit.selectors import company_activity
from ledgerlink.portal.forms import CompanyForm
from ledgerlink.portal.permissions import (
    analyst_required,
    current_membership,
    current_org,
    viewer_required,
)
from ledgerlink.relationships import selectors, services
from ledgerlink.relationships.models import DISPLAY_STATUS_LABELS
from ledgerlink.reports import selectors as reports
from ledgerlink.sync.selectors import any_active, company_connections

PAGE_SIZE = 50


@viewer_required
def company_list(request: HttpRequest) -> HttpResponse:
    organisation = current_org(request)
    search = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    status = status if status in selectors.STATUS_FILTERS else ""
    analyst_param = request.GET.get("analyst", "")
    analysts = list(selectors.org_analysts(organisation))
    analyst_id = next((a.pk for a in analysts if str(a.pk) == analyst_param), None)
    qs = selectors.company_list(organisation, search=search, analyst_id=analyst_id, status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    status_choices = [("none", DISPLAY_STATUS_LABELS[""])] + [
        (key, label) for key, label in DISPLAY_STATUS_LABELS.items() if key
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "search": search,
        "status": status,
        "analyst_id": analyst_id,
        "analysts": analysts,
        "status_choices": status_choices,
        "querystring": query.urlencode(),
    }
    template = "portal/companies/_results.html" if request.htmx else "portal/companies/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@analyst_required
def company_create(request: HttpRequest) -> HttpResponse:
    organisation = current_org(request)
    form = CompanyForm(request.POST or None, analysts=selectors.org_analysts(organisation))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        company = services.create_company(
            organisation=organisation,
            actor=current_membership(request).user,
            name=data["name"],
            description=data["description"],
            contact_name=data["contact_name"],
            contact_email=data["contact_email"],
            analysts=list(data["analysts"]),
            request=request,
        )
        messages.success(request, f"{company.name} created. You can now request data.")
        return redirect("portal:company-detail", pk=company.pk)
    return render(request, "portal/companies/form.html", {"form": form, "company": None})


@viewer_required
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = current_org(request)
    company = selectors.get_company(organisation, pk)
    connections = company_connections(company)
    context = {
        "company": company,
        "analysts": company.analysts.order_by("full_name", "email"),
        "entities": selectors.company_entities(company),
        "requests": selectors.company_requests(company)[:20],
        "activity": company_activity(organisation, company.pk)[:50],
        "connections": connections,
        "connections_syncing": any_active(connections),
    }
    if company.parent_id is None:
        context.update(
            report_lines=reports.company_reports(organisation, company),
            headline=reports.headline(organisation, company),
            has_live_connection=reports.company_has_live_connection(company),
            subscribers=reports.subscribers(organisation, company),
        )
    return render(request, "portal/companies/detail.html", context)


@analyst_required
def company_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = current_org(request)
    company = selectors.get_company(organisation, pk)
    initial = {
        "name": company.name,
        "description": company.description,
        "contact_name": company.contact_name,
        "contact_email": company.contact_email,
        "analysts": list(company.analysts.all()),
    }
    form = CompanyForm(
        request.POST or None, initial=initial, analysts=selectors.org_analysts(organisation)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.update_company(
            company=company,
            actor=current_membership(request).user,
            analysts=list(data["analysts"]),
            request=request,
            name=data["name"],
            description=data["description"],
            contact_name=data["contact_name"],
            contact_email=data["contact_email"],
        )
        messages.success(request, "Company details saved.")
        return redirect("portal:company-detail", pk=company.pk)
    return render(request, "portal/companies/form.html", {"form": form, "company": company})


@analyst_required
def company_delete(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = current_org(request)
    company = selectors.get_company(organisation, pk)
    if request.method == "POST":
        name = company.name
        services.delete_company(
            company=company, actor=current_membership(request).user, request=request
        )
        messages.success(request, f"{name} and all its data were deleted.")
        return redirect("portal:company-list")
    return render(
        request,
        "portal/companies/delete.html",
        {"company": company, "entity_count": selectors.company_entities(company).count()},
    )
