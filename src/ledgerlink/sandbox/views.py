"""HTTP side of the sandbox platform: OAuth pages and endpoints, the data API, fault control.

Served by ledgerlink under /sandbox/ but written as a separate system would be: it imports
nothing of ledgerlink and ledgerlink reaches it only over HTTP.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import secrets
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import orjson
from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ledgerlink.sandbox import faults, oauth, services
from ledgerlink.sandbox.generator import DATA_TYPES
from ledgerlink.sandbox.models import FaultKind, SandboxTenant, SandboxToken
from ledgerlink.sandbox.ratelimit import BUCKETS, retry_after_header

logger = logging.getLogger(__name__)

SESSION_USER = "sandbox_user"
SESSION_REQUESTS = "sandbox_authorisation_requests"
MAX_PENDING = 10
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 10_000


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(orjson.dumps(data), content_type="application/json", status=status)
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# --- authorisation pages ------------------------------------------------------------------


def _pending(request: HttpRequest) -> dict[str, dict[str, str]]:
    pending = request.session.get(SESSION_REQUESTS)
    return pending if isinstance(pending, dict) else {}


def _pending_request(request: HttpRequest, request_id: str) -> oauth.AuthorisationRequest | None:
    data = _pending(request).get(request_id)
    if not isinstance(data, dict):
        return None
    try:
        return oauth.AuthorisationRequest(**data)
    except TypeError:
        return None


def _forget(request: HttpRequest, request_id: str) -> None:
    pending = _pending(request)
    pending.pop(request_id, None)
    request.session[SESSION_REQUESTS] = pending


def _redirect_back(uri: str, params: dict[str, str]) -> HttpResponseRedirect:
    separator = "&" if "?" in uri else "?"
    return HttpResponseRedirect(uri + separator + urlencode(params))


def _error_page(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "sandbox/error.html", {"message": message}, status=status)


@never_cache
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "sandbox/index.html",
        {"demo_email": oauth.DEMO_EMAIL, "demo_password": oauth.DEMO_PASSWORD},
    )


@never_cache
@require_GET
def authorize(request: HttpRequest) -> HttpResponse:
    """GET /oauth/authorize: check the request, then sign in and ask for consent."""
    params = {key: request.GET.get(key, "") for key in request.GET}
    try:
        auth_request = oauth.parse_authorisation_request(params)
    except oauth.InvalidClientRequest as problem:
        return _error_page(request, str(problem))
    except oauth.RedirectableError as problem:
        back = {"error": problem.error, "error_description": problem.description}
        if params.get("state"):
            back["state"] = params["state"]
        return _redirect_back(params["redirect_uri"], back)
    request_id = secrets.token_urlsafe(16)
    pending = _pending(request)
    while len(pending) >= MAX_PENDING:
        pending.pop(next(iter(pending)))
    pending[request_id] = auth_request.as_dict()
    request.session[SESSION_REQUESTS] = pending
    if request.session.get(SESSION_USER):
        return HttpResponseRedirect(f"{reverse('sandbox:consent')}?request={request_id}")
    return _sign_in_page(request, request_id)


def _sign_in_page(
    request: HttpRequest, request_id: str, *, error: str = "", email: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "request_id": request_id,
        "error": error,
        "email": email,
        "demo_email": oauth.DEMO_EMAIL,
        "demo_password": oauth.DEMO_PASSWORD,
    }
    return render(request, "sandbox/sign_in.html", context, status=status)


@never_cache
@require_POST
def sign_in(request: HttpRequest) -> HttpResponse:
    request_id = request.POST.get("request", "")
    if _pending_request(request, request_id) is None:
        return _error_page(request, "This sign-in link has expired. Start again from the app.")
    email = request.POST.get("email", "").strip()
    password = request.POST.get("password", "")
    valid = hmac.compare_digest(email.lower().encode(), oauth.DEMO_EMAIL.encode())
    valid = hmac.compare_digest(password.encode(), oauth.DEMO_PASSWORD.encode()) and valid
    if not valid:
        return _sign_in_page(
            request,
            request_id,
            error="The email address or password is not right.",
            email=email,
            status=400,
        )
    request.session.cycle_key()
    request.session[SESSION_USER] = oauth.DEMO_EMAIL
    return HttpResponseRedirect(f"{reverse('sandbox:consent')}?request={request_id}")


@never_cache
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest) -> HttpResponse:
    request_id = request.GET.get("request", "") or request.POST.get("request", "")
    auth_request = _pending_request(request, request_id)
    if auth_request is None:
        return _error_page(request, "This authorisation request has expired. Start again.")
    user = request.session.get(SESSION_USER)
    if not user:
        return _sign_in_page(request, request_id)
    tenants = list(SandboxTenant.objects.order_by("name", "pk"))
    if not tenants:
        tenants = services.ensure_demo_tenants()
    if request.method == "GET":
        return _consent_page(request, request_id, auth_request, tenants)
    decision = request.POST.get("decision", "")
    if decision == "deny":
        _forget(request, request_id)
        back = {"error": "access_denied", "error_description": "The user denied access."}
        if auth_request.state:
            back["state"] = auth_request.state
        return _redirect_back(auth_request.redirect_uri, back)
    if decision != "allow":
        return _consent_page(request, request_id, auth_request, tenants, status=400)
    chosen = next((t for t in tenants if t.public_id == request.POST.get("tenant", "")), None)
    if chosen is None:
        return _consent_page(
            request,
            request_id,
            auth_request,
            tenants,
            error="Choose the organisation to connect.",
            status=400,
        )
    code = oauth.issue_code(auth_request, chosen, str(user))
    _forget(request, request_id)
    back = {"code": code}
    if auth_request.state:
        back["state"] = auth_request.state
    return _redirect_back(auth_request.redirect_uri, back)


def _consent_page(
    request: HttpRequest,
    request_id: str,
    auth_request: oauth.AuthorisationRequest,
    tenants: list[SandboxTenant],
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    client = services.ensure_client()
    context = {
        "request_id": request_id,
        "client_name": client.name,
        "tenants": tenants,
        "selected": tenants[0].public_id if len(tenants) == 1 else "",
        "scopes": [oauth.SCOPES[s] for s in auth_request.scope.split() if s in oauth.SCOPES],
        "user": request.session.get(SESSION_USER, ""),
        "error": error,
    }
    return render(request, "sandbox/consent.html", context, status=status)


# --- token endpoints ----------------------------------------------------------------------


def _oauth_error(problem: oauth.OAuthError) -> HttpResponse:
    headers = {"Pragma": "no-cache"}
    if problem.status == 401 and problem.basic:
        headers["WWW-Authenticate"] = 'Basic realm="sandbox"'
    return _json(problem.body(), status=problem.status, headers=headers)


@csrf_exempt
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    """POST /oauth/token: authorization_code (with PKCE) and refresh_token grants."""
    try:
        client = oauth.authenticate_client(request)
        grant_type = request.POST.get("grant_type", "")
        if grant_type == "authorization_code":
            body = oauth.exchange_code(
                client,
                code=request.POST.get("code", ""),
                redirect_uri=request.POST.get("redirect_uri", ""),
                code_verifier=request.POST.get("code_verifier", ""),
            )
        elif grant_type == "refresh_token":
            body = oauth.refresh(
                client,
                refresh_token=request.POST.get("refresh_token", ""),
                scope=request.POST.get("scope", ""),
            )
        else:
            raise oauth.OAuthError("unsupported_grant_type", f"Unsupported: {grant_type!r}.")
    except oauth.OAuthError as problem:
        return _oauth_error(problem)
    return _json(body, headers={"Pragma": "no-cache"})


@csrf_exempt
@require_POST
def revoke(request: HttpRequest) -> HttpResponse:
    """POST /oauth/revoke (RFC 7009): 200 whether or not the token was known."""
    try:
        client = oauth.authenticate_client(request)
        oauth.revoke(
            client,
            token=request.POST.get("token", ""),
            hint=request.POST.get("token_type_hint", ""),
        )
    except oauth.OAuthError as problem:
        return _oauth_error(problem)
    return _json({})


# --- data API -----------------------------------------------------------------------------


def _api_error(status: int, error: str, description: str = "", **headers: str) -> HttpResponse:
    body = {"error": error}
    if description:
        body["error_description"] = description
    extra = {k.replace("_", "-"): v for k, v in headers.items()}
    if status == 401:
        extra["WWW-Authenticate"] = f'Bearer realm="sandbox", error="{error}"'
    return _json(body, status=status, headers=extra)


def _injected(tenant: SandboxTenant) -> HttpResponse | None:
    """Apply the tenant's next queued fault: a delay (then carry on) or a failure response."""
    fault = faults.take(tenant)
    if fault is None:
        return None
    if fault.kind == FaultKind.DELAY:
        time.sleep(fault.delay_seconds or 0)
        return None
    status = fault.status_code or 500
    if status == 429:
        retry = str(fault.retry_after if fault.retry_after is not None else 1)
        return _api_error(429, "rate_limited", "Too many requests.", Retry_After=retry)
    if status == 502:
        # What a gateway in front of a platform says: HTML, not the API's JSON.
        return HttpResponse(
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
            status=502,
            content_type="text/html",
        )
    headers = {"Retry_After": str(fault.retry_after)} if fault.retry_after is not None else {}
    return _api_error(status, "server_error", "The platform had a problem.", **headers)


def _authorised(request: HttpRequest) -> tuple[SandboxToken | None, HttpResponse | None]:
    try:
        access = oauth.bearer_token(request)
    except oauth.ApiAuthError as problem:
        return None, _api_error(problem.status, problem.error, problem.description)
    injected = _injected(access.grant.tenant)
    if injected is not None:
        return None, injected
    try:
        oauth.check_token_usable(access)
    except oauth.ApiAuthError as problem:
        return None, _api_error(problem.status, problem.error, problem.description)
    tenant = access.grant.tenant
    wait = BUCKETS.take(tenant.pk, tenant.rate_limit_per_minute)
    if wait:
        return None, _api_error(
            429, "rate_limited", "Too many requests.", Retry_After=retry_after_header(wait)
        )
    return access, None


@never_cache
@require_GET
def connections(request: HttpRequest) -> HttpResponse:
    """GET /api/connections: the tenants this token may read."""
    access, problem = _authorised(request)
    if problem is not None or access is None:
        return problem or _api_error(401, "invalid_token")
    tenant = access.grant.tenant
    return _json([{"tenantId": tenant.public_id, "tenantName": tenant.name}])


def _encode_cursor(data_type: str, index: int, since: str | None) -> str:
    raw = orjson.dumps({"v": 1, "t": data_type, "i": index, "m": since})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode_cursor(cursor: str, data_type: str) -> tuple[int, str | None]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        index, since = data["i"], data["m"]
        if data.get("v") != 1 or data.get("t") != data_type:
            raise ValueError("cursor of another query")
        if not isinstance(index, int) or index < 0:
            raise ValueError("bad index")
        if since is not None and not isinstance(since, str):
            raise ValueError("bad modified_since")
    except (ValueError, KeyError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise ValueError("The cursor is not valid for this query.") from None
    return index, since


def _parse_since(value: str) -> datetime:
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


@never_cache
@require_GET
def data(request: HttpRequest, data_type: str) -> HttpResponse:
    """GET /api/v1/<type>?page_size=&cursor=&modified_since= → {"data": [...], "next_cursor"}."""
    if data_type not in DATA_TYPES:
        return _api_error(404, "not_found", f"No such data type: {data_type}.")
    access, problem = _authorised(request)
    if problem is not None or access is None:
        return problem or _api_error(401, "invalid_token")
    tenant = access.grant.tenant
    requested = request.headers.get("Sandbox-Tenant-Id", "")
    if not requested:
        return _api_error(400, "missing_tenant", "Send the Sandbox-Tenant-Id header.")
    if not hmac.compare_digest(requested, tenant.public_id):
        return _api_error(403, "tenant_not_authorised", "This token cannot read that tenant.")
    try:
        page_size = int(request.GET.get("page_size", DEFAULT_PAGE_SIZE))
    except ValueError:
        return _api_error(400, "invalid_request", "page_size must be a whole number.")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        return _api_error(400, "invalid_request", f"page_size must be 1 to {MAX_PAGE_SIZE}.")
    since_text = request.GET.get("modified_since") or None
    start = 0
    cursor = request.GET.get("cursor", "")
    if cursor:
        try:
            start, cursor_since = _decode_cursor(cursor, data_type)
        except ValueError as problem:
            return _api_error(400, "invalid_cursor", str(problem))
        if since_text is not None and cursor_since != since_text:
            return _api_error(400, "invalid_cursor", "The cursor belongs to another query.")
        since_text = cursor_since
    since = None
    if since_text is not None:
        try:
            since = _parse_since(since_text)
        except ValueError:
            return _api_error(400, "invalid_request", "modified_since must be ISO 8601.")
    dataset = services.dataset(tenant)
    records, nxt = dataset.page_records(data_type, start, page_size, since)
    next_cursor = _encode_cursor(data_type, nxt, since_text) if nxt is not None else None
    # One join makes the whole body: a page is megabytes, and every extra copy of it costs
    # fresh memory (page faults) as well as the copying.
    tail = f'],"next_cursor":{orjson.dumps(next_cursor).decode()}}}'
    if records:
        records[0] = '{"data":[' + records[0]
        records[-1] += tail
        body = ",".join(records)
    else:
        body = '{"data":[' + tail
    del records
    response = HttpResponse(body.encode(), content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


# --- fault control ------------------------------------------------------------------------


@csrf_exempt
@require_POST
def control_faults(request: HttpRequest, tenant_id: str) -> HttpResponse:
    """POST /control/<tenant>/faults with {"action": ..., ...} or {"actions": [...]}.

    Only when settings.SANDBOX_CONTROL_ENABLED is true (404 otherwise). Actions: fail
    (status, count, retry_after), delay (seconds, count), expire_tokens, revoke_consent,
    rate_limit (per_minute), token_ttl (seconds), bump_revision, clear.
    """
    if not getattr(settings, "SANDBOX_CONTROL_ENABLED", False):
        raise Http404("Not found")
    tenant = SandboxTenant.objects.filter(public_id=tenant_id).first()
    if tenant is None:
        return _api_error(404, "not_found", "No such tenant.")
    try:
        payload = orjson.loads(request.body or b"{}")
    except orjson.JSONDecodeError:
        return HttpResponseBadRequest("The body must be JSON.")
    actions = payload.get("actions") if isinstance(payload, dict) else None
    if actions is None:
        actions = [payload]
    if not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions):
        return _api_error(400, "invalid_request", 'Send an object or {"actions": [objects]}.')
    results = []
    try:
        for action in actions:
            results.append(_apply_action(tenant, action))
    except (ValueError, TypeError, KeyError) as problem:
        return _api_error(400, "invalid_request", str(problem))
    tenant.refresh_from_db()
    return _json({"tenantId": tenant.public_id, "revision": tenant.revision, "results": results})


def _apply_action(tenant: SandboxTenant, action: dict[str, Any]) -> dict[str, Any]:
    name = action.get("action")
    if name == "fail":
        retry_after = action.get("retry_after")
        fault = faults.fail_next(
            tenant,
            int(action["status"]),
            count=int(action.get("count", 1)),
            retry_after=None if retry_after is None else int(retry_after),
        )
        return {"action": name, "fault": fault.pk}
    if name == "delay":
        fault = faults.delay_next(
            tenant, float(action["seconds"]), count=int(action.get("count", 1))
        )
        return {"action": name, "fault": fault.pk}
    if name == "expire_tokens":
        return {"action": name, "expired": faults.expire_access_tokens(tenant)}
    if name == "revoke_consent":
        return {"action": name, "revoked": faults.revoke_consent(tenant)}
    if name == "rate_limit":
        faults.set_rate_limit(tenant, int(action["per_minute"]))
        return {"action": name}
    if name == "token_ttl":
        seconds = action.get("seconds")
        faults.set_access_token_ttl(tenant, None if seconds is None else int(seconds))
        return {"action": name}
    if name == "bump_revision":
        return {"action": name, "revision": faults.bump_revision(tenant)}
    if name == "clear":
        return {"action": name, "cleared": faults.clear(tenant)}
    raise ValueError(f"Unknown action {name!r}.")
