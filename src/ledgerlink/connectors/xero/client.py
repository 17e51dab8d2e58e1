"""HTTP to Xero's identity and Accounting APIs: settings, the per-tenant limiter, and every
answer classified for the sync engine (retry, refresh, re-authorise, pause, fail)."""

from __future__ import annotations

import functools
from typing import Any

import httpx
import orjson
from django.conf import settings

from ledgerlink.connectors.base import (
    AuthorisationError,
    ConnectorError,
    PermanentError,
    RateLimitedError,
    RetryableError,
    TokenExpiredError,
)
from ledgerlink.connectors.limiter import Limit, RateLimiter
from ledgerlink.connectors.oauth2 import OAuthApp
from ledgerlink.connectors.sandbox.client import retry_after_seconds

TIMEOUT = httpx.Timeout(connect=5.0, read=120.0, write=10.0, pool=30.0)
USER_AGENT = "ledgerlink-xero-connector/1"
# Granular read scopes (required of apps created from March 2026) and offline_access for a
# refresh token. Apps registered before then may set XERO_SCOPES to the broad ones.
SCOPES = (
    "offline_access accounting.contacts.read accounting.settings.read accounting.invoices.read "
    "accounting.payments.read accounting.banktransactions.read "
    "accounting.reports.profitandloss.read accounting.reports.balancesheet.read"
)


def setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def api_url() -> str:
    return str(setting("XERO_API_URL", "https://api.xero.com")).rstrip("/")


def app() -> OAuthApp:
    return OAuthApp(
        platform="Xero",
        client_id=str(setting("XERO_CLIENT_ID", "")),
        client_secret=str(setting("XERO_CLIENT_SECRET", "")),
        authorize_url=str(
            setting("XERO_AUTHORIZE_URL", "https://login.xero.com/identity/connect/authorize")
        ),
        token_url=str(setting("XERO_TOKEN_URL", "https://identity.xero.com/connect/token")),
        scope=" ".join(setting("XERO_SCOPES", None) or SCOPES.split()),
        user_agent=USER_AGENT,
    )


def revoke_url() -> str:
    return str(setting("XERO_REVOKE_URL", "https://identity.xero.com/connect/revocation"))


@functools.cache
def _limiter(per_minute: int, concurrency: int, speedup: float) -> RateLimiter:
    return RateLimiter(
        (Limit(per_minute, 60), Limit(10_000, 60, per_tenant=False)),
        concurrency=concurrency,
        speedup=speedup,
    )


def limiter() -> RateLimiter:
    """Xero's documented limits: 60 calls a minute and 5 in flight per tenant, 10,000 a
    minute per app (the 5,000-a-day allowance is met with a pause, see classify)."""
    return _limiter(
        int(setting("XERO_CALLS_PER_MINUTE", 60)),
        int(setting("XERO_CONCURRENT_CALLS", 5)),
        float(setting("LEDGERLINK_RATE_LIMIT_SPEEDUP", 1)),
    )


def _detail(response: httpx.Response) -> str:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text[:200]
    if isinstance(body, dict):
        for key in ("Detail", "Message", "error", "Title"):
            if isinstance(body.get(key), str) and body[key]:
                return str(body[key])[:300]
    return ""


def classify(response: httpx.Response) -> ConnectorError | None:
    status = response.status_code
    if 200 <= status < 300 or status == 304:
        return None
    detail = _detail(response)
    message = f"Xero answered {status}" + (f": {detail}" if detail else "")
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    if status == 429:
        problem = response.headers.get("X-Rate-Limit-Problem", "").lower()
        daily = problem.startswith("day")
        return RateLimitedError(
            message + (f" ({problem} limit)" if problem else ""),
            retry_after=retry_after,
            daily=daily,
        )
    if status >= 500 or status == 408:
        return RetryableError(message, retry_after=retry_after)
    if status == 401:
        authenticate = response.headers.get("WWW-Authenticate", "")
        if "TokenExpired" in detail or "expired" in authenticate.lower():
            return TokenExpiredError(message)
        return AuthorisationError(message)
    if status == 403:
        # The organisation was disconnected from ledgerlink or the scopes were withdrawn.
        return AuthorisationError(message)
    return PermanentError(message)


class XeroApi:
    """GETs to Xero for one tenant, under the limiter. Use as a context manager."""

    def __init__(self, base: str | None = None) -> None:
        self._client = httpx.Client(
            base_url=base or api_url(),
            timeout=TIMEOUT,
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
        )
        self.limiter = limiter()

    def __enter__(self) -> XeroApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    def get(
        self,
        path: str,
        *,
        access_token: str,
        tenant_id: str = "",
        params: dict[str, str | int] | None = None,
        modified_since: str = "",
    ) -> Any:
        headers = {"Authorization": f"Bearer {access_token}"}
        if tenant_id:
            headers["xero-tenant-id"] = tenant_id
        if modified_since:
            headers["If-Modified-Since"] = modified_since
        try:
            with self.limiter.acquire(tenant_id or "identity"):
                response = self._client.get(path, headers=headers, params=params)
        except httpx.TimeoutException as error:
            raise RetryableError(f"Xero timed out ({type(error).__name__})") from error
        except httpx.HTTPError as error:
            raise RetryableError(f"could not reach Xero ({type(error).__name__})") from error
        if response.headers.get("X-MinLimit-Remaining") == "0" and tenant_id:
            self.limiter.exhaust(tenant_id)
        problem = classify(response)
        if problem is not None:
            if isinstance(problem, RateLimitedError) and tenant_id and not problem.daily:
                self.limiter.exhaust(tenant_id, problem.retry_after)
            raise problem
        if response.status_code == 304 or not response.content:
            return {}
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as error:
            raise RetryableError(f"Xero sent malformed JSON from {path}") from error
