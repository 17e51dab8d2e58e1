"""Financials: monthly statements, the categorisation review, category changes, the export."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ledgerlink.financials import selectors as financials
from ledgerlink.financials import services
from ledgerlink.financials.categorise.engine import HIGH_CONFIDENCE
from ledgerlink.financials.export import build_financials_workbook
from ledgerlink.financials.models import AccountCategory, CategoryStatus
from ledgerlink.financials.taxonomy import taxonomy
from ledgerlink.portal.financial_forms import CategoryForm
from ledgerlink.portal.permissions import (
    analyst_required,
    current_membership,
    current_org,
    viewer_required,
)
from ledgerlink.relationships import selectors
from ledgerlink.reports import selectors as reports
from ledgerlink.tenancy.models import User

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@viewer_required
def financials_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Read-only: categories are suggested after each sync or import, never on a GET."""
    company = selectors.get_company(current_org(request), pk)
    entities = financials.entities_with_books(company)
    subject = financials.pick_entity(company, entities, request.GET.get("entity", ""))
    view = "accounts" if request.GET.get("view") == "accounts" else "taxonomy"
    report_company = company.parent or company
    result = financials.financials(subject, view=view)
    grouped = financials.categories_by_status(subject)
    return render(
        request,
        "portal/financials/statements.html",
        {
            "company": company,
            "subject": subject,
            "entities": entities,
            "result": result,
            "view": view,
            "statements": [result.pl, result.bs],
            "counts": {status: len(items) for status, items in grouped.items()},
            "uncategorised": financials.uncategorised_count(subject),
            # The Financials report (of the top-level company) and Update reports, as on
            # the company page.
            "report_company": report_company,
            "report_lines": [
                line
                for line in reports.company_reports(current_org(request), report_company)
                if line.key == "financials"
            ],
            "has_live_connection": reports.company_has_live_connection(report_company),
            "can_edit": current_membership(request).can_edit,
        },
    )


@viewer_required
def categories_page(request: HttpRequest, pk: int) -> HttpResponse:
    company = selectors.get_company(current_org(request), pk)
    grouped = financials.categories_by_status(company)
    tax = taxonomy()
    for items in grouped.values():
        for category in items:
            category.detail_info = tax.details.get(category.detail)  # type: ignore[attr-defined]
    high = sum(1 for c in grouped[CategoryStatus.SUGGESTED] if c.confidence >= HIGH_CONFIDENCE)
    return render(
        request,
        "portal/financials/categories.html",
        {
            "company": company,
            "groups": [
                (CategoryStatus.NEEDS_REVIEW, grouped[CategoryStatus.NEEDS_REVIEW]),
                (CategoryStatus.SUGGESTED, grouped[CategoryStatus.SUGGESTED]),
                (CategoryStatus.CONFIRMED, grouped[CategoryStatus.CONFIRMED]),
            ],
            "high_count": high,
            "high_threshold": int(HIGH_CONFIDENCE * 100),
            "can_edit": current_membership(request).can_edit,
            "uncategorised": financials.uncategorised_count(company),
        },
    )


@require_POST
@analyst_required
def confirm_all(request: HttpRequest, pk: int) -> HttpResponse:
    company = selectors.get_company(current_org(request), pk)
    user: User = request.user  # type: ignore[assignment]
    count = services.confirm_high_confidence(company, user=user, request=request)
    messages.success(
        request, f"{count} high-confidence categor{'y' if count == 1 else 'ies'} confirmed."
    )
    return redirect("portal:financials-categories", pk=company.pk)


@require_POST
@analyst_required
def suggest_now(request: HttpRequest, pk: int) -> HttpResponse:
    """Suggest categories for accounts not yet categorised (normally done after each sync)."""
    company = selectors.get_company(current_org(request), pk)
    user: User = request.user  # type: ignore[assignment]
    result = services.categorise_company(company, actor=user, request=request)
    count = result.created + result.updated
    messages.success(
        request, f"Categories suggested for {count} account{'s' if count != 1 else ''}."
    )
    return redirect("portal:financials-categories", pk=company.pk)


@analyst_required
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    category: AccountCategory = get_object_or_404(
        AccountCategory.objects.filter(company__organisation=current_org(request)).select_related(
            "company"
        ),
        pk=pk,
    )
    initial = {"type": category.type, "subtype": category.subtype, "detail": category.detail}
    refresh = request.method == "POST" and (
        "refresh" in request.POST or request.headers.get("HX-Request") == "true"
    )
    if request.method == "POST" and not refresh:
        form = CategoryForm(request.POST)
        if form.is_valid():
            user: User = request.user  # type: ignore[assignment]
            try:
                services.confirm_category(
                    category,
                    type_key=form.cleaned_data["type"],
                    subtype_key=form.cleaned_data["subtype"],
                    detail_key=form.cleaned_data["detail"],
                    user=user,
                    request=request,
                )
            except services.InvalidCategory as error:
                form.add_error("detail", str(error))
            else:
                messages.success(request, f"Category of {category.account_name} saved.")
                return redirect("portal:financials-categories", pk=category.company_id)
    elif refresh:
        form = CategoryForm(initial={k: request.POST.get(k, "") for k in initial})
    else:
        form = CategoryForm(initial=initial)
    template = (
        "portal/financials/_category_fields.html"
        if request.headers.get("HX-Request") == "true"
        else "portal/financials/category_form.html"
    )
    return render(
        request,
        template,
        {"company": category.company, "category": category, "form": form,
         "suggested": taxonomy().details.get(category.suggested_detail)},
    )  # fmt: skip


@viewer_required
def financials_export(request: HttpRequest, pk: int) -> HttpResponse:
    company = selectors.get_company(current_org(request), pk)
    response = HttpResponse(build_financials_workbook(company), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="financials-{company.pk}.xlsx"'
    return response
