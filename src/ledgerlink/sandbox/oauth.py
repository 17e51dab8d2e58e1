"""The sandbox's OAuth 2.0 authorisation server (RFC 6749 code grant, PKCE S256 per RFC 7636,
refresh-token rotation, revocation per RFC 7009). HTTP lives in views; the rules live here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from ledgerlink.sandbox.models import (
    SandboxAuthCode,
    SandboxClient,
    SandboxGrant,
    SandboxTenant,
    SandboxToken,
    TokenKind,
)
from ledgerlink.sandbox.services import ensure_client, sha256

SCOPES = {"accounting.read": "Read your accounting data", "offline_access": "Stay connected"}
DEFAULT_SCOPE = "accounting.read offline_access"
CODE_TTL = timedelta(minutes=10)
DEFAULT_ACCESS_TTL = 30 * 60
DEMO_EMAIL = "demo@sandbox.test"
DEMO_PASSWORD = "sandbox"  # noqa: S105 - shown on the sign-in page on purpose


class OAuthError(Exception):
    """An error response of the token or revocation endpoint (RFC 6749 §5.2)."""

    def __init__(
        self, error: str, description: str = "", *, status: int = 400, basic: bool = False
    ) -> None:
        super().__init__(description or error)
        self.error = error
        self.description = description
        self.status = status
        self.basic = basic  # the client tried HTTP Basic: answer with WWW-Authenticate

    def body(self) -> dict[str, str]:
        data = {"error": self.error}
        if self.description:
            data["error_description"] = self.description
        return data


class InvalidClientRequest(Exception):
    """The authorisation request names an unknown client or a redirect URI we must not use:
    show an error page, never redirect (RFC 6749 §4.1.2.1)."""


class RedirectableError(Exception):
    """The authorisation request is wrong but the redirect URI is trusted: send the error back."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class AuthorisationRequest:
    client_id: str
    redirect_uri: str
    scope: str
    state: str
    code_challenge: str

    def as_dict(self) -> dict[str, str]:
        return {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "state": self.state,
            "code_challenge": self.code_challenge,
        }


def redirect_uri_allowed(uri: str) -> bool:
    allowed = getattr(settings, "SANDBOX_REDIRECT_URIS", None)
    if allowed:
        return uri in allowed
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not parts.fragment
        and "@" not in parts.netloc
        and len(uri) <= 2000
    )


def parse_authorisation_request(params: dict[str, str]) -> AuthorisationRequest:
    client = ensure_client()
    client_id = params.get("client_id", "")
    redirect_uri = params.get("redirect_uri", "")
    if not client_id or not hmac.compare_digest(client_id, client.client_id):
        raise InvalidClientRequest("This application is not registered with the sandbox.")
    if not redirect_uri or not redirect_uri_allowed(redirect_uri):
        raise InvalidClientRequest("The redirect URI is missing or not allowed for this client.")
    if params.get("response_type") != "code":
        raise RedirectableError(
            "unsupported_response_type", "Only response_type=code is supported."
        )
    scope = " ".join(params.get("scope", "").split()) or DEFAULT_SCOPE
    unknown = [s for s in scope.split() if s not in SCOPES]
    if unknown:
        raise RedirectableError("invalid_scope", f"Unknown scope: {' '.join(unknown)}.")
    if "accounting.read" not in scope.split():
        raise RedirectableError("invalid_scope", "The accounting.read scope is required.")
    challenge = params.get("code_challenge", "")
    if params.get("code_challenge_method") != "S256":
        raise RedirectableError(
            "invalid_request", "PKCE with code_challenge_method=S256 is required."
        )
    if not (43 <= len(challenge) <= 128) or not _is_base64url(challenge):
        raise RedirectableError("invalid_request", "The code_challenge is malformed.")
    return AuthorisationRequest(client_id, redirect_uri, scope, params.get("state", ""), challenge)


def _is_base64url(value: str) -> bool:
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    return all(c in allowed for c in value)


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", errors="replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue_code(request: AuthorisationRequest, tenant: SandboxTenant, user_email: str) -> str:
    """The user allowed access: record the consent and return a single-use code."""
    client = ensure_client()
    code = secrets.token_urlsafe(32)
    with transaction.atomic():
        grant = SandboxGrant.objects.create(
            client=client, tenant=tenant, user_email=user_email, scope=request.scope
        )
        SandboxAuthCode.objects.create(
            code_hash=sha256(code),
            grant=grant,
            redirect_uri=request.redirect_uri,
            code_challenge=request.code_challenge,
            expires_at=timezone.now() + CODE_TTL,
        )
    return code


def authenticate_client(request: HttpRequest) -> SandboxClient:
    """Client authentication: HTTP Basic (client_secret_basic) or form fields (_post)."""
    client = ensure_client()
    header = request.headers.get("Authorization", "")
    basic = False
    if header.lower().startswith("basic "):
        basic = True
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
            client_id, _, secret = decoded.partition(":")
        except (binascii.Error, UnicodeDecodeError):
            client_id, secret = "", ""
        client_id, secret = unquote_plus(client_id), unquote_plus(secret)
    else:
        client_id = request.POST.get("client_id", "")
        secret = request.POST.get("client_secret", "")
    ok = hmac.compare_digest(client_id, client.client_id) and hmac.compare_digest(
        sha256(secret), client.secret_hash
    )
    if not ok:
        raise OAuthError("invalid_client", "Client authentication failed.", status=401, basic=basic)
    return client


def _access_ttl(tenant: SandboxTenant) -> int:
    if tenant.access_token_ttl:
        return int(tenant.access_token_ttl)
    return int(getattr(settings, "SANDBOX_ACCESS_TOKEN_TTL", DEFAULT_ACCESS_TTL))


def _issue_tokens(grant: SandboxGrant) -> dict[str, Any]:
    ttl = _access_ttl(grant.tenant)
    access = secrets.token_urlsafe(32)
    now = timezone.now()
    SandboxToken.objects.create(
        token_hash=sha256(access),
        grant=grant,
        kind=TokenKind.ACCESS,
        expires_at=now + timedelta(seconds=ttl),
    )
    response: dict[str, Any] = {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ttl,
        "scope": grant.scope,
    }
    if "offline_access" in grant.scope.split():
        refresh = secrets.token_urlsafe(48)
        SandboxToken.objects.create(token_hash=sha256(refresh), grant=grant, kind=TokenKind.REFRESH)
        response["refresh_token"] = refresh
    return response


def _revoke_grant_tokens(grant: SandboxGrant) -> None:
    SandboxToken.objects.filter(grant=grant, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def exchange_code(
    client: SandboxClient, *, code: str, redirect_uri: str, code_verifier: str
) -> dict[str, Any]:
    if not code:
        raise OAuthError("invalid_request", "The code is missing.")
    found = (
        SandboxAuthCode.objects.select_related("grant__tenant", "grant__client")
        .filter(code_hash=sha256(code))
        .first()
    )
    if found is None or found.grant.client_id != client.pk:
        raise OAuthError("invalid_grant", "The authorisation code is not valid.")
    now = timezone.now()
    with transaction.atomic():
        claimed = SandboxAuthCode.objects.filter(pk=found.pk, used_at__isnull=True).update(
            used_at=now
        )
    if not claimed:
        # A code used twice: someone may have stolen it; end what it produced (RFC 6749 §4.1.2).
        _revoke_grant_tokens(found.grant)
        raise OAuthError("invalid_grant", "The authorisation code was already used.")
    if found.expires_at <= now:
        raise OAuthError("invalid_grant", "The authorisation code has expired.")
    if redirect_uri != found.redirect_uri:
        raise OAuthError("invalid_grant", "The redirect_uri does not match the authorisation.")
    if not code_verifier or not hmac.compare_digest(s256(code_verifier), found.code_challenge):
        raise OAuthError("invalid_grant", "PKCE verification failed (code_verifier).")
    if found.grant.revoked_at is not None:
        raise OAuthError("invalid_grant", "Access was revoked.")
    return _issue_tokens(found.grant)


def refresh(client: SandboxClient, *, refresh_token: str, scope: str = "") -> dict[str, Any]:
    """Exchange a refresh token for a new pair; the old refresh token stops working."""
    if not refresh_token:
        raise OAuthError("invalid_request", "The refresh_token is missing.")
    found = (
        SandboxToken.objects.select_related("grant__tenant")
        .filter(token_hash=sha256(refresh_token), kind=TokenKind.REFRESH)
        .first()
    )
    if found is None or found.grant.client_id != client.pk:
        raise OAuthError("invalid_grant", "The refresh token is not valid.")
    grant = found.grant
    if grant.revoked_at is not None:
        raise OAuthError("invalid_grant", "Access was revoked by the user.")
    if found.revoked_at is not None:
        raise OAuthError("invalid_grant", "The refresh token was revoked.")
    if scope and not set(scope.split()) <= set(grant.scope.split()):
        raise OAuthError("invalid_scope", "A refresh cannot widen the scope.")
    with transaction.atomic():
        rotated = SandboxToken.objects.filter(
            pk=found.pk, rotated_at__isnull=True, revoked_at__isnull=True
        ).update(rotated_at=timezone.now())
        if rotated:
            return _issue_tokens(grant)
    # Reuse of a rotated refresh token (RFC 9700 §4.14.2): end the whole token family.
    if getattr(settings, "SANDBOX_REFRESH_REUSE_REVOKES_FAMILY", True):
        _revoke_grant_tokens(grant)
    raise OAuthError("invalid_grant", "The refresh token was already used.")


def revoke(client: SandboxClient, *, token: str, hint: str = "") -> None:
    """RFC 7009: unknown tokens are not an error. Revoking a refresh token ends the grant's
    tokens (the connection); revoking an access token ends just that token."""
    if not token:
        raise OAuthError("invalid_request", "The token is missing.")
    found = (
        SandboxToken.objects.select_related("grant")
        .filter(token_hash=sha256(token), grant__client=client)
        .first()
    )
    if found is None:
        return
    if found.kind == TokenKind.REFRESH:
        _revoke_grant_tokens(found.grant)
    else:
        SandboxToken.objects.filter(pk=found.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )


@dataclass(frozen=True)
class ApiAuthError(Exception):
    status: int
    error: str
    description: str


def bearer_token(request: HttpRequest) -> SandboxToken:
    """The access token presented with a data request, or ApiAuthError (401 invalid_token)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiAuthError(401, "invalid_token", "A Bearer access token is required.")
    found = (
        SandboxToken.objects.select_related("grant__tenant", "grant__client")
        .filter(token_hash=sha256(value.strip()), kind=TokenKind.ACCESS)
        .first()
    )
    if found is None or found.revoked_at is not None:
        raise ApiAuthError(401, "invalid_token", "The access token is not valid.")
    return found


def check_token_usable(token: SandboxToken) -> None:
    """Consent still given (403 consent_revoked) and token not expired (401 token_expired)."""
    if token.grant.revoked_at is not None:
        raise ApiAuthError(403, "consent_revoked", "The user revoked access for this tenant.")
    if token.expires_at is not None and token.expires_at <= timezone.now():
        raise ApiAuthError(401, "token_expired", "The access token has expired.")
