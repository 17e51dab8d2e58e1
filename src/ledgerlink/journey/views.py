"""The public pages behind a request link. GET never advances the journey."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control, never_cache

from ledgerlink.relationships.services import LinkState, record_link_view, resolve_link
from ledgerlink.tenancy.models import Organisation

STATE_STATUS = {
    LinkState.EXPIRED: 410,
    LinkState.REVOKED: 410,
    LinkState.REPLACED: 410,
    LinkState.UNKNOWN: 404,
}


@never_cache
def landing(request: HttpRequest, token: str) -> HttpResponse:
    resolved = resolve_link(token)
    if resolved.state is not LinkState.VALID or resolved.data_request is None:
        # Unknown links reveal nothing; expired/revoked ones name only the asking org.
        org = resolved.data_request.organisation if resolved.data_request else None
        return render(
            request,
            "journey/link_unusable.html",
            {"state": resolved.state.value, "org": org},
            status=STATE_STATUS[resolved.state],
        )
    data_request = resolved.data_request
    if request.method == "GET":
        record_link_view(data_request, user_agent=request.META.get("HTTP_USER_AGENT", ""))
    context = {
        "org": data_request.organisation,
        "data_request": data_request,
        "company": data_request.company,
    }
    response = render(request, "journey/landing.html", context)
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak to other sites
    return response


@cache_control(max_age=3600, public=True)
def org_logo(request: HttpRequest, slug: str) -> FileResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    if not organisation.logo:
        raise Http404("No logo")
    response = FileResponse(organisation.logo.open("rb"))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
