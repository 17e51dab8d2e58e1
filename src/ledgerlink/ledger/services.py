"""Storing records in the unified ledger: idempotent bulk upserts and link resolution.

Records are stored as *rows*: one list per record holding its fields' values in the
database's text input form (str for text, "YYYY-MM-DD" dates, plain decimal strings, ISO 8601
timestamps with an offset, JSON text, bool and int as they are, None for NULL). `upsert`
builds rows from ledger records; a connector may also map raw records straight to rows,
which is the sync engine's fast path (see `prepare`). `prepare` is pure Python and touches
no database, so it can run off the main thread; `store` writes a prepared page.

On PostgreSQL a page whose records are all new is COPYed straight into its table; a page
with records already stored goes through a temporary table and `INSERT … ON CONFLICT DO
UPDATE`. Either way upserts stay idempotent on (company, source, source_id). Links to
suppliers and allocations' links to bills are resolved while storing (when the record they
point at is already stored); `resolve_links` catches the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import Any

import orjson
from django.db import connection, models, transaction
from django.utils import timezone

from ledgerlink.ledger import bulk
from ledgerlink.ledger import models as m
from ledgerlink.ledger.records import (
    AccountRecord,
    Allocation,
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
# Columns a row gets from the call, not from its record.
CONSTANT = ("company", "source", "is_deleted", "synced_at", "first_seen_at")
# Model field → record attribute, where they differ.
ATTRIBUTE = {"source_modified_at": "modified_at"}
ALLOCATIONS = "allocations"  # a bill payment's allocations, stored in their own table
# A load of more records than this refreshes the planner's statistics (PostgreSQL).
STATISTICS_AFTER = 5000
_SQLITE_CHUNK = 500  # source ids per `IN (…)` on databases without arrays
_SQLITE_SCAN_ABOVE = 2_000  # more keys than this: read all of the company's ids instead
# PostgreSQL: allocations of more bills than this (a whole file's) read all of the company's
# bill ids from the source at once instead of probing the index once per key.
_SCAN_ABOVE = 20_000


@dataclass
class UpsertResult:
    upserted: int = 0
    deleted: int = 0
    # Links stored without their target (a supplier or bill not stored yet, or not at all):
    # `resolve_links` has work only when some are, or when older records may have some.
    unlinked: int = 0

    def __iadd__(self, other: UpsertResult) -> UpsertResult:
        self.upserted += other.upserted
        self.deleted += other.deleted
        self.unlinked += other.unlinked
        return self


def _stored_fields(model: type[m.LedgerRecord]) -> dict[str, models.Field[Any, Any]]:
    """Record attribute → model field, for every field a record carries."""
    return {
        ATTRIBUTE.get(f.name, f.name): f
        for f in model._meta.concrete_fields
        if not f.primary_key and not isinstance(f, models.ForeignKey) and f.name not in CONSTANT
    }


def row_fields(data_type: str) -> tuple[str, ...]:
    """The record fields a row of `data_type` holds, in the order `upsert` builds rows."""
    fields = tuple(_stored_fields(MODEL_FOR[data_type]))
    return (*fields, ALLOCATIONS) if data_type == DataType.BILL_PAYMENTS else fields


def db_text(value: Any) -> Any:
    """A record's value in the database's text input form (see the module docstring)."""
    kind = type(value)
    if value is None or kind is str or kind is bool or kind is int:
        return value
    if isinstance(value, str):  # a subclass (a TextChoices member): its text
        return str.__str__(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    return value


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


def _allocations(value: Sequence[Allocation]) -> list[tuple[str, Any, Any]]:
    return [(a.bill_source_id, db_text(a.amount), db_text(a.allocated_on)) for a in value]


class Layout:
    """How rows of one data type, holding `fields` in that order, are stored."""

    def __init__(self, data_type: str, fields: Sequence[str]) -> None:
        model = MODEL_FOR[data_type]
        stored = _stored_fields(model)
        wanted = set(stored) | ({ALLOCATIONS} if data_type == DataType.BILL_PAYMENTS else set())
        if len(set(fields)) != len(fields) or set(fields) != wanted:
            raise ValueError(f"rows of {data_type} hold {sorted(wanted)}, not {list(fields)}")
        self.data_type = data_type
        self.model = model
        self.table = model._meta.db_table
        self.fields = tuple(fields)
        self.allocations_at = fields.index(ALLOCATIONS) if ALLOCATIONS in fields else None
        kept = [f for f in fields if f != ALLOCATIONS]
        self.width = len(kept)
        self.columns = [stored[f].column for f in kept]
        self.source_id_at = kept.index("source_id")
        links_supplier = any(
            isinstance(f, models.ForeignKey) and f.name == "supplier"
            for f in model._meta.concrete_fields
        )
        self.supplier_at = kept.index("supplier_source_id") if links_supplier else None
        self.payment_date_at = kept.index("payment_date") if "payment_date" in kept else None
        self.datetimes = [
            n for n, f in enumerate(kept) if isinstance(stored[f], models.DateTimeField)
        ]
        names = {f.name for f in model._meta.concrete_fields}
        self.constants = [
            "company_id" if name == "company" else name for name in CONSTANT if name in names
        ]
        self.update = [c for c in (*self.columns, "is_deleted", "synced_at") if c != "source_id"]
        # How to read each field off a record (0 plain, 1 JSON, 2 allocations).
        self._getters = [
            (
                name,
                2
                if name == ALLOCATIONS
                else 1
                if isinstance(stored[name], models.JSONField)
                else 0,
                name == ALLOCATIONS or stored[name].null,
            )
            for name in fields
        ]

    def row_of(self, record: Any) -> list[Any]:
        """A ledger record as a row."""
        row: list[Any] = []
        append = row.append
        for name, kind, nullable in self._getters:
            value = getattr(record, name)
            if kind == 0:
                append(("" if not nullable else None) if value is None else db_text(value))
            elif kind == 1:
                append(_json(value))
            else:
                append(_allocations(value))
        return row

    def rows_of(self, records: Sequence[Any]) -> list[list[Any]]:
        """Ledger records as rows, the same as `row_of` each, built column by column:
        one conversion per column instead of one call per value (100,000 records add up)."""
        columns: list[list[Any]] = []
        for name, kind, nullable in self._getters:
            values = list(map(attrgetter(name), records))
            if kind == 0:
                columns.append(_text_column(values, nullable))
            elif kind == 1:
                columns.append([_json(value) for value in values])
            else:
                columns.append([_allocations(value) for value in values])
        return list(map(list, zip(*columns, strict=True)))


def _text_column(values: list[Any], nullable: bool) -> list[Any]:
    """`db_text` of every value of one column (None as "" when the column is not nullable)."""
    kinds = set(map(type, values))
    if len(kinds) == 1:
        kind = next(iter(kinds))
        if kind is str or kind is bool or kind is int:
            return values
        if kind is Decimal:
            return list(map(str, values))
        if kind is date:
            return list(map(date.isoformat, values))
    empty = None if nullable else ""
    return [empty if value is None else db_text(value) for value in values]


_LAYOUTS: dict[tuple[str, tuple[str, ...]], Layout] = {}


def layout(data_type: str, fields: Sequence[str] | None = None) -> Layout:
    key = (data_type, tuple(fields) if fields is not None else row_fields(data_type))
    found = _LAYOUTS.get(key)
    if found is None:
        found = _LAYOUTS[key] = Layout(*key)
    return found


@dataclass
class Prepared:
    """One page, ready for `store` (see `prepare`)."""

    layout: Layout
    rows: list[list[Any]]
    tombstones: list[Deleted] = field(default_factory=list)
    # Bill payments: their allocations as [bill source id, amount, allocated on] (the payment
    # date when the source gives none) and the row each belongs to.
    allocations: list[list[Any]] | None = None
    allocation_rows: list[int] = field(default_factory=list)
    # For PostgreSQL, built ahead: the rows and allocations as COPY text lines (with the
    # supplier link when `linked`) and text[] literals of the keys to look up.
    lines: list[str] | None = None
    linked: bool = False
    source_ids: str = ""
    supplier_ids: str = ""
    allocation_lines: list[str] | None = None
    bill_ids: str = ""
    # True when the caller knows none of the page's records is stored yet (see `has_rows`);
    # None: look.
    fresh: bool | None = None
    # Rows linked here (`linked`) that name a supplier the caller's map does not have.
    unlinked: int = 0

    def source_ids_of(self) -> list[str]:
        """The source ids of the page's records, tombstones included."""
        at = self.layout.source_id_at
        return [*map(itemgetter(at), self.rows), *(t.source_id for t in self.tombstones)]


def prepare(
    data_type: str,
    items: Iterable[Any],
    fields: Sequence[str] | None = None,
    *,
    copy: bool = True,
    suppliers: Mapping[str, int] | None = None,
) -> Prepared:
    """A page of records ready for `store`. Pure Python: no database, safe in any thread.

    `items` are ledger records (tombstones included) or rows: lists of the values of
    `fields` (record field names, in any order; default `row_fields(data_type)`) in the text
    form of the module docstring; a bill payment's allocations as a list of (bill source id,
    amount, allocated on or None). Rows are taken over, not copied. When a page repeats a
    source id the last version wins. `copy`: also build the COPY text (PostgreSQL).
    `suppliers` (source id → primary key of the company's suppliers from this source, when
    the caller has them) links rows to their supplier here instead of in `store`.
    """
    shape = layout(data_type, fields)
    items = items if isinstance(items, list | tuple) else list(items)
    rows: list[list[Any]] = []
    tombstones: list[Deleted] = []
    records: list[Any] = []
    for item in items:
        if type(item) is list:
            rows.append(item)
        elif isinstance(item, Deleted):
            tombstones.append(item)
        else:
            records.append(item)
    if records:
        # Rows and records in one page keep their order only one by one (the last version
        # of a source id wins); a page of records alone is converted column by column.
        if rows:
            rows = [
                item if type(item) is list else shape.row_of(item)
                for item in items
                if not isinstance(item, Deleted)
            ]
        else:
            rows = shape.rows_of(records)
    per_row = None
    if shape.allocations_at is not None:
        at = shape.allocations_at
        per_row = [row.pop(at) for row in rows]
    at = shape.source_id_at
    ids = [row[at] for row in rows]
    if len(set(ids)) != len(ids):
        keep = list({source_id: n for n, source_id in enumerate(ids)}.values())
        rows = [rows[n] for n in keep]
        ids = [ids[n] for n in keep]
        if per_row is not None:
            per_row = [per_row[n] for n in keep]
    page = Prepared(shape, rows, tombstones)
    if per_row is not None:
        day_at = shape.payment_date_at
        assert day_at is not None
        page.allocations = allocations = []
        owners = page.allocation_rows
        for n, (row, settled) in enumerate(zip(rows, per_row, strict=True)):
            for bill, amount, allocated_on in settled:
                owners.append(n)
                allocations.append(
                    [bill, amount, row[day_at] if allocated_on is None else allocated_on]
                )
        if copy and allocations:
            page.allocation_lines = bulk.copy_lines(allocations, 3)
            page.bill_ids = bulk.text_array(list({a[0] for a in allocations}))
    if copy and rows:
        lines = bulk.copy_lines(rows, shape.width)
        if shape.supplier_at is not None:
            at = shape.supplier_at
            if suppliers is not None:
                named = list(map(itemgetter(at), rows))
                links = list(map(suppliers.get, named, repeat(bulk.NULL)))
                lines = list(map("{}\t{}".format, lines, links))
                page.linked = True
                # Rows naming no supplier ("") have no link either, without being unlinked.
                page.unlinked = links.count(bulk.NULL) - named.count("") - named.count(None)
            else:
                page.supplier_ids = bulk.text_array(list({row[at] for row in rows}))
        page.lines = lines
        page.source_ids = bulk.text_array(ids)
    return page


def upsert(
    company: Company, source: str, data_type: str, records: Sequence[LedgerInput]
) -> UpsertResult:
    """Store one page of records. Safe to repeat: the same page twice changes nothing more."""
    return store(
        company, source, prepare(data_type, records, copy=connection.vendor == "postgresql")
    )


def has_rows(company: Company, source: str, data_type: str) -> bool:
    """Whether the company has any records of `data_type` from `source`."""
    return MODEL_FOR[data_type]._default_manager.filter(company=company, source=source).exists()


def supplier_links(company: Company, source: str) -> dict[str, int]:
    """Source id → primary key of every supplier the company has from `source`."""
    return dict(
        m.Supplier.objects.filter(company=company, source=source).values_list("source_id", "pk")
    )


def store(company: Company, source: str, page: Prepared) -> UpsertResult:
    """Store a prepared page (see `prepare`); idempotent like `upsert`."""
    shape = page.layout
    now = timezone.now()
    result = UpsertResult()
    # Inside a caller's transaction (the sync engine's page + checkpoint) no savepoint is
    # needed: any failure rolls the whole page back.
    with transaction.atomic(savepoint=False):
        if page.rows:
            if connection.vendor == "postgresql":
                payment_ids, fresh, result.unlinked = _write_copy(company, source, page, now)
            else:
                payment_ids, fresh, result.unlinked = _write_rows(company, source, page, now)
            result.upserted = len(page.rows)
            if page.allocations is not None:
                result.unlinked += _replace_allocations(
                    company, source, page, payment_ids, fresh=fresh
                )
        if page.tombstones:
            gone = shape.model._default_manager.filter(
                company=company,
                source=source,
                source_id__in=[t.source_id for t in page.tombstones],
            )
            result.deleted = gone.update(is_deleted=True, synced_at=now)
            if shape.data_type == DataType.BILL_PAYMENTS:
                # A deleted payment settles nothing any more.
                m.PaymentAllocation.objects.filter(payment__in=gone).delete()
    return result


def _ids_by_source(
    model: type[m.LedgerRecord], company: Company, source: str, keys: Iterable[str] | str
) -> dict[str, int]:
    """Primary keys of the company's records from `source` with these source ids (a list,
    or a text[] literal on PostgreSQL)."""
    if connection.vendor != "postgresql":
        return _ids_by_source_sqlite(model, company, source, set(keys))
    literal = keys if isinstance(keys, str) else bulk.text_array(list(set(keys)))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT k.id, ({_one_by_source(model._meta.db_table, 'id')}) "  # noqa: S608
            "FROM unnest(%s::text[]) AS k(id)",
            [company.pk, source, literal],
        )
        return {key: pk for key, pk in cursor.fetchall() if pk is not None}


def _all_ids_by_source(
    model: type[m.LedgerRecord], company: Company, source: str
) -> dict[str, int]:
    """Source id → primary key of every record of the company from `source`."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT source_id, id FROM {connection.ops.quote_name(model._meta.db_table)} "  # noqa: S608
            "WHERE company_id = %s AND source = %s",
            [company.pk, source],
        )
        return dict(cursor.fetchall())


def _ids_by_source_sqlite(
    model: type[m.LedgerRecord], company: Company, source: str, wanted: set[str]
) -> dict[str, int]:
    """`_ids_by_source` without arrays: `IN (…)` chunks, or for many keys one read of all
    of the company's records from `source` (an index range scan), which is much cheaper
    than thousands of chunks; raw SQL, as building ORM lookups of big lists costs more
    than the queries."""
    quote = connection.ops.quote_name
    select = (
        f"SELECT source_id, id FROM {quote(model._meta.db_table)} "  # noqa: S608 - ours
        "WHERE company_id = %s AND source = %s"
    )
    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        if len(wanted) > _SQLITE_SCAN_ABOVE:
            cursor.execute(select, [company.pk, source])
            for key, pk in cursor.fetchall():
                if key in wanted:
                    found[key] = pk
            return found
        keys = list(wanted)
        for start in range(0, len(keys), _SQLITE_CHUNK):
            chunk = keys[start : start + _SQLITE_CHUNK]
            cursor.execute(
                f"{select} AND source_id IN ({', '.join(['%s'] * len(chunk))})",
                [company.pk, source, *chunk],
            )
            found.update(cursor.fetchall())
    return found


def _one_by_source(table: str, column: str) -> str:
    """A subquery for `column` of the row with source id k.id (params: company, source).

    One probe of the unique index per key, whatever the planner's statistics say: without
    fresh ones (in the middle of a bulk load) `source_id = ANY(…)` is planned as a filter
    over all of the company's rows, once per page.
    """
    quote = connection.ops.quote_name
    return (
        f"SELECT t.{quote(column)} FROM {quote(table)} AS t "  # noqa: S608 - names are ours
        "WHERE t.company_id = %s AND t.source = %s AND t.source_id = k.id"
    )


_SEQUENCES: dict[str, str] = {}


def _sequence(table: str) -> str:
    if table not in _SEQUENCES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            row = cursor.fetchone()
        _SEQUENCES[table] = str(row[0]) if row else ""
    return _SEQUENCES[table]


def _next_ids(table: str, count: int) -> list[int]:
    """`count` fresh primary keys from the table's own sequence."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ARRAY(SELECT nextval(%s::regclass) FROM generate_series(1, %s))",
            [_sequence(table), count],
        )
        row = cursor.fetchone()
    return [int(pk) for pk in row[0]] if row else []


def _probe(
    table: str, company: Company, source: str, source_ids: str, new_ids: int
) -> tuple[bool, list[int]]:
    """Whether none of `source_ids` (a text[] literal) is stored yet, and `new_ids` fresh
    primary keys from the table's sequence (for when none is).

    Pages usually hold a range of source ids nothing else falls in, so one look at that range
    (bounds in the database's own collation) settles it; otherwise each id is looked up.
    """
    quote = connection.ops.quote_name
    fresh_ids = "ARRAY[]::bigint[]"
    params: list[Any] = [source_ids, company.pk, source]
    if new_ids:
        fresh_ids = "ARRAY(SELECT nextval(%s::regclass) FROM generate_series(1, %s))"
        params += [_sequence(table), new_ids]
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH k AS MATERIALIZED (SELECT min(x) AS lo, max(x) AS hi "  # noqa: S608 - ours
            "FROM unnest(%s::text[]) AS x) "
            f"SELECT NOT EXISTS (SELECT 1 FROM {quote(table)} AS t, k "
            "WHERE t.company_id = %s AND t.source = %s AND t.source_id BETWEEN k.lo AND k.hi), "
            f"{fresh_ids}",
            params,
        )
        row = cursor.fetchone()
        assert row is not None
        fresh, ids = bool(row[0]), [int(pk) for pk in row[1]]
        if not fresh:
            cursor.execute(
                "SELECT NOT EXISTS (SELECT FROM unnest(%s::text[]) AS k(id) "  # noqa: S608
                f"WHERE ({_one_by_source(table, 'id')}) IS NOT NULL)",
                [source_ids, company.pk, source],
            )
            found = cursor.fetchone()
            fresh = bool(found and found[0])
    return fresh, ids


def _keep_link(table: str) -> str:
    """The update of a resolved link: a link that cannot be resolved yet stays as it was
    while the record names the same supplier; naming another one (or none) drops it."""
    stored = connection.ops.quote_name(table)
    return (
        f"supplier_id = CASE WHEN EXCLUDED.supplier_source_id = {stored}.supplier_source_id "
        f"THEN COALESCE(EXCLUDED.supplier_id, {stored}.supplier_id) "
        "ELSE EXCLUDED.supplier_id END"
    )


def _write_copy(
    company: Company, source: str, page: Prepared, now: datetime
) -> tuple[list[int], bool, int]:
    """PostgreSQL: COPY the rows in; returns bill payments' primary keys (row order),
    whether every record was new, and how many rows name a supplier not stored."""
    shape = page.layout
    rows = page.rows
    table = shape.table
    quote = connection.ops.quote_name
    lines = page.lines if page.lines is not None else bulk.copy_lines(rows, shape.width)
    at = shape.source_id_at
    source_ids = page.source_ids or bulk.text_array([row[at] for row in rows])
    columns = list(shape.columns)
    unlinked = page.unlinked
    if shape.supplier_at is not None:
        if not page.linked:
            at = shape.supplier_at
            links = _ids_by_source(
                m.Supplier, company, source, page.supplier_ids or [row[at] for row in rows]
            )
            null = bulk.NULL
            lines = [
                f"{line}\t{links.get(row[at], null)}" for line, row in zip(lines, rows, strict=True)
            ]
            unlinked = sum(1 for row in rows if row[at] and row[at] not in links)
        columns.append("supplier_id")
    constants = {"company_id": company.pk, "source": source, "is_deleted": False}
    suffix = "".join(
        "\t" + bulk.copy_value(constants.get(c, now.isoformat())) for c in shape.constants
    )
    columns += shape.constants
    want_ids = page.allocations is not None
    if page.fresh:
        fresh, ids = True, _next_ids(table, len(lines)) if want_ids else []
    else:
        fresh, ids = _probe(table, company, source, source_ids, len(lines) if want_ids else 0)
    if fresh:
        # Nothing to merge with: straight into the table.
        if want_ids:
            lines = [f"{pk}\t{line}" for pk, line in zip(ids, lines, strict=True)]
            columns.insert(0, "id")
        bulk.copy_text(table, columns, lines, suffix)
        return ids, True, unlinked
    staged = bulk.stage(table, columns)
    bulk.copy_text(staged, columns, lines, suffix)
    assignments = [f"{quote(c)} = EXCLUDED.{quote(c)}" for c in shape.update]
    if shape.supplier_at is not None:
        assignments.append(_keep_link(table))
    names = bulk._quoted(columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(table)} ({names}) SELECT {names} "  # noqa: S608
            f"FROM {quote(staged)} ON CONFLICT (company_id, source, source_id) "
            f"DO UPDATE SET {', '.join(assignments)}"
            + (" RETURNING source_id, id" if want_ids else "")
        )
        if not want_ids:
            return [], False, unlinked
        stored = dict(cursor.fetchall())
    at = shape.source_id_at
    return [stored[row[at]] for row in rows], False, unlinked


def _write_rows(
    company: Company, source: str, page: Prepared, now: datetime
) -> tuple[list[int], bool, int]:
    """Other databases (SQLite): `executemany` of the same upsert."""
    shape = page.layout
    table = shape.table
    quote = connection.ops.quote_name
    rows = page.rows
    values: Sequence[Sequence[Any]] = rows
    datetimes = [n for n in shape.datetimes if any(isinstance(row[n], str) for row in rows)]
    if datetimes:
        converted = [list(row) for row in rows]
        for value in converted:
            for n in datetimes:
                if isinstance(value[n], str):
                    value[n] = datetime.fromisoformat(value[n])
        values = converted
    columns = list(shape.columns)
    assignments = [f"{quote(c)} = excluded.{quote(c)}" for c in shape.update]
    constants: dict[str, Any] = {"company_id": company.pk, "source": source, "is_deleted": False}
    # The time as the sqlite3 adapter Django registers writes it, formatted once instead
    # of once per row.
    stamp = now.isoformat(" ") if connection.vendor == "sqlite" else now
    tail = tuple(constants.get(c, stamp) for c in shape.constants)
    unlinked = 0
    if shape.supplier_at is not None:
        at = shape.supplier_at
        links = _ids_by_source(m.Supplier, company, source, [row[at] for row in rows])
        get = links.get
        params = [(*value, get(row[at]), *tail) for value, row in zip(values, rows, strict=True)]
        unlinked = sum(1 for row in rows if row[at] and row[at] not in links)
        columns.append("supplier_id")
        assignments.append(_keep_link(table))
    else:
        params = [(*value, *tail) for value in values]
    columns += shape.constants
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(table)} ({bulk._quoted(columns)}) "  # noqa: S608
            f"VALUES ({placeholders}) ON CONFLICT (company_id, source, source_id) "
            f"DO UPDATE SET {', '.join(assignments)}",
            params,
        )
    del params
    fresh = bool(page.fresh)
    if page.allocations is None:
        return [], fresh, unlinked
    at = shape.source_id_at
    source_ids = [row[at] for row in rows]
    stored = _ids_by_source(shape.model, company, source, source_ids)
    return [stored[source_id] for source_id in source_ids], fresh, unlinked


def _replace_allocations(
    company: Company, source: str, page: Prepared, payment_ids: list[int], *, fresh: bool
) -> int:
    """A payment's allocations are replaced with the ones it has now; returns how many
    name a bill not stored."""
    allocations = page.allocations
    assert allocations is not None
    table = m.PaymentAllocation._meta.db_table
    postgres = connection.vendor == "postgresql"
    if not fresh:  # new payments have no allocations yet
        with connection.cursor() as cursor:
            if postgres:
                cursor.execute(
                    f"DELETE FROM {connection.ops.quote_name(table)} "  # noqa: S608
                    "WHERE payment_id = ANY(%s)",
                    [payment_ids],
                )
            else:  # one probe of the payment_id index per payment, without the ORM
                cursor.executemany(
                    f"DELETE FROM {connection.ops.quote_name(table)} "  # noqa: S608
                    "WHERE payment_id = %s",
                    [(pk,) for pk in payment_ids],
                )
    if not allocations:
        return 0
    if postgres and len(allocations) > _SCAN_ABOVE:
        # As many bills as a whole file's: one read of the company's bills from `source` (an
        # index range scan) costs the database a fraction of a probe per key.
        bills = _all_ids_by_source(m.Bill, company, source)
    else:
        keys = page.bill_ids or [a[0] for a in allocations]
        bills = _ids_by_source(m.Bill, company, source, keys)
    owners = list(map(payment_ids.__getitem__, page.allocation_rows))
    columns = ["bill_source_id", "amount", "allocated_on", "bill_id", "payment_id"]
    if postgres:
        partial = page.allocation_lines or bulk.copy_lines(allocations, 3)
        links = list(map(bills.get, map(itemgetter(0), allocations), repeat(bulk.NULL)))
        bulk.copy_text(table, columns, list(map("{}\t{}\t{}".format, partial, links, owners)))
        return links.count(bulk.NULL)
    unlinked = sum(1 for a in allocations if a[0] not in bills)
    bulk.insert_rows(
        m.PaymentAllocation,
        columns,
        [[*a, bills.get(a[0]), pk] for a, pk in zip(allocations, owners, strict=True)],
    )
    return unlinked


def mark_unseen_deleted(company: Company, source: str, data_type: str, since: datetime) -> int:
    """After a full sync: what the source no longer returned has been deleted there."""
    gone = MODEL_FOR[data_type]._default_manager.filter(
        company=company, source=source, is_deleted=False, synced_at__lt=since
    )
    if data_type == DataType.BILL_PAYMENTS:
        m.PaymentAllocation.objects.filter(payment__in=gone).delete()
    count: int = gone.update(is_deleted=True)
    return count


def refresh_statistics(
    data_types: Sequence[str] | None = None, *, skip: Sequence[str] = ()
) -> None:
    """After a bulk load, let PostgreSQL's planner see the new row counts.

    Without it the planner still believes a just-filled company has a handful of rows and
    picks nested loops that turn the link resolution quadratic (and looks a page's source
    ids up by reading all of the company's rows). `data_types`: only their tables (default
    all ledger tables, payment allocations included); `skip`: not these data types' tables.
    """
    if connection.vendor != "postgresql":
        return
    models_: list[type[models.Model]] = [
        MODEL_FOR[data_type]
        for data_type in (DataType.ALL if data_types is None else data_types)
        if data_type not in skip
    ]
    if data_types is None:
        models_.append(m.PaymentAllocation)
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


def _prepared(pages: dict[str, Sequence[LedgerInput]], *, copy: bool) -> Iterator[Prepared]:
    """Each data type's page (`DataType.ALL` order), prepared for `store`.

    With `copy` (PostgreSQL) they are prepared in a background thread, ahead of the caller
    storing the one before: the client waits for the server without holding the GIL.
    SQLite's inserts are this process's own work, the GIL taken back after every row, so
    there they are prepared one by one as asked for.
    """
    if not copy:
        for data_type in DataType.ALL:
            yield prepare(data_type, pages.get(data_type, ()), copy=False)
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-prepare") as pool:
        futures = [
            pool.submit(prepare, data_type, pages.get(data_type, ()), copy=True)
            for data_type in DataType.ALL
        ]
        try:
            for future in futures:
                yield future.result()
        finally:  # the caller stopped (an error storing a page): prepare nothing more
            for future in futures:
                future.cancel()


@transaction.atomic
def replace_source(
    company: Company, source: str, pages: dict[str, Sequence[LedgerInput]]
) -> dict[str, int]:
    """Replace everything one source holds for a company (file uploads): all or nothing.

    Records are upserted, then whatever the new file no longer has is removed, so a
    supplier that stays keeps its first-seen date.
    """
    # One replacement per company at a time: a second one waits for the first to commit, so
    # its stale-record deletions and link joins see the first one's rows (the links between
    # records have no database constraint: see ledger.models).
    Company.objects.select_for_update().filter(pk=company.pk).exists()
    started = timezone.now()
    counts: dict[str, int] = {}
    unlinked = 0
    copy = connection.vendor == "postgresql"
    # A type the company has no records of from the source is stored without looking for
    # existing ones (a first upload, or a type the last file did not have).
    new = [t for t in DataType.ALL if pages.get(t) and not has_rows(company, source, t)]
    for data_type, page in zip(DataType.ALL, _prepared(pages, copy=copy), strict=True):
        page.fresh = data_type in new or None
        stored = store(company, source, page)
        counts[data_type] = stored.upserted
        unlinked += stored.unlinked
    delete_stale(company, source, started)
    # Every record the source keeps was just written with its links resolved as it was
    # stored (suppliers before what names them, bills before allocations), so the joins can
    # only find links stored without their target: skip them (and the statistics refresh
    # they need) when there is none, as for a valid template.
    if unlinked:
        if sum(counts.values()) > STATISTICS_AFTER:
            # Planned with the statistics from before the load, the link joins go quadratic.
            refresh_statistics()
        resolve_links(company, source)
    elif sum(counts.values()) > STATISTICS_AFTER and connection.vendor == "postgresql":
        # The reports built next read what was just loaded: planned with statistics from
        # before it they can go quadratic too. Refreshed in the background (it takes the
        # database a second or two on large tables, which the upload need not wait for).
        from ledgerlink.ledger.tasks import refresh_ledger_statistics

        loaded = [t for t in DataType.ALL if counts.get(t)]
        transaction.on_commit(lambda: refresh_ledger_statistics.enqueue(loaded))
    return counts


def purge_later(company_ids: Iterable[int]) -> None:
    """Have the ledger records of these companies, deleted (or about to be, in the caller's
    transaction), deleted in the background (`purge_pending`): a worker is asked once the
    transaction commits, and the sweeper asks again should that be lost."""
    from ledgerlink.ledger.tasks import purge_ledgers

    ids = sorted(set(company_ids))
    if not ids:
        return
    m.LedgerPurge.objects.bulk_create(
        [m.LedgerPurge(company_id=pk) for pk in ids], ignore_conflicts=True
    )
    transaction.on_commit(lambda: purge_ledgers.enqueue())


def purge_pending(limit: int = 1000) -> int:
    """Delete the ledgers of deleted companies, one company per transaction (its purge row
    goes with its records, so a worker killed half-way leaves it for the next); returns how
    many companies were purged. Workers running it at once take different companies."""
    purged = 0
    while purged < limit:
        with transaction.atomic():
            pending = (
                m.LedgerPurge.objects.select_for_update(skip_locked=True).order_by("pk").first()
            )
            if pending is None:
                break
            delete_companies_data([pending.company_id])
            pending.delete()
        purged += 1
    return purged


def sweep_purges(older_than: timedelta = timedelta(minutes=2)) -> bool:
    """Ask a worker again for purges waiting longer than a worker takes to start one (the
    task was lost with a purged queue, or its worker died); returns whether it asked."""
    from ledgerlink.ledger.tasks import purge_ledgers

    waiting = m.LedgerPurge.objects.filter(requested_at__lt=timezone.now() - older_than)
    if not waiting.exists():
        return False
    purge_ledgers.enqueue()
    return True


def delete_companies_data(company_ids: Iterable[int]) -> int:
    """Delete every ledger record of these companies, one statement per table; returns how
    many rows went (see `purge_later`, which runs it in the background).

    The links between ledger records have no database constraint (see ledger.models), so
    Django's cascade would read every record into memory to clear or delete what points at
    it: minutes and gigabytes for a million bills, in the request that deletes a company.
    """
    ids = list(company_ids)
    if not ids:
        return 0
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(ids))
    deleted = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(m.PaymentAllocation._meta.db_table)} "  # noqa: S608 - ours
            f"WHERE payment_id IN (SELECT id FROM {quote(m.BillPayment._meta.db_table)} "
            f"WHERE company_id IN ({marks}))",
            ids,
        )
        deleted += int(cursor.rowcount)
        for data_type in reversed(DataType.ALL):
            table = quote(MODEL_FOR[data_type]._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE company_id IN ({marks})", ids)  # noqa: S608
            deleted += int(cursor.rowcount)
    return deleted


def delete_stale(company: Company, source: str, before: datetime) -> int:
    """Delete the company's records from `source` not stored since `before`, one statement
    per table, clearing the links to them first as Django's SET_NULL / CASCADE would
    (links never cross sources); returns how many records went.

    Django's cascade would read every such record (and what points at it) into memory. The
    stale payments, bills and suppliers are looked up first (usually there are none, and
    then nothing links to them): right after a bulk load the planner has no statistics for
    the new rows, and a link update with a subquery was planned as a nested loop (minutes).
    """
    quote = connection.ops.quote_name
    params: list[Any] = [company.pk, source, before]
    stale = "company_id = %s AND source = %s AND synced_at < %s"
    mine = "company_id = %s AND source = %s"
    postgres = connection.vendor == "postgresql"
    deleted = 0
    with transaction.atomic(), connection.cursor() as cursor:

        def stale_ids(model: type[models.Model]) -> list[int]:
            table = quote(model._meta.db_table)
            cursor.execute(f"SELECT id FROM {table} WHERE {stale}", params)  # noqa: S608
            return [int(row[0]) for row in cursor.fetchall()]

        def each(sql: str, head: list[Any], ids: list[int]) -> None:
            """`sql` with `{ids}` as `= ANY(array)` (PostgreSQL) or IN chunks (SQLite)."""
            if postgres:
                cursor.execute(sql.format(ids="= ANY(%s)"), [*head, ids])
                return
            for start in range(0, len(ids), _SQLITE_CHUNK):
                chunk = ids[start : start + _SQLITE_CHUNK]
                cursor.execute(
                    sql.format(ids=f"IN ({', '.join(['%s'] * len(chunk))})"), [*head, *chunk]
                )

        allocations = quote(m.PaymentAllocation._meta.db_table)
        payments = quote(m.BillPayment._meta.db_table)
        gone_payments = stale_ids(m.BillPayment)
        if gone_payments:
            each(f"DELETE FROM {allocations} WHERE payment_id {{ids}}", [], gone_payments)  # noqa: S608
        gone_bills = stale_ids(m.Bill)
        if gone_bills:
            each(
                f"UPDATE {allocations} SET bill_id = NULL "  # noqa: S608 - names are ours
                f"WHERE payment_id IN (SELECT id FROM {payments} WHERE {mine}) "
                "AND bill_id {ids}",
                [company.pk, source],
                gone_bills,
            )
        gone_suppliers = stale_ids(m.Supplier)
        if gone_suppliers:
            for model in (m.Bill, m.BillPayment, m.Expense):
                each(
                    f"UPDATE {quote(model._meta.db_table)} SET supplier_id = NULL "  # noqa: S608
                    f"WHERE {mine} AND supplier_id {{ids}}",
                    [company.pk, source],
                    gone_suppliers,
                )
        for data_type in reversed(DataType.ALL):
            table = quote(MODEL_FOR[data_type]._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE {stale}", params)  # noqa: S608
            deleted += int(cursor.rowcount)
    return deleted
