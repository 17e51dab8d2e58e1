"""Storing records in the unified ledger: idempotent bulk upserts and link resolution."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from django.db import connection, models, transaction
from django.utils import timezone

from ledgerlink.ledger import bulk
from ledgerlink.ledger import models as m
from ledgerlink.ledger.records import (
    AccountRecord,
    BillLine,
    BillPaymentRecord,
    BillRecord,
    CompanyInfoRecord,
    DataType,
    Deleted,
    ExpenseRecord,
    LedgerInput,
    StatementLineRecord,
    SupplierRecord,
)
from ledgerlink.relationships.models import Company

MODEL_FOR: dict[str, type[m.LedgerRecord]] = {
    DataType.COMPANY_INFO: m.CompanyInfo,
    DataType.ACCOUNTS: m.Account,
    DataType.SUPPLIERS: m.Supplier,
    DataType.BILLS: m.Bill,
    DataType.BILL_PAYMENTS: m.BillPayment,
    DataType.EXPENSES: m.Expense,
    DataType.STATEMENTS: m.FinancialStatementLine,
}
RECORD_FOR: dict[str, type[Any]] = {
    DataType.COMPANY_INFO: CompanyInfoRecord,
    DataType.ACCOUNTS: AccountRecord,
    DataType.SUPPLIERS: SupplierRecord,
    DataType.BILLS: BillRecord,
    DataType.BILL_PAYMENTS: BillPaymentRecord,
    DataType.EXPENSES: ExpenseRecord,
    DataType.STATEMENTS: StatementLineRecord,
}
# Fields an upsert never overwrites.
KEEP_ON_UPDATE = {"first_seen_at"}
BATCH = 2000


@dataclass
class UpsertResult:
    upserted: int = 0
    deleted: int = 0

    def __iadd__(self, other: UpsertResult) -> UpsertResult:
        self.upserted += other.upserted
        self.deleted += other.deleted
        return self


class _Plan:
    """How one ledger model's rows are written: columns, and how to read them off a record."""

    def __init__(self, model: type[m.LedgerRecord]) -> None:
        self.model = model
        fields = [
            f
            for f in model._meta.concrete_fields
            if not f.primary_key and not (isinstance(f, models.ForeignKey) and f.name != "company")
        ]
        self.fields = fields
        self.columns = [f.column for f in fields]
        self.update = [
            f.column
            for f in fields
            if f.name not in ("company", "source", "source_id") and f.name not in KEEP_ON_UPDATE
        ]
        self.json_fields = {f.name for f in fields if isinstance(f, models.JSONField)}

        # One getter per column, decided once: building rows is the hot loop of a sync.
        self.getters: list[tuple[int, str, bool]] = []
        for f in fields:
            kind = {
                "company": 0,
                "source": 1,
                "synced_at": 2,
                "first_seen_at": 2,
                "is_deleted": 3,
                "source_modified_at": 4,
            }.get(f.name, 5 if f.name in self.json_fields else 6)
            self.getters.append((kind, f.name, f.null))

    def row(self, record: Any, company_id: int, source: str, now: datetime) -> tuple[Any, ...]:
        values: list[Any] = []
        append = values.append
        for kind, name, nullable in self.getters:
            if kind == 6:
                value = getattr(record, name)
                append("" if value is None and not nullable else value)
            elif kind == 0:
                append(company_id)
            elif kind == 1:
                append(source)
            elif kind == 2:
                append(now)
            elif kind == 3:
                append(False)
            elif kind == 4:
                append(record.modified_at)
            else:
                append(_json(getattr(record, name)))
        return tuple(values)


def _json(value: Any) -> str:
    if value and isinstance(value[0], BillLine):
        value = [
            {
                "description": line.description,
                "account_source_id": line.account_source_id,
                "amount": str(line.amount),
                "tax_amount": str(line.tax_amount),
            }
            for line in value
        ]
    return orjson.dumps(value).decode()


_PLANS: dict[type[m.LedgerRecord], _Plan] = {}


def _plan(model: type[m.LedgerRecord]) -> _Plan:
    if model not in _PLANS:
        _PLANS[model] = _Plan(model)
    return _PLANS[model]


def upsert(
    company: Company, source: str, data_type: str, records: Sequence[LedgerInput]
) -> UpsertResult:
    """Store one page of records. Safe to repeat: the same page twice changes nothing more."""
    model = MODEL_FOR[data_type]
    plan = _plan(model)
    now = timezone.now()
    live = [r for r in records if not isinstance(r, Deleted)]
    tombstones = [r for r in records if isinstance(r, Deleted)]
    result = UpsertResult()
    with transaction.atomic():
        if live:
            # The last version of a record wins when a page repeats a source id.
            unique = {r.source_id: r for r in live}
            rows = [plan.row(r, company.pk, source, now) for r in unique.values()]
            bulk.upsert_rows(
                model,
                plan.columns,
                rows,
                conflict=["company_id", "source", "source_id"],
                update=plan.update,
            )
            result.upserted = len(rows)
            if data_type == DataType.BILL_PAYMENTS:
                _replace_allocations(company, source, list(unique.values()))  # type: ignore[arg-type]
        if tombstones:
            gone = model._default_manager.filter(
                company=company,
                source=source,
                source_id__in=[t.source_id for t in tombstones],
            )
            result.deleted = gone.update(is_deleted=True, synced_at=now)
            if data_type == DataType.BILL_PAYMENTS:
                # A deleted payment settles nothing any more.
                m.PaymentAllocation.objects.filter(payment__in=gone).delete()
    return result


def _replace_allocations(
    company: Company, source: str, payments: Sequence[BillPaymentRecord]
) -> None:
    ids = dict(
        m.BillPayment.objects.filter(
            company=company, source=source, source_id__in=[p.source_id for p in payments]
        ).values_list("source_id", "pk")
    )
    m.PaymentAllocation.objects.filter(payment_id__in=ids.values()).delete()
    bulk.insert_rows(
        m.PaymentAllocation,
        ["payment_id", "bill_source_id", "amount", "allocated_on"],
        [
            (ids[p.source_id], a.bill_source_id, a.amount, a.allocated_on or p.payment_date)
            for p in payments
            for a in p.allocations
        ],
    )


def mark_unseen_deleted(company: Company, source: str, data_type: str, since: datetime) -> int:
    """After a full sync: what the source no longer returned has been deleted there."""
    gone = MODEL_FOR[data_type]._default_manager.filter(
        company=company, source=source, is_deleted=False, synced_at__lt=since
    )
    if data_type == DataType.BILL_PAYMENTS:
        m.PaymentAllocation.objects.filter(payment__in=gone).delete()
    count: int = gone.update(is_deleted=True)
    return count


def refresh_statistics() -> None:
    """After a bulk load, let PostgreSQL's planner see the new row counts.

    Without it the planner still believes a just-filled company has a handful of rows and
    picks nested loops that turn the link resolution quadratic.
    """
    if connection.vendor != "postgresql":
        return
    models_: list[type[models.Model]] = [*MODEL_FOR.values(), m.PaymentAllocation]
    tables = [connection.ops.quote_name(model._meta.db_table) for model in models_]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(tables)}")


def resolve_links(company: Company, source: str, *, since: datetime | None = None) -> None:
    """Point foreign keys at the records named by their source ids (after a sync/import).

    One set-based `UPDATE … FROM` join per table (PostgreSQL and SQLite ≥ 3.33 both have
    it); `since` limits the work to rows stored by the current sync.
    """
    quote = connection.ops.quote_name
    recent = " AND t.synced_at >= %s" if since is not None else ""
    params: list[Any] = [company.pk, source] + ([since] if since is not None else [])
    supplier_table = quote(m.Supplier._meta.db_table)
    with connection.cursor() as cursor:
        for model in (m.Bill, m.BillPayment, m.Expense):
            cursor.execute(
                f"UPDATE {quote(model._meta.db_table)} AS t SET supplier_id = s.id "  # noqa: S608
                f"FROM {supplier_table} AS s "
                "WHERE t.company_id = %s AND t.source = %s AND s.company_id = t.company_id "
                "AND s.source = t.source AND s.source_id = t.supplier_source_id "
                f"AND (t.supplier_id IS NULL OR t.supplier_id <> s.id){recent}",
                params,
            )
        cursor.execute(
            f"UPDATE {quote(m.PaymentAllocation._meta.db_table)} AS a SET bill_id = b.id "  # noqa: S608
            f"FROM {quote(m.BillPayment._meta.db_table)} AS p, "
            f"{quote(m.Bill._meta.db_table)} AS b "
            "WHERE a.payment_id = p.id AND p.company_id = %s AND p.source = %s "
            "AND b.company_id = p.company_id AND b.source = p.source "
            "AND b.source_id = a.bill_source_id AND (a.bill_id IS NULL OR a.bill_id <> b.id)"
            + (" AND p.synced_at >= %s" if since is not None else ""),
            params,
        )


@transaction.atomic
def replace_source(
    company: Company, source: str, pages: dict[str, Sequence[LedgerInput]]
) -> dict[str, int]:
    """Replace everything one source holds for a company (file uploads): all or nothing.

    Records are upserted, then whatever the new file no longer has is removed, so a
    supplier that stays keeps its first-seen date.
    """
    started = timezone.now()
    counts: dict[str, int] = {}
    for data_type in DataType.ALL:
        counts[data_type] = upsert(company, source, data_type, pages.get(data_type, ())).upserted
    for data_type in reversed(DataType.ALL):
        MODEL_FOR[data_type]._default_manager.filter(
            company=company, source=source, synced_at__lt=started
        ).delete()
    resolve_links(company, source)
    return counts
