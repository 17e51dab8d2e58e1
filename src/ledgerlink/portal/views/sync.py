"""Connections and sync progress on the company page; Sync now."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ledgerlink.connectors.models import Connection, ConnectionStatus
from ledgerlink.portal.permissions import analyst_required, current_org, viewer_required
from ledgerlink.relationships import selectors
from ledgerlink.sync.engine import start_sync
from ledgerlink.sync.selectors import any_active, company_connections


@viewer_required
def sync_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The connections panel alone, for htmx polling while a sync runs."""
    company = selectors.get_company(current_org(request), pk)
    connections = company_connections(company)
    return render(
        request,
        "portal/companies/_connections.html",
        {
            "company": company,
            "connections": connections,
            "connections_syncing": any_active(connections),
        },
    )


@require_POST
@analyst_required
def sync_now(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = current_org(request)
    connection = get_object_or_404(
        Connection.objects.filter(organisation=organisation).exclude(
            status__in=[ConnectionStatus.DISCONNECTED, ConnectionStatus.NEEDS_REAUTHORISATION]
        ),
        pk=pk,
    )
    start_sync(connection)
    messages.success(request, f"Sync of {connection.company.name} started.")
    return redirect(
        "portal:company-detail", pk=connection.company.parent_id or connection.company_id
    )


@viewer_required
def template_download(request: HttpRequest) -> HttpResponse:
    from ledgerlink.journey.downloads import template_response

    return template_response()
