"""The sandbox's OAuth 2.0 server, driven over HTTP through its pages and by the connector."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ledgerlink.connectors.base import (
    AuthorisationError,
    PermanentError,
    Tenant,
    TokenExpiredError,
    TokenSet,
)
from ledgerlink.sandbox.models import SandboxAuthCode, SandboxGrant, SandboxToken
from ledgerlink.sandbox.services import sha256
from tests.sandbox.conftest import authorise, dance, form_fields, query

CLIENT = ("ledgerlink-sandbox", "sandbox-secret")


def token_post(sandbox_url: str, data: dict[str, str], auth=CLIENT) -> httpx.Response:
    return httpx.post(sandbox_url + "/oauth/token", data=data, auth=auth, timeout=10)


def api_get(sandbox_url: str, path: str, access_token: str, tenant_id: str | None = None):
    headers = {"Authorization": f"Bearer {access_token}"}
    if tenant_id:
        headers["Sandbox-Tenant-Id"] = tenant_id
    return httpx.get(sandbox_url + path, headers=headers, timeout=10)


def test_authorisation_url_uses_pkce_s256_and_carries_state(connector, sandbox_url):
    verifier = "v" * 20 + "-verifier-with-enough-entropy-1234567890"
    url = connector.authorisation_url(
        redirect_uri="https://ledgerlink.example/cb", state="st4te", code_verifier=verifier
    )
    params = query(url)
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert url.startswith(sandbox_url + "/oauth/authorize?")
    assert params["code_challenge"] == expected.rstrip(b"=").decode()
    assert params["code_challenge_method"] == "S256"
    assert params["state"] == "st4te"
    assert params["response_type"] == "code"
    assert params["client_id"] == "ledgerlink-sandbox"
    assert "offline_access" in params["scope"].split()
    assert verifier not in url


def test_full_dance_gives_tokens_that_read_the_chosen_tenant(
    connector, sandbox_url, sandbox_tenant, other_sandbox_tenant
):
    token = authorise(connector, sandbox_url, sandbox_tenant)

    assert token.access_token and token.refresh_token
    assert token.token_type == "Bearer"
    assert token.expires_at is not None
    lifetime = token.expires_at - datetime.now(UTC)
    assert timedelta(minutes=29) < lifetime <= timedelta(minutes=30, seconds=5)
    assert connector.tenants(token) == [Tenant(sandbox_tenant.public_id, "Harbour Test Ltd")]
    # Only hashes are stored.
    assert not SandboxToken.objects.filter(token_hash=token.access_token).exists()
    assert SandboxToken.objects.filter(token_hash=sha256(token.access_token)).exists()
    # The token reads its own tenant and no other.
    mine = api_get(sandbox_url, "/api/v1/company", token.access_token, sandbox_tenant.public_id)
    assert mine.status_code == 200
    assert mine.json()["data"][0]["legalName"] == "Harbour Test Ltd"
    other = api_get(
        sandbox_url, "/api/v1/company", token.access_token, other_sandbox_tenant.public_id
    )
    assert other.status_code == 403
    assert other.json()["error"] == "tenant_not_authorised"


def test_sign_in_and_consent_pages_are_plain_accessible_forms(connector, sandbox_url):
    url = connector.authorisation_url(
        redirect_uri="https://ledgerlink.example/cb", state="s", code_verifier="x" * 50
    )
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        page = browser.get(url)
        assert page.status_code == 200
        html = page.text
        assert "<h1>" in html and '<html lang="en">' in html
        assert '<label for="email">' in html and 'id="email"' in html
        assert '<label for="password">' in html and 'id="password"' in html
        assert "demo@sandbox.test" in html and "<code>sandbox</code>" in html
        assert "csrfmiddlewaretoken" in form_fields(html)
        assert "<script" not in html
        # Without the CSRF token the form is refused.
        fields = form_fields(html)
        fields.pop("csrfmiddlewaretoken")
        refused = browser.post(
            sandbox_url + "/oauth/sign-in",
            data={**fields, "email": "demo@sandbox.test", "password": "sandbox"},
        )
        assert refused.status_code == 403
        # A wrong password keeps the person on the page with a message.
        wrong = browser.post(
            sandbox_url + "/oauth/sign-in",
            data={**form_fields(html), "email": "demo@sandbox.test", "password": "nope"},
        )
        assert wrong.status_code == 400
        assert 'role="alert"' in wrong.text and "not right" in wrong.text


def test_wrong_pkce_verifier_is_invalid_grant(connector, sandbox_url, sandbox_tenant):
    result = dance(connector, sandbox_url, tenant=sandbox_tenant)
    code = result.params["code"]

    raw = token_post(
        sandbox_url,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": result.redirect_uri,
            "code_verifier": "W" * 50,
        },
    )
    assert raw.status_code == 400
    assert raw.json()["error"] == "invalid_grant"
    assert raw.headers["Cache-Control"] == "no-store"
    # The connector classifies it: the client must authorise again.
    other = dance(connector, sandbox_url, tenant=sandbox_tenant)
    with pytest.raises(AuthorisationError, match="invalid_grant"):
        connector.exchange_code(
            code=other.params["code"], redirect_uri=other.redirect_uri, code_verifier="Z" * 50
        )


def test_code_is_single_use_and_reuse_ends_its_tokens(connector, sandbox_url, sandbox_tenant):
    result = dance(connector, sandbox_url, tenant=sandbox_tenant)
    code = result.params["code"]
    token = connector.exchange_code(
        code=code, redirect_uri=result.redirect_uri, code_verifier=result.verifier
    )
    with pytest.raises(AuthorisationError, match="invalid_grant"):
        connector.exchange_code(
            code=code, redirect_uri=result.redirect_uri, code_verifier=result.verifier
        )
    # Replaying a code is treated as theft: what it produced stops working.
    answer = api_get(sandbox_url, "/api/connections", token.access_token)
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_token"
    assert SandboxAuthCode.objects.get(code_hash=sha256(code)).used_at is not None


def test_code_expires_and_is_bound_to_its_redirect_uri(connector, sandbox_url, sandbox_tenant):
    result = dance(connector, sandbox_url, tenant=sandbox_tenant)
    with pytest.raises(AuthorisationError):
        connector.exchange_code(
            code=result.params["code"],
            redirect_uri="https://elsewhere.example/cb",
            code_verifier=result.verifier,
        )
    late = dance(connector, sandbox_url, tenant=sandbox_tenant)
    SandboxAuthCode.objects.filter(code_hash=sha256(late.params["code"])).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    answer = token_post(
        sandbox_url,
        {
            "grant_type": "authorization_code",
            "code": late.params["code"],
            "redirect_uri": late.redirect_uri,
            "code_verifier": late.verifier,
        },
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
    assert "expired" in answer.json()["error_description"]


def test_denied_consent_redirects_with_access_denied(connector, sandbox_url, sandbox_tenant):
    result = dance(connector, sandbox_url, tenant=None, decision="deny")
    assert result.params["error"] == "access_denied"
    assert result.params["state"] == result.state
    assert "code" not in result.params
    assert not SandboxGrant.objects.exists()


def test_bad_requests_never_redirect_to_untrusted_places(connector, sandbox_url, settings):
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        unknown_client = browser.get(
            sandbox_url + "/oauth/authorize",
            params={
                "response_type": "code",
                "client_id": "someone-else",
                "redirect_uri": "https://evil.example/cb",
                "code_challenge": "a" * 43,
                "code_challenge_method": "S256",
            },
        )
        assert unknown_client.status_code == 400
        assert "Location" not in unknown_client.headers
        settings.SANDBOX_REDIRECT_URIS = ["https://ledgerlink.example/cb"]
        unregistered = browser.get(
            connector.authorisation_url(
                redirect_uri="https://evil.example/cb", state="s", code_verifier="v" * 50
            )
        )
        assert unregistered.status_code == 400
        # A trusted redirect URI gets the error back (no PKCE here).
        no_pkce = browser.get(
            sandbox_url + "/oauth/authorize",
            params={
                "response_type": "code",
                "client_id": "ledgerlink-sandbox",
                "redirect_uri": "https://ledgerlink.example/cb",
                "state": "abc",
            },
        )
        assert no_pkce.status_code == 302
        back = query(no_pkce.headers["Location"])
        assert back["error"] == "invalid_request" and back["state"] == "abc"


def test_refresh_rotates_and_the_old_refresh_token_stops_working(connector, token):
    fresh = connector.refresh(token)

    assert fresh.refresh_token and fresh.refresh_token != token.refresh_token
    assert fresh.access_token != token.access_token
    assert connector.tenants(fresh)  # the new access token works
    with pytest.raises(AuthorisationError, match="invalid_grant"):
        connector.refresh(token)
    # Reuse of a rotated token ends the whole family (RFC 9700 §4.14.2), the newest included.
    with pytest.raises(AuthorisationError):
        connector.refresh(fresh)
    with pytest.raises(AuthorisationError):
        connector.tenants(fresh)


def test_refresh_without_refresh_token_needs_reauthorisation(connector):
    with pytest.raises(AuthorisationError):
        connector.refresh(TokenSet(access_token="only-access"))


def test_revoke_ends_the_connection(connector, sandbox_url, token):
    connector.revoke(token)

    with pytest.raises(AuthorisationError, match="invalid_grant"):
        connector.refresh(token)
    with pytest.raises(AuthorisationError, match="invalid_token"):
        connector.tenants(token)
    # Revoking again (an unknown or dead token) is not an error (RFC 7009).
    connector.revoke(token)
    connector.revoke(TokenSet(access_token="never-issued"))


def test_client_authentication_is_required(connector, sandbox_url, token, monkeypatch):
    answer = token_post(
        sandbox_url,
        {"grant_type": "refresh_token", "refresh_token": token.refresh_token},
        auth=("ledgerlink-sandbox", "wrong"),
    )
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert answer.headers["WWW-Authenticate"].startswith("Basic")
    # Credentials in the form body work too (client_secret_post).
    posted = httpx.post(
        sandbox_url + "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": token.refresh_token,
            "client_id": CLIENT[0],
            "client_secret": CLIENT[1],
        },
        timeout=10,
    )
    assert posted.status_code == 200
    assert posted.json()["expires_in"] == 1800
    # A misconfigured secret on our side is permanent, not a re-authorisation. (Settings
    # are shared with the in-process sandbox, so patch what the connector reads.)
    monkeypatch.setattr(
        "ledgerlink.connectors.sandbox.auth.credentials",
        lambda: ("ledgerlink-sandbox", "not-the-secret"),
    )
    with pytest.raises(PermanentError, match="invalid_client"):
        connector.refresh(TokenSet("x", refresh_token=posted.json()["refresh_token"]))


def test_access_tokens_expire(connector, sandbox_url, sandbox_tenant):
    from ledgerlink.sandbox import faults

    faults.set_access_token_ttl(sandbox_tenant, 1)
    token = authorise(connector, sandbox_url, sandbox_tenant)
    assert token.expires_at is not None
    assert token.expires_at - datetime.now(UTC) <= timedelta(seconds=2)
    SandboxToken.objects.filter(token_hash=sha256(token.access_token)).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    with pytest.raises(TokenExpiredError):
        connector.tenants(token)
    assert connector.tenants(connector.refresh(token))
