"""Fixtures for the sandbox platform and its connector, talking real HTTP over live_server."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ledgerlink.connectors.base import TokenSet
from ledgerlink.connectors.sandbox import SandboxConnector
from ledgerlink.sandbox import services
from ledgerlink.sandbox.models import SandboxTenant
from ledgerlink.sandbox.oauth import DEMO_EMAIL, DEMO_PASSWORD
from ledgerlink.sandbox.ratelimit import BUCKETS

SIZES = {"suppliers": 12, "bills": 160, "payments": 140, "expenses": 70}


@pytest.fixture
def sandbox_url(live_server, settings) -> str:
    """The sandbox served for real by the live server; the connector pointed at it."""
    settings.ROOT_URLCONF = "tests.sandbox.urls"
    settings.LEDGERLINK_SANDBOX_URL = live_server.url + "/sandbox"
    settings.SANDBOX_CLIENT_ID = "ledgerlink-sandbox"
    settings.SANDBOX_CLIENT_SECRET = "sandbox-secret"
    settings.SANDBOX_CONTROL_ENABLED = False
    settings.SANDBOX_REDIRECT_URIS = [
        live_server.url + "/journey/callback/sandbox",
        "https://ledgerlink.example/cb",
    ]
    BUCKETS.reset()
    return live_server.url + "/sandbox"


@pytest.fixture
def sandbox_tenant(transactional_db) -> SandboxTenant:
    return services.create_tenant("Harbour Test Ltd", 4242, **SIZES)


@pytest.fixture
def other_sandbox_tenant(transactional_db) -> SandboxTenant:
    return services.create_tenant("Copperleaf Test", 777, 5, 30, 25, 10, base_currency="EUR")


@pytest.fixture
def connector(sandbox_url) -> SandboxConnector:
    return SandboxConnector()


@dataclass
class Dance:
    """The outcome of one trip through the sandbox's authorisation pages."""

    redirect: httpx.URL  # where the platform sent the browser back to
    state: str
    verifier: str
    redirect_uri: str

    @property
    def params(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.redirect.query.decode()).items()}


def form_fields(html: str) -> dict[str, str]:
    """Hidden inputs of a page (CSRF token, request id)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="hidden"' in tag:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def radio_values(html: str, name: str) -> list[str]:
    return re.findall(rf'<input type="radio" name="{name}" id="[^"]+" value="([^"]+)"', html)


def dance(
    connector: SandboxConnector,
    sandbox_url: str,
    *,
    tenant: SandboxTenant | None,
    decision: str = "allow",
    browser: httpx.Client | None = None,
    password: str = DEMO_PASSWORD,
) -> Dance:
    """Drive the authorisation pages as a person would (no JavaScript, plain forms)."""
    state = secrets.token_urlsafe(16)
    verifier = secrets.token_urlsafe(48)
    redirect_uri = sandbox_url.rsplit("/sandbox", 1)[0] + "/journey/callback/sandbox"
    url = connector.authorisation_url(
        redirect_uri=redirect_uri, state=state, code_verifier=verifier
    )
    own = browser is None
    client = browser or httpx.Client(follow_redirects=False, timeout=10)
    try:
        page = client.get(url)
        if page.status_code == 200 and 'name="password"' in page.text:
            fields = form_fields(page.text)
            page = client.post(
                sandbox_url + "/oauth/sign-in",
                data={**fields, "email": DEMO_EMAIL, "password": password},
            )
            if page.status_code != 302:
                raise AssertionError(f"sign-in failed: {page.status_code}")
        if page.status_code == 302 and "/oauth/consent" in page.headers["Location"]:
            page = client.get(httpx.URL(url).join(page.headers["Location"]))
        assert page.status_code == 200, page.text[:500]
        assert "Authorise" in page.text
        fields = form_fields(page.text)
        data = {**fields, "decision": decision}
        if tenant is not None:
            data["tenant"] = tenant.public_id
        answer = client.post(sandbox_url + "/oauth/consent", data=data)
        assert answer.status_code == 302, answer.text[:500]
        location = httpx.URL(answer.headers["Location"])
        assert str(location).startswith(redirect_uri)
        return Dance(location, state, verifier, redirect_uri)
    finally:
        if own:
            client.close()


def authorise(connector: SandboxConnector, sandbox_url: str, tenant: SandboxTenant) -> TokenSet:
    result = dance(connector, sandbox_url, tenant=tenant)
    assert result.params["state"] == result.state
    return connector.exchange_code(
        code=result.params["code"], redirect_uri=result.redirect_uri, code_verifier=result.verifier
    )


@pytest.fixture
def token(connector, sandbox_url, sandbox_tenant) -> TokenSet:
    return authorise(connector, sandbox_url, sandbox_tenant)


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
