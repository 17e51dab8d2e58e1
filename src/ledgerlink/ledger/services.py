"""Storing records in the unified ledger: idempotent bulk upserts and link resolution."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from ledgerlink.ledger import models as m
from ledgerlink.ledger.records import (
    AccountRecord,
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


def _row_fields(record: Any) -> dict[str, Any]:
    data = {name: getattr(record, name) for name in record.__slots__}
    data.pop("allocations", None)
    data["source_modified_at"] = data.pop("modified_at", None)
    if "lines" in data:
        data["lines"] = [
            {k: str(v) if k in ("amount", "tax_amount") else v for k, v in asdict(line).items()}
            for line in data["lines"]
        ]
    return data


def _update_fields(model: type[m.LedgerRecord]) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if not f.primary_key
        and f.name not in ("company", "source", "source_id")
        and f.name not in KEEP_ON_UPDATE
        and not (isinstance(f, models.ForeignKey) and f.name != "company")
    ]


def upsert(
    company: Company, source: str, data_type: str, records: Sequence[LedgerInput]
) -> UpsertResult:
    """Store one page of records. Safe to repeat: the same page twice changes nothing more."""
    model = MODEL_FOR[data_type]
    now = timezone.now()
    live = [r for r in records if not isinstance(r, Deleted)]
    tombstones = [r for r in records if isinstance(r, Deleted)]
    result = UpsertResult()
    with transaction.atomic():
        if live:
            rows = [
                model(
                    company=company,
                    source=source,
                    synced_at=now,
                    is_deleted=False,
                    **_row_fields(r),
                )
                for r in live
            ]
            model._default_manager.bulk_create(
                rows,
                batch_size=BATCH,
                update_conflicts=True,
                unique_fields=["company", "source", "source_id"],
                update_fields=_update_fields(model),
            )
            result.upserted = len(rows)
            if data_type == DataType.BILL_PAYMENTS:
                _replace_allocations(company, source, live)  # type: ignore[arg-type]
        if tombstones:
            result.deleted = model._default_manager.filter(
                company=company,
                source=source,
                source_id__in=[t.source_id for t in tombstones],
            ).update(is_deleted=True, synced_at=now)
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
    m.PaymentAllocation.objects.bulk_create(
        (
            m.PaymentAllocation(
                payment_id=ids[p.source_id],
                bill_source_id=a.bill_source_id,
                amount=a.amount,
                allocated_on=a.allocated_on or p.payment_date,
            )
            for p in payments
            for a in p.allocations
        ),
        batch_size=BATCH,
    )


def mark_unseen_deleted(company: Company, source: str, data_type: str, since: datetime) -> int:
    """After a full sync: what the source no longer returned has been deleted there."""
    return (
        MODEL_FOR[data_type]
        ._default_manager.filter(
            company=company, source=source, is_deleted=False, synced_at__lt=since
        )
        .update(is_deleted=True)
    )


def resolve_links(company: Company, source: str) -> None:
    """Point foreign keys at the records named by their source ids (after a sync/import)."""
    suppliers = m.Supplier.objects.filter(
        company=company, source=source, source_id=OuterRef("supplier_source_id")
    ).values("pk")[:1]
    for model in (m.Bill, m.BillPayment, m.Expense):
        model._default_manager.filter(company=company, source=source).exclude(
            supplier_source_id=""
        ).update(supplier=Subquery(suppliers))
    bills = m.Bill.objects.filter(
        company=company, source=source, source_id=OuterRef("bill_source_id")
    ).values("pk")[:1]
    m.PaymentAllocation.objects.filter(payment__company=company, payment__source=source).update(
        bill=Subquery(bills)
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
