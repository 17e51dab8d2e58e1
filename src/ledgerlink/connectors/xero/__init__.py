"""Xero as a data source: OAuth 2.0 with PKCE and rotating refresh tokens, the connections
list (one token may reach several organisations), and the Accounting API under Xero's
rate limits. Importing this package registers the connector as "xero"; it is offered to
clients only when XERO_CLIENT_ID and XERO_CLIENT_SECRET are set."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ledgerlink.connectors import oauth2, registry
from ledgerlink.connectors.base import (
    FetchContext,
    MapResult,
    Page,
    RetryableError,
    Tenant,
    TokenSet,
)
from ledgerlink.connectors.xero import client, mappers, streams
from ledgerlink.ledger.records import DataType

__all__ = ["XeroConnector"]


class XeroConnector:
    key = "xero"
    name = "Xero"
    data_types: tuple[str, ...] = DataType.ALL
    page_size = streams.PAGE_SIZE

    def is_configured(self) -> bool:
        app = client.app()
        return bool(app.client_id and app.client_secret)

    def authorisation_url(self, *, redirect_uri: str, state: str, code_verifier: str) -> str:
        return oauth2.authorisation_url(
            client.app(), redirect_uri=redirect_uri, state=state, code_verifier=code_verifier
        )

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
        return oauth2.exchange_code(
            client.app(), code=code, redirect_uri=redirect_uri, code_verifier=code_verifier
        )

    def refresh(self, token: TokenSet) -> TokenSet:
        return oauth2.refresh(client.app(), token)

    def revoke(self, token: TokenSet) -> None:
        oauth2.revoke(client.app(), client.revoke_url(), token)

    def tenants(self, token: TokenSet) -> list[Tenant]:
        """The organisations this token reaches, most recently connected first (so the one
        the client just chose at Xero comes first)."""
        with client.XeroApi() as api:
            body = api.get("/connections", access_token=token.access_token)
        if not isinstance(body, list):
            raise RetryableError("Xero sent a malformed connections list")
        found: list[tuple[str, Tenant]] = []
        for item in body:
            if not isinstance(item, dict) or item.get("tenantType") not in (None, "ORGANISATION"):
                continue
            tenant_id, name = item.get("tenantId"), item.get("tenantName")
            if isinstance(tenant_id, str) and tenant_id:
                created = str(item.get("updatedDateUtc") or item.get("createdDateUtc") or "")
                found.append((created, Tenant(id=tenant_id, name=str(name or tenant_id)[:300])))
        found.sort(key=lambda pair: pair[0], reverse=True)
        return [tenant for _, tenant in found]

    def fetch(self, context: FetchContext) -> Iterator[Page]:
        page_size = int(context.options.get("page_size", self.page_size))
        with client.XeroApi() as api:
            yield from streams.fetch(api, context, page_size)

    def map(self, data_type: str, raw: dict[str, Any]) -> MapResult:
        return mappers.map_record(data_type, raw)


registry.register("xero", XeroConnector)
