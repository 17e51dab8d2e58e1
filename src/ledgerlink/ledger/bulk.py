"""Fast idempotent bulk upserts, below the ORM.

`Model.objects.bulk_create(update_conflicts=True)` builds a model instance per row and one
parameter per value, which caps a sync at a few thousand records per second. Here rows are
plain tuples: on PostgreSQL they are COPYed into a temporary table and merged with one
`INSERT … SELECT … ON CONFLICT DO UPDATE`; elsewhere (SQLite) `executemany` runs the same
upsert. Both keep the (company, source, source_id) idempotency of the ORM path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(connection.ops.quote_name(name) for name in names)


def upsert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert `rows` (values in `columns` order, database column names) or update on conflict."""
    if not rows:
        return
    table = model._meta.db_table
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in update)
    on_conflict = f"ON CONFLICT ({_quoted(conflict)}) DO UPDATE SET {assignments}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            stage = f"_stage_{table}"
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {quote(stage)} "  # noqa: S608 - names are ours
                f"AS SELECT {_quoted(columns)} FROM {quote(table)} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {quote(stage)}")
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(f"COPY {quote(stage)} ({_quoted(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {quote(table)} ({_quoted(columns)}) "  # noqa: S608
                f"SELECT {_quoted(columns)} FROM {quote(stage)} {on_conflict}"
            )
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({_quoted(columns)}) "  # noqa: S608
                f"VALUES ({placeholders}) {on_conflict}",
                [tuple(row) for row in rows],
            )


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Plain insert of many rows (COPY on PostgreSQL)."""
    if not rows:
        return
    table = model._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({_quoted(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({_quoted(columns)}) "  # noqa: S608
                f"VALUES ({placeholders})",
                [tuple(row) for row in rows],
            )
