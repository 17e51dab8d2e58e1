"""An in-process connector for engine tests: scripted pages and scripted failures."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ledgerlink.connectors import registry
from ledgerlink.connectors.base import FetchContext, MapResult, Page, Tenant, TokenSet
from ledgerlink.ledger.records import (
    AccountRecord,
    Allocation,
    BillPaymentRecord,
    BillRecord,
    DataType,
    Deleted,
    SupplierRecord,
)


@dataclass
class FakeConnector:
    key: str = "fake"
    name: str = "Fake Books"
    data_types: tuple[str, ...] = (
        DataType.ACCOUNTS,
        DataType.SUPPLIERS,
        DataType.BILLS,
        DataType.BILL_PAYMENTS,
    )
    page_size: int = 3
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # (data_type, page index) -> exception raised instead of serving that page (once).
    failures: dict[tuple[str, int], list[Exception]] = field(default_factory=dict)
    fetched: list[tuple[str, int]] = field(default_factory=list)
    refreshed: int = 0
    refresh_error: Exception | None = None  # raised by every refresh
    refresh_failures: list[Exception] = field(default_factory=list)  # raised once each

    def is_configured(self) -> bool:
        return True

    def authorisation_url(self, *, redirect_uri: str, state: str, code_verifier: str) -> str:
        return f"https://fake.test/authorize?state={state}"

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
        return TokenSet("access-1", "refresh-1", timezone.now() + timedelta(minutes=30))

    def refresh(self, token: TokenSet) -> TokenSet:
        if self.refresh_error is not None:
            raise self.refresh_error
        if self.refresh_failures:
            raise self.refresh_failures.pop(0)
        self.refreshed += 1
        return TokenSet(
            f"access-r{self.refreshed}",
            f"refresh-r{self.refreshed}",
            timezone.now() + timedelta(minutes=30),
        )

    def revoke(self, token: TokenSet) -> None:
        pass

    def tenants(self, token: TokenSet) -> list[Tenant]:
        return [Tenant("t-1", "Fake Tenant Ltd")]

    def fetch(self, context: FetchContext) -> Iterator[Page]:
        rows = [
            r
            for r in self.records.get(context.data_type, [])
            if context.modified_since is None or r["updated"] > context.modified_since
        ]
        index = int(context.cursor or 0)
        while True:
            queued = self.failures.get((context.data_type, index))
            if queued:
                raise queued.pop(0)
            self.fetched.append((context.data_type, index))
            chunk = rows[index * self.page_size : (index + 1) * self.page_size]
            more = (index + 1) * self.page_size < len(rows)
            yield Page(
                chunk,
                str(index + 1) if more else None,
                max((r["updated"] for r in chunk), default=None),
            )
            if not more:
                return
            index += 1

    def map(self, data_type: str, raw: dict[str, Any]) -> MapResult:
        if raw.get("broken"):
            return MapResult(problem="amount is not a number")
        if raw.get("deleted"):
            return MapResult(Deleted(raw["id"]))
        if data_type == DataType.ACCOUNTS:
            return MapResult(AccountRecord(raw["id"], raw["name"], is_payment_account=True))
        if data_type == DataType.SUPPLIERS:
            return MapResult(SupplierRecord(raw["id"], raw["name"]))
        if data_type == DataType.BILLS:
            return MapResult(
                BillRecord(
                    raw["id"],
                    raw["supplier"],
                    date(2026, 1, 5),
                    "GBP",
                    Decimal(raw["total"]),
                    Decimal(raw["due"]),
                    "open" if Decimal(raw["due"]) else "paid",
                )
            )
        return MapResult(
            BillPaymentRecord(
                raw["id"],
                date(2026, 2, 1),
                "GBP",
                Decimal(raw["amount"]),
                supplier_source_id=raw["supplier"],
                payment_account_source_id=raw["account"],
                allocations=[Allocation(raw["bill"], Decimal(raw["amount"]))],
            )
        )


def sample_records(suppliers: int = 5, bills_per_supplier: int = 2) -> dict[str, list[dict]]:
    updated = "2026-01-01T00:00:00Z"
    data: dict[str, list[dict]] = {
        DataType.ACCOUNTS: [
            {"id": "acc-card", "name": "Amex Business Card", "updated": updated},
            {"id": "acc-bank", "name": "Barclays Current", "updated": updated},
        ],
        DataType.SUPPLIERS: [
            {"id": f"s{i}", "name": f"Supplier {i}", "updated": updated} for i in range(suppliers)
        ],
        DataType.BILLS: [],
        DataType.BILL_PAYMENTS: [],
    }
    for i in range(suppliers):
        for j in range(bills_per_supplier):
            bill = f"b{i}-{j}"
            data[DataType.BILLS].append(
                {
                    "id": bill,
                    "supplier": f"s{i}",
                    "total": "100.00",
                    "due": "40.00",
                    "updated": updated,
                }
            )
            data[DataType.BILL_PAYMENTS].append(
                {
                    "id": f"p{i}-{j}",
                    "supplier": f"s{i}",
                    "bill": bill,
                    "amount": "60.00",
                    "account": "acc-card" if j % 2 else "acc-bank",
                    "updated": updated,
                }
            )
    return data


def install(connector: FakeConnector) -> None:
    registry.register("fake", lambda: connector)
