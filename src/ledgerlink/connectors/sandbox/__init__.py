"""The built-in sandbox platform as a data source, reached over HTTP like any other platform.

Importing this package registers the connector as "sandbox".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings

from ledgerlink.connectors import registry
from ledgerlink.connectors.base import (
    FetchContext,
    MapResult,
    Page,
    RetryableError,
    Tenant,
    TokenSet,
)
from ledgerlink.connectors.sandbox import auth, mappers, streams
from ledgerlink.connectors.sandbox.client import SandboxApi, base_url
from ledgerlink.ledger.records import DataType

__all__ = ["SandboxConnector"]


class SandboxConnector:
    """ledgerlink's connector for the sandbox accounting platform (see connectors.base)."""

    key = "sandbox"
    name = "Sandbox Books (demo)"
    data_types: tuple[str, ...] = DataType.ALL
    # The platform's largest page: half as many requests, transactions and checkpoints as
    # 5,000 for a big company, at about 4 MB a response (a few pages are in flight at once).
    page_size = 10_000

    def __init__(self, url: str | None = None) -> None:
        self._url = url

    @property
    def url(self) -> str:
        return self._url or base_url()

    def is_configured(self) -> bool:
        if not getattr(settings, "LEDGERLINK_SANDBOX_ENABLED", True):
            return False
        client_id, secret = auth.credentials()
        return bool(client_id and secret)

    def authorisation_url(self, *, redirect_uri: str, state: str, code_verifier: str) -> str:
        return auth.authorisation_url(
            redirect_uri=redirect_uri, state=state, code_verifier=code_verifier, root=self.url
        )

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
        return auth.exchange_code(
            code=code, redirect_uri=redirect_uri, code_verifier=code_verifier, root=self.url
        )

    def refresh(self, token: TokenSet) -> TokenSet:
        return auth.refresh(token, root=self.url)

    def revoke(self, token: TokenSet) -> None:
        auth.revoke(token, root=self.url)

    def tenants(self, token: TokenSet) -> list[Tenant]:
        with SandboxApi(self.url) as api:
            body = api.get("/api/connections", access_token=token.access_token)
        if not isinstance(body, list):
            raise RetryableError("sandbox sent a malformed connections list")
        found = []
        for item in body:
            if not isinstance(item, dict):
                continue
            tenant_id, tenant_name = item.get("tenantId"), item.get("tenantName")
            if isinstance(tenant_id, str) and tenant_id:
                found.append(Tenant(id=tenant_id, name=str(tenant_name or tenant_id)[:300]))
        return found

    def fetch(self, context: FetchContext) -> Iterator[Page]:
        default = getattr(settings, "LEDGERLINK_SANDBOX_PAGE_SIZE", self.page_size)
        page_size = int(context.options.get("page_size", default))
        with SandboxApi(self.url) as api:
            yield from streams.fetch(api, context, page_size)

    def map(self, data_type: str, raw: dict[str, Any]) -> MapResult:
        return mappers.map_record(data_type, raw)

    def map_rows(
        self, data_type: str, raws: list[Any]
    ) -> tuple[tuple[str, ...] | None, list[Any], list[tuple[Any, str]]]:
        """The sync engine's fast way: a whole page straight to ledger rows (see mappers)."""
        return mappers.map_rows(data_type, raws)


registry.register("sandbox", SandboxConnector)
