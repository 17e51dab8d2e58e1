"""The public pages behind a request link. GET never advances the journey."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_POST

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
    from ledgerlink.connectors import registry

    context = {
        "org": data_request.organisation,
        "data_request": data_request,
        "company": data_request.company,
        "token": token,
        "connectors": registry.available(),
    }
    response = render(request, "journey/landing.html", context)
    # The token must not leak to other sites; "same-origin" (not "no-referrer") so browsers
    # still send a real Origin on the Connect form and CSRF checks pass.
    response["Referrer-Policy"] = "same-origin"
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


# --- connecting accounting software (the journey issue adds the steps around these) ---------


OAUTH_COOKIE = "ledgerlink_oauth"


def _callback_uri(request: HttpRequest) -> str:
    from django.urls import reverse

    return settings.LEDGERLINK_BASE_URL + reverse("journey:connect-callback")


@require_POST
def connect_start(request: HttpRequest, token: str, platform: str) -> HttpResponse:
    """Start OAuth at the platform for the requested company (or one of its entities)."""
    from django.shortcuts import redirect

    from ledgerlink.connectors import registry
    from ledgerlink.connectors.services import STATE_LIFETIME, start_authorisation
    from ledgerlink.relationships.models import Company

    resolved = resolve_link(token)
    if resolved.state is not LinkState.VALID or resolved.data_request is None:
        return landing(request, token)
    data_request = resolved.data_request
    if platform not in {c.key for c in registry.available()}:
        raise Http404("Unknown software")
    company = data_request.company
    entity_id = request.POST.get("entity", "")
    if entity_id:
        company = get_object_or_404(
            Company.objects.filter(organisation_id=data_request.organisation_id, parent=company),
            pk=entity_id if entity_id.isdigit() else 0,
        )
    browser_nonce = secrets.token_urlsafe(32)
    url = start_authorisation(
        company=company,
        platform=platform,
        redirect_uri=_callback_uri(request),
        data_request=data_request,
        browser_nonce=browser_nonce,
    )
    response = redirect(url)
    # Binds the authorisation to this browser: a forwarded authorise URL cannot attach
    # someone else's books to this request.
    response.set_cookie(
        OAUTH_COOKIE,
        browser_nonce,
        max_age=int(STATE_LIFETIME.total_seconds()),
        secure=settings.HTTPS,
        httponly=True,
        samesite="Lax",
        path="/connect/",
    )
    return response


@never_cache
def connect_callback(request: HttpRequest) -> HttpResponse:
    """Where the platform sends the client back. Single-use state; repeat visits are safe."""
    from ledgerlink.connectors.services import AuthorisationFailed, finish_authorisation
    from ledgerlink.sync.engine import start_sync

    try:
        authorised = finish_authorisation(
            state=request.GET.get("state", ""),
            code=request.GET.get("code", ""),
            error=request.GET.get("error", ""),
            browser_nonce=request.COOKIES.get(OAUTH_COOKIE, ""),
            callback=request.GET.dict(),
        )
    except AuthorisationFailed as failure:
        return render(request, "journey/connect_failed.html", {"message": str(failure)}, status=400)
    connection = authorised.connection
    if not authorised.repeated:
        start_sync(connection)
    return render(
        request,
        "journey/connected.html",
        {"connection": connection, "org": connection.organisation},
    )


def template_download(request: HttpRequest, token: str) -> HttpResponse:
    """The supplier template, for a client whose link is valid."""
    from ledgerlink.journey.downloads import template_response

    resolved = resolve_link(token)
    if resolved.state is not LinkState.VALID:
        return landing(request, token)
    return template_response()
