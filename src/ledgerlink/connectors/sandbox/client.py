"""HTTP to the sandbox platform's data API, with every failure classified for the sync engine."""

from __future__ import annotations

import email.utils
import functools
import ssl
from datetime import UTC, datetime
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

# Explicit limits on every phase of a request: a stuck platform must not hang a worker.
TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=10.0, pool=5.0)
USER_AGENT = "ledgerlink-sandbox-connector/1"


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The verifying TLS context every client shares: building one loads the whole CA
    bundle (tens of milliseconds), which a client per page or data type would repeat."""
    return httpx.create_ssl_context()


def base_url() -> str:
    """Where the sandbox platform lives (settings.LEDGERLINK_SANDBOX_URL)."""
    url = getattr(settings, "LEDGERLINK_SANDBOX_URL", "") or (
        str(getattr(settings, "LEDGERLINK_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")
        + "/sandbox"
    )
    return str(url).rstrip("/")


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def _error_code(response: httpx.Response) -> tuple[str, str]:
    """(error, description) from a JSON error body, ("", "") when there is none."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    error, description = body.get("error"), body.get("error_description")
    return (
        error if isinstance(error, str) else "",
        description if isinstance(description, str) else "",
    )


def classify(response: httpx.Response) -> ConnectorError | None:
    """None for success; otherwise the error that tells the caller what to do."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    error, description = _error_code(response)
    detail = f"sandbox answered {status}" + (f" {error}" if error else "")
    if description:
        detail += f": {description}"
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    if status == 429:
        return RateLimitedError(detail, retry_after=retry_after)
    if status >= 500 or status == 408:
        return RetryableError(detail, retry_after=retry_after)
    if status == 401:
        if error == "token_expired":
            return TokenExpiredError(detail)
        return AuthorisationError(detail)
    if status == 403 and error in ("consent_revoked", "invalid_token"):
        return AuthorisationError(detail)
    if 300 <= status < 400:
        return PermanentError(f"sandbox answered with an unexpected redirect ({status})")
    return PermanentError(detail)


def transport_error(error: httpx.HTTPError) -> ConnectorError:
    """Network-level failures: timeouts and broken connections are worth retrying."""
    if isinstance(error, httpx.TimeoutException):
        return RetryableError(f"sandbox timed out ({type(error).__name__})")
    if isinstance(error, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return PermanentError(f"the sandbox URL is not usable: {error}")
    return RetryableError(f"could not reach the sandbox ({type(error).__name__}: {error})")


class SandboxApi:
    """A small client for GET requests to the data API. Use it as a context manager."""

    def __init__(self, url: str | None = None, *, transport: httpx.BaseTransport | None = None):
        self._client = httpx.Client(
            base_url=url or base_url(),
            timeout=TIMEOUT,
            follow_redirects=False,
            verify=tls_context(),
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            transport=transport,
        )

    def __enter__(self) -> SandboxApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(
        self,
        path: str,
        *,
        access_token: str,
        tenant_id: str | None = None,
        params: dict[str, str | int] | None = None,
    ) -> Any:
        """The parsed JSON body of a successful response, or a classified ConnectorError."""
        content = self.get_bytes(
            path, access_token=access_token, tenant_id=tenant_id, params=params
        )
        return parse_json(content, path)

    def get_bytes(
        self,
        path: str,
        *,
        access_token: str,
        tenant_id: str | None = None,
        params: dict[str, str | int] | None = None,
    ) -> bytes:
        """The body of a successful response, or a classified ConnectorError."""
        headers = {"Authorization": f"Bearer {access_token}"}
        if tenant_id is not None:
            headers["Sandbox-Tenant-Id"] = tenant_id
        try:
            with self._client.stream("GET", path, headers=headers, params=params) as response:
                if 200 <= response.status_code < 300:
                    # Not `response.read()`: httpx keeps a response in a reference cycle, so
                    # a body stored on it (megabytes a page) would wait for the cyclic GC.
                    return b"".join(response.iter_bytes())
                response.read()
        except httpx.HTTPError as error:
            raise transport_error(error) from error
        problem = classify(response)
        if problem is not None:
            raise problem
        return response.content


def parse_json(content: bytes, path: str) -> Any:
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as error:
        # A truncated or garbled body is usually a transient proxy or network fault.
        raise RetryableError(f"sandbox sent malformed JSON from {path}: {error}") from error
