"""Fixtures for the QuickBooks connector against the fake QuickBooks on loopback."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from ledgerlink.connectors.base import TokenSet
from ledgerlink.connectors.models import Connection
from ledgerlink.connectors.qbo import QuickBooksConnector, client
from ledgerlink.fakes.qbo import FakeQuickBooks, QboCompany
from ledgerlink.fakes.web import serve

from .xero_support import REDIRECT, consent


@pytest.fixture
def fake_qbo(settings) -> Iterator[tuple[FakeQuickBooks, str]]:
    fake = FakeQuickBooks(
        [
            QboCompany("Pinecrest Outfitters", seed=3, vendors=12, bills=130, purchases=45),
            QboCompany(
                "Maple Leaf Cabinets",
                seed=4,
                vendors=4,
                bills=15,
                purchases=6,
                home_currency="CAD",
                country="CA",
            ),
        ],
        speedup=60,
    )
    with serve(fake) as url:
        settings.QBO_CLIENT_ID = fake.client_id
        settings.QBO_CLIENT_SECRET = fake.client_secret
        settings.QBO_AUTHORIZE_URL = url + "/connect/oauth2"
        settings.QBO_TOKEN_URL = url + "/oauth2/v1/tokens/bearer"
        settings.QBO_REVOKE_URL = url + "/v2/oauth2/tokens/revoke"
        settings.QBO_API_URL = url
        settings.LEDGERLINK_RATE_LIMIT_SPEEDUP = 60
        client.limiter().reset()
        yield fake, url


def authorise(fake: FakeQuickBooks, company: QboCompany) -> tuple[TokenSet, dict[str, str]]:
    connector = QuickBooksConnector()
    state, verifier = secrets.token_urlsafe(16), secrets.token_urlsafe(48)
    url = connector.authorisation_url(redirect_uri=REDIRECT, state=state, code_verifier=verifier)
    params = consent(url, [company.realm_id])
    assert params["state"] == state
    token = connector.exchange_code(
        code=params["code"], redirect_uri=REDIRECT, code_verifier=verifier
    )
    return token, params


def connect(tenant, fake: FakeQuickBooks, company: QboCompany | None = None) -> Connection:
    company = company or fake.companies[0]
    token, params = authorise(fake, company)
    found = QuickBooksConnector().tenants_from_callback(token, params)
    return Connection.objects.create(
        organisation=tenant.org,
        company=tenant.company,
        platform="quickbooks",
        tenant_id=found[0].id,
        tenant_name=found[0].name,
        access_token=token.access_token,
        refresh_token=token.refresh_token,
        token_expires_at=token.expires_at,
    )
