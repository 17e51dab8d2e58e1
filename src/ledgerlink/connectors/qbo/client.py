"""HTTP to QuickBooks Online's Accounting API (v3): settings, the per-realm limiter, and
every answer classified for the sync engine."""

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
USER_AGENT = "ledgerlink-qbo-connector/1"
SCOPE = "com.intuit.quickbooks.accounting"
WAIT_AFTER_429 = 60.0  # Intuit: "wait 60 seconds" (its 429s carry no Retry-After)


def setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def api_url() -> str:
    return str(setting("QBO_API_URL", "https://quickbooks.api.intuit.com")).rstrip("/")


def minor_version() -> int:
    return int(setting("QBO_MINOR_VERSION", 75))


def speedup() -> float:
    return float(setting("LEDGERLINK_RATE_LIMIT_SPEEDUP", 1))


def app() -> OAuthApp:
    return OAuthApp(
        platform="QuickBooks",
        client_id=str(setting("QBO_CLIENT_ID", "")),
        client_secret=str(setting("QBO_CLIENT_SECRET", "")),
        authorize_url=str(
            setting("QBO_AUTHORIZE_URL", "https://appcenter.intuit.com/connect/oauth2")
        ),
        token_url=str(
            setting("QBO_TOKEN_URL", "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer")
        ),
        scope=SCOPE,
        user_agent=USER_AGENT,
    )


def revoke_url() -> str:
    return str(
        setting("QBO_REVOKE_URL", "https://developer.api.intuit.com/v2/oauth2/tokens/revoke")
    )


@functools.cache
def _limiter(per_minute: int, per_second: int, concurrency: int, scale: float) -> RateLimiter:
    return RateLimiter(
        (Limit(per_minute, 60), Limit(per_second, 1)), concurrency=concurrency, speedup=scale
    )


def limiter() -> RateLimiter:
    """Intuit's documented limits per realm: 500 calls a minute, 10 a second, 10 in flight."""
    return _limiter(
        int(setting("QBO_CALLS_PER_MINUTE", 500)),
        int(setting("QBO_CALLS_PER_SECOND", 10)),
        int(setting("QBO_CONCURRENT_CALLS", 10)),
        speedup(),
    )


def _fault(response: httpx.Response) -> str:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text[:200]
    fault = body.get("Fault") if isinstance(body, dict) else None
    errors = fault.get("Error") if isinstance(fault, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("Message") or errors[0].get("Detail") or "")[:300]
    return ""


def classify(response: httpx.Response) -> ConnectorError | None:
    status = response.status_code
    if 200 <= status < 300:
        return None
    detail = _fault(response)
    message = f"QuickBooks answered {status}" + (f": {detail}" if detail else "")
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    if status == 429:
        return RateLimitedError(message, retry_after=retry_after or WAIT_AFTER_429 / speedup())
    if status >= 500 or status == 408:
        return RetryableError(message, retry_after=retry_after)
    if status == 401:
        # Intuit does not say whether the token expired or was revoked: refresh first; a
        # refused refresh (invalid_grant) then asks the client to reconnect.
        return TokenExpiredError(message)
    if status == 403:
        return AuthorisationError(message)
    return PermanentError(message)


class QboApi:
    """GETs to one realm's API under the limiter. Use as a context manager."""

    def __init__(self, base: str | None = None) -> None:
        self._client = httpx.Client(
            base_url=base or api_url(),
            timeout=TIMEOUT,
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
        )
        self.limiter = limiter()

    def __enter__(self) -> QboApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    def get(
        self,
        realm: str,
        path: str,
        *,
        access_token: str,
        params: dict[str, str | int] | None = None,
    ) -> Any:
        query: dict[str, str | int] = {**(params or {}), "minorversion": minor_version()}
        try:
            with self.limiter.acquire(realm):
                response = self._client.get(
                    f"/v3/company/{realm}/{path}",
                    headers={"Authorization": f"Bearer {access_token}"},
                    params=query,
                )
        except httpx.TimeoutException as error:
            raise RetryableError(f"QuickBooks timed out ({type(error).__name__})") from error
        except httpx.HTTPError as error:
            raise RetryableError(f"could not reach QuickBooks ({type(error).__name__})") from error
        problem = classify(response)
        if problem is not None:
            if isinstance(problem, RateLimitedError):
                self.limiter.exhaust(realm, problem.retry_after)
            raise problem
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as error:
            raise RetryableError(f"QuickBooks sent malformed JSON from {path}") from error
