"""Request data (email with preview, or copy link), revoke and re-issue links."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ledgerlink.notifications.services import branding_context, render_email
from ledgerlink.portal.forms import DataRequestForm
from ledgerlink.portal.permissions import analyst_required, current_membership, current_org
from ledgerlink.relationships import selectors, services
from ledgerlink.relationships.models import Delivery

PREVIEW_URL = "(a secure link, unique to this request, goes here)"


@analyst_required
def request_data(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = current_org(request)
    company = selectors.get_company(organisation, pk)
    form = DataRequestForm(request.POST or None)
    context = {"company": company, "form": form}
    if request.method != "POST":
        return render(request, "portal/requests/new.html", context)
    delivery = request.POST.get("delivery", "")
    if delivery not in Delivery.values or (
        delivery == Delivery.LINK and not organisation.allow_copy_link
    ):
        return HttpResponseBadRequest("Unknown delivery method.")
    if not form.is_valid():
        return render(request, "portal/requests/new.html", context)
    if delivery == Delivery.EMAIL and not company.contact_email:
        form.add_error(None, "Add a contact email to the company before requesting by email")
        return render(request, "portal/requests/new.html", context)
    actor = current_membership(request).user
    if delivery == Delivery.EMAIL and request.POST.get("confirm") != "send":
        email_context = services.email_context(
            organisation=organisation,
            company=company,
            wants_financials=form.wants_financials,
            wants_spend=form.wants_spend,
            url=PREVIEW_URL,
            sender=actor,
            expires_at=timezone.now() + timedelta(days=organisation.link_lifetime_days),
        )
        subject, text, html = render_email(
            "emails/data_request", {**branding_context(organisation), **email_context}
        )
        return render(
            request,
            "portal/requests/preview.html",
            {**context, "subject": subject, "text": text, "html": html},
        )
    issued = services.create_data_request(
        organisation=organisation,
        company=company,
        actor=actor,
        wants_financials=form.wants_financials,
        wants_spend=form.wants_spend,
        delivery=delivery,
        request=request,
    )
    if delivery == Delivery.EMAIL:
        messages.success(request, f"Request emailed to {company.contact_email}.")
        return redirect("portal:company-detail", pk=company.pk)
    return render(request, "portal/requests/link.html", {"company": company, "issued": issued})


@require_POST
@analyst_required
def request_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = selectors.get_data_request(current_org(request), pk)
    services.revoke_data_request(
        data_request=data_request, actor=current_membership(request).user, request=request
    )
    messages.success(request, "The link was revoked. The client can no longer use it.")
    return redirect("portal:company-detail", pk=data_request.company_id)


@require_POST
@analyst_required
def request_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = current_org(request)
    data_request = selectors.get_data_request(organisation, pk)
    delivery = request.POST.get("delivery", "")
    if delivery == Delivery.LINK and not organisation.allow_copy_link:
        return HttpResponseBadRequest("Copy link is switched off for this organisation.")
    if delivery not in Delivery.values:
        return HttpResponseBadRequest("Unknown delivery method.")
    if delivery == Delivery.EMAIL and not data_request.company.contact_email:
        messages.error(request, "Add a contact email to the company first.")
        return redirect("portal:company-detail", pk=data_request.company_id)
    issued = services.reissue_link(
        data_request=data_request,
        actor=current_membership(request).user,
        send=delivery == Delivery.EMAIL,
        request=request,
    )
    if delivery == Delivery.EMAIL:
        messages.success(
            request, f"A new link was emailed to {data_request.company.contact_email}."
        )
        return redirect("portal:company-detail", pk=data_request.company_id)
    return render(
        request,
        "portal/requests/link.html",
        {"company": data_request.company, "issued": issued, "reissued": True},
    )
