"""QuickBooks Online as a data source: Intuit OAuth 2.0 with PKCE and rotating refresh
tokens, the company (realm) named on the redirect, and the Accounting API under Intuit's
rate limits. Importing this package registers the connector as "quickbooks"; it is offered
to clients only when QBO_CLIENT_ID and QBO_CLIENT_SECRET are set."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ledgerlink.connectors import oauth2, registry
from ledgerlink.connectors.base import (
    AuthorisationError,
    FetchContext,
    MapResult,
    Page,
    Tenant,
    TokenSet,
)
from ledgerlink.connectors.qbo import client, mappers, streams
from ledgerlink.ledger.records import DataType

__all__ = ["QuickBooksConnector"]
REALM = re.compile(r"^[0-9]{1,25}$")


class QuickBooksConnector:
    key = "quickbooks"
    name = "QuickBooks Online"
    data_types: tuple[str, ...] = DataType.ALL
    page_size = streams.PAGE_SIZE
    # Deletions are only visible through CDC, which looks back 30 days: an older watermark
    # makes the engine read everything and mark what was not returned as deleted.
    incremental_horizon = streams.CDC_LOOKBACK

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
        oauth2.revoke(client.app(), client.revoke_url(), token, json_body=True)

    def tenants(self, token: TokenSet) -> list[Tenant]:
        """A QuickBooks token reaches the one company chosen at Intuit, named only on the
        redirect (see tenants_from_callback)."""
        return []

    def tenants_from_callback(self, token: TokenSet, params: Mapping[str, str]) -> list[Tenant]:
        realm = params.get("realmId", "")
        if not REALM.match(realm):
            raise AuthorisationError("QuickBooks did not say which company was chosen")
        with client.QboApi() as api:
            body = api.get(realm, f"companyinfo/{realm}", access_token=token.access_token)
        info = body.get("CompanyInfo") if isinstance(body, dict) else None
        name = info.get("CompanyName") if isinstance(info, dict) else None
        return [Tenant(id=realm, name=str(name or realm)[:300])]

    def fetch(self, context: FetchContext) -> Iterator[Page]:
        page_size = int(context.options.get("page_size", self.page_size))
        with client.QboApi() as api:
            yield from streams.fetch(api, context, page_size)

    def map(self, data_type: str, raw: dict[str, Any]) -> MapResult:
        return mappers.map_record(data_type, raw)


registry.register("quickbooks", QuickBooksConnector)
