"""Fixtures for the Xero connector against the fake Xero served on loopback."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from urllib.parse import parse_qs

import httpx
import pytest

from ledgerlink.connectors.base import TokenSet
from ledgerlink.connectors.models import Connection
from ledgerlink.connectors.xero import XeroConnector, client
from ledgerlink.fakes.web import serve
from ledgerlink.fakes.xero import FakeXero, XeroOrg

REDIRECT = "https://ledgerlink.example/connect/callback/"


@pytest.fixture
def fake_xero(settings) -> Iterator[tuple[FakeXero, str]]:
    fake = FakeXero(
        [
            XeroOrg("Harbour Trading", seed=1, suppliers=12, bills=130, expenses=40),
            XeroOrg(
                "Copperleaf Inc",
                seed=2,
                suppliers=5,
                bills=20,
                expenses=10,
                base_currency="USD",
                country="US",
            ),
        ],
        speedup=60,  # the real 60-a-minute limit, on a clock sixty times faster
    )
    with serve(fake) as url:
        point_at(settings, fake, url)
        yield fake, url


def point_at(settings, fake: FakeXero, url: str) -> None:
    settings.XERO_CLIENT_ID = fake.client_id
    settings.XERO_CLIENT_SECRET = fake.client_secret
    settings.XERO_AUTHORIZE_URL = url + "/identity/connect/authorize"
    settings.XERO_TOKEN_URL = url + "/connect/token"
    settings.XERO_REVOKE_URL = url + "/connect/revocation"
    settings.XERO_API_URL = url
    settings.LEDGERLINK_RATE_LIMIT_SPEEDUP = 60
    client.limiter().reset()


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def consent(
    url: str, tenant_ids: list[str], decision: str = "allow", redirect: str = REDIRECT
) -> dict[str, str]:
    """Drive the fake's consent page as a person would; the redirect's query parameters."""
    with httpx.Client(timeout=10) as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text
        data: dict[str, str | list[str]] = {**hidden_fields(page.text), "decision": decision}
        data["tenant"] = tenant_ids
        back = browser.post(str(page.url), data=data)
    assert back.status_code == 302
    location = back.headers["Location"]
    assert location.startswith(redirect)
    return {k: v[0] for k, v in parse_qs(location.split("?", 1)[1]).items()}


def authorise(fake: FakeXero, tenant_ids: list[str] | None = None) -> TokenSet:
    connector = XeroConnector()
    state, verifier = secrets.token_urlsafe(16), secrets.token_urlsafe(48)
    url = connector.authorisation_url(redirect_uri=REDIRECT, state=state, code_verifier=verifier)
    params = consent(url, tenant_ids or [fake.orgs[0].tenant_id])
    assert params["state"] == state
    return connector.exchange_code(
        code=params["code"], redirect_uri=REDIRECT, code_verifier=verifier
    )


def connect(tenant, fake: FakeXero, org: XeroOrg | None = None) -> Connection:
    org = org or fake.orgs[0]
    token = authorise(fake, [org.tenant_id])
    return Connection.objects.create(
        organisation=tenant.org,
        company=tenant.company,
        platform="xero",
        tenant_id=org.tenant_id,
        tenant_name=org.name,
        access_token=token.access_token,
        refresh_token=token.refresh_token,
        token_expires_at=token.expires_at,
    )
