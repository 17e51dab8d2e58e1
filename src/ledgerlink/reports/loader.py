"""Reading a company's ledger (and its entities') into the insights' Polars frames.

Reads go below the ORM's objects: one `values_list` query per table, columns straight into
Polars (no model instances). On PostgreSQL each query is streamed with `COPY … TO STDOUT`
as CSV and parsed by Polars, which is several times faster for a million rows; on SQLite
the rows come from the cursor. Money stays exact: amounts travel as text and are cast to
the insights' Decimal types by `LedgerFrames.build`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import polars as pl
from django.db import connection
from django.db.models import F, QuerySet

from ledgerlink.insights import LedgerFrames
from ledgerlink.insights.frames import SCHEMAS
from ledgerlink.ledger.models import (
    Account,
    Bill,
    BillPayment,
    CompanyInfo,
    Expense,
    PaymentAllocation,
    Supplier,
)
from ledgerlink.relationships.models import Company

# Bills older than the window are read too, back this far, to name the supplier of a
# payment that names none (a payment settles a bill issued before it).
BILL_LOOKBACK = timedelta(days=730)


def report_companies(company: Company) -> list[Company]:
    """The company and its entities (a parent's report covers them all)."""
    return [company, *Company.objects.filter(parent=company).order_by("name", "pk")]


def _read(qs: QuerySet[Any], names: Sequence[str], exprs: dict[str, Any]) -> pl.DataFrame:
    """The query's rows as a frame of text columns named `names` (`exprs` annotate)."""
    query = qs.order_by()
    if exprs:
        query = query.annotate(**exprs)
    values = query.values_list(*names)
    if connection.vendor == "postgresql":
        return _copy(values, names)
    rows = list(values)
    columns: list[tuple[Any, ...]] = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return pl.DataFrame(
        [
            pl.Series(name, [None if v is None else str(v) for v in column], dtype=pl.String())
            for name, column in zip(names, columns, strict=True)
        ]
    )


def _copy(values: QuerySet[Any], names: Sequence[str]) -> pl.DataFrame:
    """PostgreSQL: the query streamed as CSV by COPY, parsed by Polars."""
    sql, params = values.query.sql_with_params()
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, below Django's wrapper
        with raw.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            for chunk in copy:
                buffer.write(chunk)
    if buffer.tell() == 0:
        return pl.DataFrame(schema=dict.fromkeys(names, pl.String()))
    buffer.seek(0)
    return pl.read_csv(
        buffer,
        has_header=False,
        new_columns=list(names),
        schema=dict.fromkeys(names, pl.String()),
    )


def _typed(frame: pl.DataFrame, schema_name: str) -> pl.DataFrame:
    """Text columns cast to the schema's types (booleans, dates, ints; Decimals stay text
    until `conform`, which casts exactly)."""
    schema = SCHEMAS[schema_name]
    exprs: list[pl.Expr] = []
    for name in frame.columns:
        dtype = schema.get(name)
        col = pl.col(name)
        if dtype == pl.Boolean():
            exprs.append(col.str.to_lowercase().is_in(["t", "true", "1"]).alias(name))
        elif dtype == pl.Date():
            exprs.append(col.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False).alias(name))
        elif isinstance(dtype, pl.Datetime):
            exprs.append(
                col.str.replace(r"\+00(:00)?$", "")
                .str.replace("T", " ")
                .str.slice(0, 19)
                .str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False)
                .dt.replace_time_zone("UTC")
                .alias(name)
            )
        elif dtype in (pl.Int64(), pl.Int32()):
            exprs.append(col.cast(pl.Float64, strict=False).cast(dtype).alias(name))
        else:
            exprs.append(col)
    return frame.select(exprs)


def _with_names(frame: pl.DataFrame, names: dict[int, str]) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("company_id")
        .replace_strict(names, default="", return_dtype=pl.String())
        .alias("company_name")
    )


def load_frames(
    company: Company, *, start: date | None = None, end: date | None = None
) -> LedgerFrames:
    """The ledger of the company and its entities. With `start` and `end`, only what a
    report of that window needs (see `insights.frames`); without, everything."""
    members = report_companies(company)
    ids = [c.pk for c in members]
    names = {c.pk: c.name for c in members}
    company_info = _companies(members)

    supplier_cols = [c for c in SCHEMAS["suppliers"] if c != "company_name"]
    suppliers = _read(
        Supplier.objects.filter(company_id__in=ids, is_deleted=False),
        supplier_cols,
        {},
    )

    bills_qs = Bill.objects.filter(company_id__in=ids)
    payments_qs = BillPayment.objects.filter(company_id__in=ids)
    expenses_qs = Expense.objects.filter(company_id__in=ids)
    allocations_qs = PaymentAllocation.objects.filter(
        payment__company_id__in=ids, payment__is_deleted=False
    )
    if end is not None:
        bills_qs = bills_qs.filter(issue_date__lte=end)
        payments_qs = payments_qs.filter(payment_date__lte=end)
        expenses_qs = expenses_qs.filter(expense_date__lte=end)
    if start is not None:
        bills_qs = bills_qs.filter(issue_date__gte=start - BILL_LOOKBACK)
        payments_qs = payments_qs.filter(payment_date__gte=start)
        expenses_qs = expenses_qs.filter(expense_date__gte=start)
        allocations_qs = allocations_qs.filter(payment__payment_date__gte=start - BILL_LOOKBACK)

    bill_cols = [c for c in SCHEMAS["bills"] if c != "company_name"]
    bills = _read(bills_qs, bill_cols, {})
    payment_cols = [c for c in SCHEMAS["bill_payments"] if c != "company_name"]
    payments = _read(payments_qs, payment_cols, {})
    expense_cols = [c for c in SCHEMAS["expenses"] if c != "company_name"]
    expenses = _read(expenses_qs, expense_cols, {})
    allocations = _read(
        allocations_qs,
        ["a_company", "a_payment", "bill_source_id", "amount", "allocated_on", "a_date"],
        {
            "a_company": F("payment__company_id"),
            "a_payment": F("payment__source_id"),
            "a_date": F("payment__payment_date"),
        },
    ).rename(
        {"a_company": "company_id", "a_payment": "payment_source_id", "a_date": "payment_date"}
    )
    accounts = _read(
        Account.objects.filter(company_id__in=ids, is_deleted=False),
        list(SCHEMAS["accounts"]),
        {},
    )
    return LedgerFrames.build(
        companies=company_info,
        suppliers=_with_names(_typed(suppliers, "suppliers"), names),
        bills=_with_names(_typed(bills, "bills"), names),
        bill_payments=_with_names(_typed(payments, "bill_payments"), names),
        allocations=_typed(allocations, "allocations"),
        expenses=_with_names(_typed(expenses, "expenses"), names),
        accounts=_typed(accounts, "accounts"),
    )


def _companies(members: list[Company]) -> pl.DataFrame:
    infos: dict[int, CompanyInfo] = {}
    for info in CompanyInfo.objects.filter(
        company_id__in=[c.pk for c in members], is_deleted=False
    ).order_by("company_id", "-synced_at", "-pk"):
        infos.setdefault(info.company_id, info)
    rows: list[dict[str, Any]] = []
    for member in members:
        found = infos.get(member.pk)
        rows.append(
            {
                "company_id": member.pk,
                "company_name": member.name,
                "legal_name": found.legal_name if found else "",
                "base_currency": found.base_currency if found else "",
                "registration_number": found.registration_number if found else "",
                "tax_number": found.tax_number if found else "",
                "phone": found.phone if found else "",
                "website": found.website if found else "",
                "addresses": [_address(a) for a in (found.addresses if found else [])],
            }
        )
    return pl.DataFrame(rows, schema=dict(SCHEMAS["companies"]))


def _address(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(str(v) for v in value.values() if v)
    return str(value)
