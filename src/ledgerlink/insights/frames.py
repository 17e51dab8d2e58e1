"""The input frames of the insights: one Polars frame per ledger table, columns as in the ledger.

The Django side (a loader in `reports`) reads the ledger tables of a company, and of every
entity of a multi-entity parent, into these frames; nothing here touches a database. Column
names are the ledger model's field names (`src/ledgerlink/ledger/models.py`) plus
`company_id` / `company_name` on every frame, so one set of frames can carry several entities.
Related records are joined by their ids at the source (`supplier_source_id`, `bill_source_id`,
`payment_account_source_id`), exactly as the ledger keeps them, never by database keys.

Money
-----
Amounts are `Decimal(20, 4)` and exchange rates `Decimal(20, 10)`, the ledger's own types, so
a frame is an exact copy of the table. Float64 was considered for speed and rejected for the
*inputs*: a rate like 0.3 is not representable, so `1.25 × 0.3` computed in floats gives
0.37499… and rounds to 0.37 where the exact product 0.375 rounds to 0.38; a total built that
way would not reconcile to the cent with the records. Inside, the insights convert every
record once, exactly (128-bit integer arithmetic), to a whole number of minor units of the
base currency (`amount × exchange_rate`, rounded half away from zero to the currency's
decimals), and every count, sum and share is computed on those integers. Result frames give
money as Float64 in currency units, each value being the double nearest to an exact cent
amount, so every total printed reconciles to the cent with the rows it sums; averages and
shares are plain Float64.

Which records
-------------
Frames may hold more than the reporting period: the insights select by date and status
themselves (void, draft and deleted bills, deleted payments and expenses, refunds). The loader
should pass, per company:

- `companies`: one row per company in the report (the parent and each entity);
- `suppliers`, `accounts`: all (deleted ones may be left out or flagged);
- `bills`: at least those issued in the period (bills outside it are used only to find the
  supplier of a payment that names none);
- `bill_payments`, `expenses`: at least those dated from 12 months before the period end (or
  the period start if earlier) to the period end: "has accepted credit card in the last 12
  months" looks back 12 months from the period end;
- `allocations`: the allocations of the non-deleted payments to the bills above, whatever
  their date, with the payment's date (a bill's settlement date may fall after the period).

Strings are never null after `conform` (blank is `""`), as in the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import polars as pl

MONEY = pl.Decimal(20, 4)
RATE = pl.Decimal(20, 10)
TIMESTAMP = pl.Datetime("us", "UTC")

Schema = Mapping[str, pl.DataType]

COMPANIES: Schema = {
    "company_id": pl.Int64(),
    # ledgerlink's own name for the company (Company.name): used on entity rows and raw tabs.
    "company_name": pl.String(),
    # CompanyInfo, as the platform reports it.
    "legal_name": pl.String(),
    "base_currency": pl.String(),
    "registration_number": pl.String(),
    "tax_number": pl.String(),
    "phone": pl.String(),
    "website": pl.String(),
    # One formatted line per address of CompanyInfo.addresses.
    "addresses": pl.List(pl.String()),
}

SUPPLIERS: Schema = {
    "company_id": pl.Int64(),
    "company_name": pl.String(),
    "source": pl.String(),
    "source_id": pl.String(),
    "name": pl.String(),
    "contact_name": pl.String(),
    "email": pl.String(),
    "phone": pl.String(),
    "address_line1": pl.String(),
    "address_line2": pl.String(),
    "city": pl.String(),
    "region": pl.String(),
    "postal_code": pl.String(),
    "country": pl.String(),
    "tax_number": pl.String(),
    "registration_number": pl.String(),
    "default_terms_days": pl.Int32(),
    "default_payment_method": pl.String(),
    "status": pl.String(),
    "first_seen_at": TIMESTAMP,
    "is_deleted": pl.Boolean(),
}

BILLS: Schema = {
    "company_id": pl.Int64(),
    "company_name": pl.String(),
    "source": pl.String(),
    "source_id": pl.String(),
    "supplier_source_id": pl.String(),
    "reference": pl.String(),
    "issue_date": pl.Date(),
    "due_date": pl.Date(),
    "currency": pl.String(),
    "exchange_rate": RATE,
    "total_amount": MONEY,
    "amount_due": MONEY,
    # BillStatus values: open, partially_paid, paid, void, draft.
    "status": pl.String(),
    "is_deleted": pl.Boolean(),
}

BILL_PAYMENTS: Schema = {
    "company_id": pl.Int64(),
    "company_name": pl.String(),
    "source": pl.String(),
    "source_id": pl.String(),
    "supplier_source_id": pl.String(),
    "payment_date": pl.Date(),
    "currency": pl.String(),
    "exchange_rate": RATE,
    "amount": MONEY,
    "method_raw": pl.String(),
    "payment_account_source_id": pl.String(),
    "payment_account_name": pl.String(),
    "reference": pl.String(),
    "is_deleted": pl.Boolean(),
}

ALLOCATIONS: Schema = {
    "company_id": pl.Int64(),
    # BillPayment.source_id of the payment the allocation belongs to.
    "payment_source_id": pl.String(),
    "bill_source_id": pl.String(),
    # In the bill's currency (the payment's currency is the bill's).
    "amount": MONEY,
    "allocated_on": pl.Date(),
    # The payment's date: the allocation's date when `allocated_on` is blank.
    "payment_date": pl.Date(),
}

EXPENSES: Schema = {
    "company_id": pl.Int64(),
    "company_name": pl.String(),
    "source": pl.String(),
    "source_id": pl.String(),
    "supplier_source_id": pl.String(),
    "supplier_name": pl.String(),
    "expense_date": pl.Date(),
    "currency": pl.String(),
    "exchange_rate": RATE,
    "amount": MONEY,
    "method_raw": pl.String(),
    "payment_account_source_id": pl.String(),
    "payment_account_name": pl.String(),
    "reference": pl.String(),
    "account_source_id": pl.String(),
    "is_deleted": pl.Boolean(),
}

ACCOUNTS: Schema = {
    "company_id": pl.Int64(),
    "source_id": pl.String(),
    "code": pl.String(),
    "name": pl.String(),
    "type": pl.String(),
    "classification": pl.String(),
    "is_payment_account": pl.Boolean(),
    # bank, credit_card, cash, paypal, other (or blank)
    "payment_account_type": pl.String(),
    "currency": pl.String(),
    "is_active": pl.Boolean(),
    "is_deleted": pl.Boolean(),
}

SCHEMAS: dict[str, Schema] = {
    "companies": COMPANIES,
    "suppliers": SUPPLIERS,
    "bills": BILLS,
    "bill_payments": BILL_PAYMENTS,
    "allocations": ALLOCATIONS,
    "expenses": EXPENSES,
    "accounts": ACCOUNTS,
}

# Columns a frame must have; every other column of the schema gets its blank default.
REQUIRED: dict[str, tuple[str, ...]] = {
    "companies": ("company_id",),
    "suppliers": ("company_id", "source_id"),
    "bills": ("company_id", "source_id", "supplier_source_id", "issue_date", "total_amount"),
    "bill_payments": ("company_id", "source_id", "payment_date", "amount"),
    "allocations": ("company_id", "payment_source_id", "bill_source_id", "amount"),
    "expenses": ("company_id", "source_id", "expense_date", "amount"),
    "accounts": ("company_id", "source_id"),
}


class FrameError(ValueError):
    """A frame lacks a required column or has one that cannot take the schema's type."""


def _default(name: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.String():
        return pl.lit("", dtype=pl.String())
    if dtype == pl.Boolean():
        return pl.lit(name == "is_active", dtype=pl.Boolean())
    if name == "exchange_rate":
        return pl.lit(1, dtype=pl.Int64()).cast(dtype)
    if name == "amount_due":
        return pl.col("total_amount").cast(dtype)
    return pl.lit(None, dtype=dtype)


def conform(frame: pl.DataFrame, schema: Schema, *, name: str = "frame") -> pl.DataFrame:
    """The frame with exactly the schema's columns, in order and types; blanks filled.

    Missing optional columns get their default (blank text, no date, rate 1, amount due =
    total, not deleted, active); null text becomes `""`. Extra columns are dropped. Amounts
    given as Float64 or text are cast to the exact Decimal types.
    """
    required = REQUIRED.get(name, ())
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise FrameError(f"{name}: missing column(s) {', '.join(missing)}")
    exprs: list[pl.Expr] = []
    for column, dtype in schema.items():
        if column not in frame.columns:
            exprs.append(_default(column, dtype).alias(column))
            continue
        expr = pl.col(column)
        current = frame.schema[column]
        if current != dtype:
            if isinstance(dtype, pl.Decimal) and current == pl.String():
                expr = expr.str.strip_chars()
            expr = expr.cast(dtype, strict=True)
        if dtype == pl.String():
            expr = expr.fill_null("")
        elif dtype == pl.Boolean():
            expr = expr.fill_null(column == "is_active")
        elif column == "exchange_rate":
            expr = expr.fill_null(pl.lit(1, dtype=pl.Int64()).cast(dtype))
        exprs.append(expr.alias(column))
    try:
        out = frame.select(exprs)
        if "amount_due" in schema:
            out = out.with_columns(pl.col("amount_due").fill_null(pl.col("total_amount")))
        return out
    except pl.exceptions.PolarsError as exc:
        raise FrameError(f"{name}: {exc}") from exc


def empty(name: str) -> pl.DataFrame:
    """An empty frame of the named schema."""
    return pl.DataFrame(schema=dict(SCHEMAS[name]))


@dataclass(frozen=True, slots=True)
class LedgerFrames:
    """The ledger of one report subject (a company, or a parent with its entities)."""

    companies: pl.DataFrame
    suppliers: pl.DataFrame
    bills: pl.DataFrame
    bill_payments: pl.DataFrame
    allocations: pl.DataFrame
    expenses: pl.DataFrame
    accounts: pl.DataFrame

    @classmethod
    def build(cls, **frames: pl.DataFrame | None) -> LedgerFrames:
        """Conform each given frame to its schema; frames not given are empty."""
        unknown = set(frames) - set(SCHEMAS)
        if unknown:
            raise FrameError(f"unknown frame(s): {', '.join(sorted(unknown))}")
        built: dict[str, Any] = {}
        for name, schema in SCHEMAS.items():
            given = frames.get(name)
            built[name] = empty(name) if given is None else conform(given, schema, name=name)
        return cls(**built)

    def replace(self, **frames: pl.DataFrame) -> LedgerFrames:
        current = {f.name: getattr(self, f.name) for f in fields(self)}
        current.update(frames)
        return LedgerFrames.build(**current)

    @property
    def row_counts(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name).height for f in fields(self)}
