"""The demo's captured emails, so a demo user can open the link a client would receive."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ledgerlink.notifications import selectors
from ledgerlink.portal.permissions import admin_required, current_org


def _require_outbox() -> None:
    if not settings.LEDGERLINK_OUTBOX_ENABLED:
        raise Http404("The outbox is only used when EMAIL_BACKEND=outbox.")


@admin_required
def outbox_list(request: HttpRequest) -> HttpResponse:
    _require_outbox()
    page = Paginator(selectors.outbox_for(current_org(request)), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "portal/outbox/list.html", {"page": page})


@admin_required
def outbox_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_outbox()
    message = selectors.get_outbox_message(current_org(request), pk)
    return render(request, "portal/outbox/detail.html", {"message": message})
