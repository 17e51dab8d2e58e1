"""OAuth 2.0 authorisation code (with PKCE S256) against a platform's configured endpoints,
for the real platforms (Xero, QuickBooks Online): Authlib's httpx client, with every failure
classified for the caller (retry, re-authorise, fail)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]
from authlib.integrations.httpx_client import OAuth2Client  # type: ignore[import-untyped]

from ledgerlink.connectors.base import (
    AuthorisationError,
    ConnectorError,
    PermanentError,
    RateLimitedError,
    RetryableError,
    TokenSet,
)
from ledgerlink.connectors.sandbox.client import retry_after_seconds

TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=10.0, pool=5.0)


@dataclass(frozen=True)
class OAuthApp:
    """One registered app at a platform: its credentials and endpoints."""

    platform: str  # for messages: "Xero"
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    scope: str
    user_agent: str
    extra_authorize: Mapping[str, str] = field(default_factory=dict)


def _status_error(app: OAuthApp, response: httpx.Response) -> ConnectorError | None:
    status = response.status_code
    detail = f"{app.platform} token endpoint answered {status}"
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    if status == 429:
        return RateLimitedError(detail, retry_after=retry_after)
    if status >= 500 or status == 408:
        return RetryableError(detail, retry_after=retry_after)
    if status >= 300 and "json" not in response.headers.get("Content-Type", ""):
        return PermanentError(f"{detail} without JSON")
    return None


@contextmanager
def oauth_client(
    app: OAuthApp, *, redirect_uri: str | None = None, scope: str | None = None
) -> Iterator[Any]:
    def check(response: httpx.Response) -> httpx.Response:
        problem = _status_error(app, response)
        if problem is not None:
            raise problem
        return response

    client = OAuth2Client(
        client_id=app.client_id,
        client_secret=app.client_secret,
        scope=scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name
        timeout=TIMEOUT,
        follow_redirects=False,
        verify=True,
        headers={"User-Agent": app.user_agent, "Accept": "application/json"},
    )
    client.register_compliance_hook("access_token_response", check)
    client.register_compliance_hook("refresh_token_response", check)
    try:
        yield client
    except ConnectorError:
        raise
    except OAuthError as error:
        code = str(getattr(error, "error", "") or "")
        description = str(getattr(error, "description", "") or "")
        message = f"{app.platform} OAuth error {code}" + (f": {description}" if description else "")
        if code in ("invalid_grant", "access_denied", "unauthorized_client"):
            raise AuthorisationError(message) from error
        raise PermanentError(message) from error
    except httpx.TimeoutException as error:
        raise RetryableError(f"{app.platform} OAuth endpoint timed out") from error
    except httpx.HTTPError as error:
        raise RetryableError(
            f"could not reach {app.platform}'s OAuth endpoint ({type(error).__name__})"
        ) from error
    except ValueError as error:
        raise RetryableError(f"{app.platform} sent a malformed token response: {error}") from error
    finally:
        client.close()


def token_set(
    app: OAuthApp, token: Mapping[str, Any], previous: TokenSet | None = None
) -> TokenSet:
    access = token.get("access_token")
    if not isinstance(access, str) or not access:
        raise PermanentError(f"{app.platform}'s token response has no access_token")
    refresh = token.get("refresh_token")
    if not isinstance(refresh, str) or not refresh:
        refresh = previous.refresh_token if previous else ""
    expires_at = None
    raw_expiry = token.get("expires_at")
    if isinstance(raw_expiry, int | float) and not isinstance(raw_expiry, bool):
        expires_at = datetime.fromtimestamp(raw_expiry, UTC)
    scope = token.get("scope")
    return TokenSet(
        access_token=access,
        refresh_token=refresh,
        expires_at=expires_at,
        scope=scope if isinstance(scope, str) else (previous.scope if previous else app.scope),
    )


def authorisation_url(app: OAuthApp, *, redirect_uri: str, state: str, code_verifier: str) -> str:
    with oauth_client(app, redirect_uri=redirect_uri, scope=app.scope) as client:
        url, _state = client.create_authorization_url(
            app.authorize_url, state=state, code_verifier=code_verifier, **app.extra_authorize
        )
    return str(url)


def exchange_code(app: OAuthApp, *, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
    with oauth_client(app, redirect_uri=redirect_uri, scope=app.scope) as client:
        token = client.fetch_token(
            app.token_url, grant_type="authorization_code", code=code, code_verifier=code_verifier
        )
    return token_set(app, token)


def refresh(app: OAuthApp, token: TokenSet) -> TokenSet:
    """A new token set; the platform rotates the refresh token, so the caller must store the
    returned one before anything else uses the old one (connectors.services does)."""
    if not token.refresh_token:
        raise AuthorisationError("no refresh token: the client must authorise again")
    with oauth_client(app) as client:
        fresh = client.refresh_token(app.token_url, refresh_token=token.refresh_token)
    return token_set(app, fresh, previous=token)


def revoke(app: OAuthApp, url: str, token: TokenSet, *, json_body: bool = False) -> None:
    """Revoke the refresh token (ends the grant) at `url` with HTTP Basic client auth.
    Intuit takes a JSON body, Xero a form (RFC 7009)."""
    value = token.refresh_token or token.access_token
    if not value:
        return
    try:
        with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
            auth, headers = (app.client_id, app.client_secret), {"User-Agent": app.user_agent}
            if json_body:
                response = client.post(url, auth=auth, headers=headers, json={"token": value})
            else:
                response = client.post(url, auth=auth, headers=headers, data={"token": value})
    except httpx.HTTPError as error:
        raise RetryableError(f"could not reach {app.platform} to revoke") from error
    problem = _status_error(app, response)
    if problem is not None:
        raise problem
    if response.status_code > 400:  # 400: the token was already invalid
        raise PermanentError(f"{app.platform} refused the revocation ({response.status_code})")
