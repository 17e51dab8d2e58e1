"""The one small interface every data source implements (see docs/architecture.md).

A connector describes its platform, runs the OAuth 2.0 authorisation-code flow (with PKCE),
refreshes and revokes credentials, lists the tenants (organisations) a token reaches, fetches
each data type as pages of records in the platform's own shape, and maps those records onto
the unified ledger records. It knows nothing of Django models: the sync engine stores what
it returns.

Errors are classified by what the caller should do (Singer SDK style):
`RetryableError` → back off and try again (honour `retry_after`); `AuthorisationError` →
the client must re-authorise; `PermanentError` → the run fails with the message;
`RecordError` → skip this record, report it, carry on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ledgerlink.ledger.records import LedgerInput


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str = ""
    expires_at: datetime | None = None
    scope: str = ""
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret


@dataclass(frozen=True)
class Tenant:
    """One organisation/company/realm at the platform that a token can read."""

    id: str
    name: str


@dataclass(frozen=True)
class Page:
    # Raw records as the connector's own `map` / `map_rows` take them: usually dicts of the
    # parsed JSON (the sandbox's bills, payments and expenses: msgspec structs).
    records: list[Any]
    # Opaque; give it back to `fetch` to continue after this page. None: no more pages.
    next_cursor: str | None
    # High-water mark of the source's modified times seen so far (for the next incremental).
    watermark: str | None = None


@dataclass(frozen=True)
class MapResult:
    record: LedgerInput | None = None
    problem: str = ""  # why the record could not be mapped (reported, the rest continue)


@dataclass
class FetchContext:
    """What a connector needs to read one data type for one tenant."""

    token: TokenSet
    tenant_id: str
    data_type: str
    # Resume point inside this data type (from Page.next_cursor), or None to start.
    cursor: str | None = None
    # Only records modified after this (ISO 8601), or None for a full read.
    modified_since: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


class ConnectorError(Exception):
    """Base of the classified errors."""


class RetryableError(ConnectorError):
    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimitedError(RetryableError):
    """429: slow down. `daily` when the platform's daily allowance is used up."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, daily: bool = False
    ) -> None:
        super().__init__(message, retry_after=retry_after)
        self.daily = daily


class AuthorisationError(ConnectorError):
    """The token is invalid or consent was revoked: the client must authorise again."""


class TokenExpiredError(AuthorisationError):
    """The access token expired: refresh it and retry (not yet a re-authorisation)."""


class PermanentError(ConnectorError):
    """Retrying will not help (bad configuration, unsupported data): fail the run."""


class RecordError(ConnectorError):
    """One record cannot be read or mapped; skip it and report it."""


class Connector(Protocol):
    key: str  # "sandbox", "xero", "quickbooks"
    name: str  # shown to clients
    data_types: tuple[str, ...]
    page_size: int

    def is_configured(self) -> bool: ...

    def authorisation_url(self, *, redirect_uri: str, state: str, code_verifier: str) -> str: ...

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> TokenSet: ...

    def refresh(self, token: TokenSet) -> TokenSet: ...

    def revoke(self, token: TokenSet) -> None: ...

    def tenants(self, token: TokenSet) -> list[Tenant]: ...

    def fetch(self, context: FetchContext) -> Iterator[Page]: ...

    def map(self, data_type: str, raw: dict[str, Any]) -> MapResult: ...
