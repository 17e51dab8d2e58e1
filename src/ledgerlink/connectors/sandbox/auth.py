"""OAuth 2.0 against the sandbox platform with Authlib's httpx client: authorisation URL with
PKCE (S256), code exchange, refresh (the platform rotates refresh tokens) and revocation."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]
from authlib.integrations.httpx_client import OAuth2Client  # type: ignore[import-untyped]
from django.conf import settings

from ledgerlink.connectors.base import (
    AuthorisationError,
    ConnectorError,
    PermanentError,
    RetryableError,
    TokenSet,
)
from ledgerlink.connectors.sandbox.client import TIMEOUT, USER_AGENT, base_url, classify

SCOPE = "accounting.read offline_access"
DEFAULT_CLIENT_ID = "ledgerlink-sandbox"
DEFAULT_CLIENT_SECRET = "sandbox-secret"  # noqa: S105 - the sandbox's public demo credential


def credentials() -> tuple[str, str]:
    client_id = getattr(settings, "SANDBOX_CLIENT_ID", DEFAULT_CLIENT_ID)
    secret = getattr(settings, "SANDBOX_CLIENT_SECRET", DEFAULT_CLIENT_SECRET)
    return str(client_id or ""), str(secret or "")


def endpoints(root: str | None = None) -> dict[str, str]:
    root = (root or base_url()).rstrip("/")
    return {
        "authorize": f"{root}/oauth/authorize",
        "token": f"{root}/oauth/token",
        "revoke": f"{root}/oauth/revoke",
    }


def _check_response(response: httpx.Response) -> httpx.Response:
    """Authlib hook: turn 429/5xx (and non-JSON) token responses into classified errors
    before Authlib tries to parse them; OAuth error bodies go on to Authlib."""
    status = response.status_code
    if status == 429 or status >= 500 or status == 408:
        problem = classify(response)
        if problem is not None:
            raise problem
    if status >= 300 and "json" not in response.headers.get("Content-Type", ""):
        raise PermanentError(f"sandbox token endpoint answered {status} without JSON")
    return response


@contextmanager
def oauth_client(*, redirect_uri: str | None = None, scope: str | None = SCOPE) -> Iterator[Any]:
    client_id, secret = credentials()
    client = OAuth2Client(
        client_id=client_id,
        client_secret=secret,
        scope=scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name
        revocation_endpoint_auth_method="client_secret_basic",
        timeout=TIMEOUT,
        follow_redirects=False,
        verify=True,
        headers={"User-Agent": USER_AGENT},
    )
    client.register_compliance_hook("access_token_response", _check_response)
    client.register_compliance_hook("refresh_token_response", _check_response)
    try:
        yield client
    except ConnectorError:
        raise
    except OAuthError as error:
        code = str(getattr(error, "error", "") or "")
        description = str(getattr(error, "description", "") or "")
        message = f"sandbox OAuth error {code}" + (f": {description}" if description else "")
        if code in ("invalid_grant", "access_denied"):
            raise AuthorisationError(message) from error
        raise PermanentError(message) from error
    except httpx.TimeoutException as error:
        raise RetryableError(
            f"sandbox OAuth endpoint timed out ({type(error).__name__})"
        ) from error
    except httpx.HTTPStatusError as error:
        problem = classify(error.response)
        raise (problem or RetryableError(str(error))) from error
    except httpx.HTTPError as error:
        raise RetryableError(f"could not reach the sandbox ({type(error).__name__})") from error
    except ValueError as error:
        raise RetryableError(f"sandbox sent a malformed token response: {error}") from error
    finally:
        client.close()


def token_set(token: Mapping[str, Any], *, previous: TokenSet | None = None) -> TokenSet:
    """Our TokenSet from a token response (Authlib adds `expires_at` from `expires_in`)."""
    access = token.get("access_token")
    if not isinstance(access, str) or not access:
        raise PermanentError("sandbox token response has no access_token")
    refresh = token.get("refresh_token")
    if not isinstance(refresh, str) or not refresh:
        refresh = previous.refresh_token if previous else ""
    expires_at = None
    raw_expiry = token.get("expires_at")
    if isinstance(raw_expiry, int | float) and not isinstance(raw_expiry, bool):
        expires_at = datetime.fromtimestamp(raw_expiry, UTC)
    scope = token.get("scope")
    token_type = token.get("token_type")
    return TokenSet(
        access_token=access,
        refresh_token=refresh,
        expires_at=expires_at,
        scope=scope if isinstance(scope, str) else (previous.scope if previous else ""),
        token_type=token_type if isinstance(token_type, str) and token_type else "Bearer",
    )


def authorisation_url(
    *, redirect_uri: str, state: str, code_verifier: str, root: str | None = None
) -> str:
    with oauth_client(redirect_uri=redirect_uri) as client:
        url, _state = client.create_authorization_url(
            endpoints(root)["authorize"], state=state, code_verifier=code_verifier
        )
    return str(url)


def exchange_code(
    *, code: str, redirect_uri: str, code_verifier: str, root: str | None = None
) -> TokenSet:
    with oauth_client(redirect_uri=redirect_uri) as client:
        token = client.fetch_token(
            endpoints(root)["token"],
            grant_type="authorization_code",
            code=code,
            code_verifier=code_verifier,
        )
    return token_set(token)


def refresh(token: TokenSet, *, root: str | None = None) -> TokenSet:
    if not token.refresh_token:
        raise AuthorisationError("no refresh token: the client must authorise again")
    with oauth_client(scope=None) as client:
        fresh = client.refresh_token(endpoints(root)["token"], refresh_token=token.refresh_token)
    return token_set(fresh, previous=token)


def revoke(token: TokenSet, *, root: str | None = None) -> None:
    """Revoke the refresh token (ends the connection) or else the access token."""
    value, hint = (
        (token.refresh_token, "refresh_token")
        if token.refresh_token
        else (token.access_token, "access_token")
    )
    if not value:
        return
    with oauth_client(scope=None) as client:
        response = client.revoke_token(endpoints(root)["revoke"], token=value, token_type_hint=hint)
    problem = classify(response)
    if problem is not None:
        raise problem
