"""A small ledger builder for hand-computed fixtures: rows in, `LedgerFrames` out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import polars as pl

from ledgerlink.insights.frames import SCHEMAS, LedgerFrames

D = Decimal


def day(text: str) -> date:
    return date.fromisoformat(text)


@dataclass
class Ledger:
    company_id: int = 1
    company_name: str = "Acme Trading Ltd"
    rows: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in SCHEMAS}
    )

    def _company(self, company_id: int | None) -> dict[str, Any]:
        cid = self.company_id if company_id is None else company_id
        name = self.company_name if company_id is None else f"Entity {cid}"
        return {"company_id": cid, "company_name": name}

    def company(self, company_id: int | None = None, **values: Any) -> Ledger:
        row = self._company(company_id)
        row.update(values)
        if company_id is not None and "company_name" in values:
            row["company_name"] = values["company_name"]
        self.rows["companies"].append(row)
        return self

    def supplier(
        self, source_id: str, name: str, *, company_id: int | None = None, **values: Any
    ) -> Ledger:
        row = {
            **self._company(company_id),
            "source_id": source_id,
            "name": name,
            "first_seen_at": datetime(2024, 1, 5, 9, 30, tzinfo=UTC),
        }
        row.update(values)
        self.rows["suppliers"].append(row)
        return self

    def bill(
        self,
        source_id: str,
        supplier: str,
        issue: str,
        total: str,
        *,
        due: str | None = None,
        amount_due: str = "0",
        status: str = "paid",
        currency: str = "GBP",
        rate: str = "1",
        company_id: int | None = None,
        **values: Any,
    ) -> Ledger:
        row = {
            **self._company(company_id),
            "source_id": source_id,
            "supplier_source_id": supplier,
            "issue_date": day(issue),
            "due_date": day(due) if due else None,
            "total_amount": D(total),
            "amount_due": D(amount_due),
            "status": status,
            "currency": currency,
            "exchange_rate": D(rate),
        }
        row.update(values)
        self.rows["bills"].append(row)
        return self

    def payment(
        self,
        source_id: str,
        supplier: str,
        when: str,
        amount: str,
        *,
        pays: tuple[tuple[str, str], ...] | list[tuple[str, str]] = (),
        allocated_on: str | None = None,
        method_raw: str = "",
        account_id: str = "",
        account_name: str = "",
        reference: str = "",
        currency: str = "GBP",
        rate: str = "1",
        company_id: int | None = None,
        **values: Any,
    ) -> Ledger:
        company = self._company(company_id)
        row = {
            **company,
            "source_id": source_id,
            "supplier_source_id": supplier,
            "payment_date": day(when),
            "amount": D(amount),
            "method_raw": method_raw,
            "payment_account_source_id": account_id,
            "payment_account_name": account_name,
            "reference": reference,
            "currency": currency,
            "exchange_rate": D(rate),
        }
        row.update(values)
        self.rows["bill_payments"].append(row)
        for bill_id, part in pays:
            self.rows["allocations"].append(
                {
                    "company_id": company["company_id"],
                    "payment_source_id": source_id,
                    "bill_source_id": bill_id,
                    "amount": D(part),
                    "allocated_on": day(allocated_on) if allocated_on else None,
                    "payment_date": day(when),
                }
            )
        return self

    def expense(
        self,
        source_id: str,
        supplier: str,
        when: str,
        amount: str,
        *,
        supplier_name: str = "",
        method_raw: str = "",
        account_id: str = "",
        account_name: str = "",
        reference: str = "",
        currency: str = "GBP",
        rate: str = "1",
        company_id: int | None = None,
        **values: Any,
    ) -> Ledger:
        row = {
            **self._company(company_id),
            "source_id": source_id,
            "supplier_source_id": supplier,
            "supplier_name": supplier_name,
            "expense_date": day(when),
            "amount": D(amount),
            "method_raw": method_raw,
            "payment_account_source_id": account_id,
            "payment_account_name": account_name,
            "reference": reference,
            "currency": currency,
            "exchange_rate": D(rate),
        }
        row.update(values)
        self.rows["expenses"].append(row)
        return self

    def account(
        self,
        source_id: str,
        name: str,
        *,
        type: str = "",
        payment_account_type: str = "",
        company_id: int | None = None,
    ) -> Ledger:
        self.rows["accounts"].append(
            {
                "company_id": self._company(company_id)["company_id"],
                "source_id": source_id,
                "name": name,
                "type": type,
                "payment_account_type": payment_account_type,
                "is_payment_account": True,
            }
        )
        return self

    def frames(self) -> LedgerFrames:
        built: dict[str, pl.DataFrame] = {}
        for name, rows in self.rows.items():
            if not rows:
                continue
            columns = sorted({key for row in rows for key in row})
            schema = {c: SCHEMAS[name][c] for c in columns}
            data = {c: [row.get(c) for row in rows] for c in columns}
            built[name] = pl.DataFrame(data, schema=schema)
        return LedgerFrames.build(**built)
