"""Walking the journey with Django's test client (no cookies are needed between steps)."""

from __future__ import annotations

from django.test import Client

from ledgerlink.relationships import services as relationships
from ledgerlink.relationships.models import Delivery
from tests.conftest import Tenant


def issue(tenant: Tenant, *, financials: bool, spend: bool) -> str:
    """A copied-link request for the tenant's company; returns the raw token."""
    return relationships.create_data_request(
        organisation=tenant.org,
        company=tenant.company,
        actor=tenant.analyst,
        wants_financials=financials,
        wants_spend=spend,
        delivery=Delivery.LINK,
    ).token


def start(client: Client, token: str) -> str:
    """Press Start; returns where the journey continues."""
    response = client.post(f"/r/{token}/start/")
    assert response.status_code == 302, response.status_code
    return str(response["Location"])


def post(client: Client, url: str, data: dict[str, str] | None = None) -> str:
    response = client.post(url, data or {})
    assert response.status_code == 302, (url, response.status_code, response.content[:2000])
    return str(response["Location"])
