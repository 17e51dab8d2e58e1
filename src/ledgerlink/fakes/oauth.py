"""The OAuth 2.0 authorisation server both fakes share: authorisation code with PKCE (S256),
client_secret_basic, access tokens that expire, refresh tokens that rotate on every use (an
old one is refused with `invalid_grant`, as the platforms do), revocation (RFC 7009), and a
consent page that lets the user pick which organisations the app may read."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ledgerlink.fakes.web import Request, Response, escape, html_response, json_response, redirect


@dataclass
class Grant:
    """One consent: a user let the app read these tenants."""

    id: str
    tenant_ids: list[str]
    scope: str
    auth_event_id: str
    revoked: bool = False


@dataclass
class _Code:
    grant: Grant
    redirect_uri: str
    challenge: str
    expires: float


@dataclass
class AuthServer:
    client_id: str
    client_secret: str
    access_ttl: int = 1800
    refresh_ttl: int = 60 * 86400
    clock: Callable[[], float] = time.time
    grants: dict[str, Grant] = field(default_factory=dict)
    _codes: dict[str, _Code] = field(default_factory=dict)
    _access: dict[str, tuple[str, float]] = field(default_factory=dict)
    _refresh: dict[str, tuple[str, float]] = field(default_factory=dict)
    refreshes: int = 0  # successful refreshes (tests count them)
    refused_refreshes: int = 0  # refresh tokens presented after they were rotated away
    _used_refresh: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- consent ------------------------------------------------------------------------

    def consent_page(
        self, req: Request, tenants: list[tuple[str, str]], *, multiple: bool
    ) -> Response:
        q = req.query
        if q.get("response_type") != "code" or q.get("client_id") != self.client_id:
            return html_response(400, "<h1>unauthorized_client</h1>")
        if q.get("code_challenge_method", "S256") != "S256" or not q.get("code_challenge"):
            return html_response(400, "<h1>invalid_request: PKCE S256 required</h1>")
        kind = "checkbox" if multiple else "radio"
        hidden = "".join(
            f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
            for k, v in q.items()
            if k in ("client_id", "redirect_uri", "state", "scope", "code_challenge")
        )
        choices = "".join(
            f'<label><input type="{kind}" name="tenant" value="{escape(tid)}"> '
            f"{escape(name)}</label><br>"
            for tid, name in tenants
        )
        return html_response(
            200,
            f"<!doctype html><title>Authorise</title><h1>Authorise ledgerlink</h1>"
            f'<form method="post">{hidden}{choices}'
            '<button name="decision" value="allow">Allow access</button> '
            '<button name="decision" value="deny">Cancel</button></form>',
        )

    def decide(
        self, req: Request, extra: Callable[[Grant], dict[str, str]] | None = None
    ) -> Response:
        form = req.form()
        chosen = req.form_lists().get("tenant", [])
        redirect_uri, state = form.get("redirect_uri", ""), form.get("state", "")
        if not redirect_uri.startswith(("http://", "https://")):
            return html_response(400, "<h1>invalid redirect_uri</h1>")
        if form.get("decision") != "allow" or not chosen:
            return redirect(redirect_uri, {"error": "access_denied", "state": state})
        grant = Grant(
            id=secrets.token_hex(8),
            tenant_ids=chosen,
            scope=form.get("scope", ""),
            auth_event_id=_uuid(),
        )
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.grants[grant.id] = grant
            self._codes[code] = _Code(
                grant, redirect_uri, form.get("code_challenge", ""), self.clock() + 300
            )
        params = {"code": code, "state": state, **(extra(grant) if extra else {})}
        return redirect(redirect_uri, params)

    # --- token endpoint -----------------------------------------------------------------

    def _client_ok(self, req: Request) -> bool:
        creds = req.basic_auth()
        if creds is None:
            form = req.form()
            creds = (form.get("client_id", ""), form.get("client_secret", ""))
        return hmac.compare_digest(creds[0], self.client_id) and hmac.compare_digest(
            creds[1], self.client_secret
        )

    def _issue(self, grant: Grant) -> dict[str, object]:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self.clock()
        self._access[access] = (grant.id, now + self.access_ttl)
        self._refresh[refresh] = (grant.id, now + self.refresh_ttl)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": self.access_ttl,
            "x_refresh_token_expires_in": self.refresh_ttl,
            "scope": grant.scope,
        }

    def token(self, req: Request) -> Response:
        if not self._client_ok(req):
            return json_response(401, {"error": "invalid_client"})
        form = req.form()
        kind = form.get("grant_type")
        with self._lock:
            if kind == "authorization_code":
                found = self._codes.pop(form.get("code", ""), None)
                if found is None or found.expires < self.clock():
                    return json_response(400, {"error": "invalid_grant"})
                if found.redirect_uri != form.get("redirect_uri"):
                    return json_response(
                        400, {"error": "invalid_grant", "error_description": "redirect_uri"}
                    )
                verifier = form.get("code_verifier", "")
                digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                if digest.rstrip(b"=").decode() != found.challenge:
                    return json_response(
                        400, {"error": "invalid_grant", "error_description": "PKCE"}
                    )
                return json_response(200, self._issue(found.grant))
            if kind == "refresh_token":
                value = form.get("refresh_token", "")
                held = self._refresh.pop(value, None)
                if held is None:
                    if value in self._used_refresh:
                        self.refused_refreshes += 1
                    return json_response(400, {"error": "invalid_grant"})
                self._used_refresh.add(value)
                grant = self.grants.get(held[0])
                if grant is None or grant.revoked or held[1] < self.clock():
                    return json_response(400, {"error": "invalid_grant"})
                self.refreshes += 1
                return json_response(200, self._issue(grant))
        return json_response(400, {"error": "unsupported_grant_type"})

    def revoke(self, req: Request) -> Response:
        if not self._client_ok(req):
            return json_response(401, {"error": "invalid_client"})
        body = req.json() if "json" in req.headers.get("content-type", "") else req.form()
        value = str((body or {}).get("token", ""))
        with self._lock:
            held = self._refresh.get(value) or self._access.get(value)
            if held is not None:
                self.revoke_grant(held[0])
        return Response(200)

    # --- resource side ------------------------------------------------------------------

    def check(self, req: Request) -> tuple[Grant | None, str]:
        """(grant, "") for a usable bearer token, else (None, "expired" | "invalid")."""
        held = self._access.get(req.bearer())
        if held is None:
            return None, "invalid"
        grant = self.grants.get(held[0])
        if grant is None or grant.revoked:
            return None, "invalid"
        if held[1] < self.clock():
            return None, "expired"
        return grant, ""

    def revoke_grant(self, grant_id: str) -> None:
        grant = self.grants.get(grant_id)
        if grant is not None:
            grant.revoked = True
        for store in (self._access, self._refresh):
            for token in [t for t, (g, _) in store.items() if g == grant_id]:
                del store[token]

    def revoke_all(self) -> None:
        """The user withdrew consent at the platform (tests: revoked consent)."""
        with self._lock:
            for grant_id in list(self.grants):
                self.revoke_grant(grant_id)

    def expire_access_tokens(self) -> None:
        with self._lock:
            for token, (grant_id, _) in list(self._access.items()):
                self._access[token] = (grant_id, self.clock() - 1)


def _uuid() -> str:
    import uuid

    return str(uuid.uuid4())
