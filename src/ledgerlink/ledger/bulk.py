"""Fast idempotent bulk upserts, below the ORM.

`Model.objects.bulk_create(update_conflicts=True)` builds a model instance per row and one
parameter per value, which caps a sync at a few thousand records per second. Here rows are
plain tuples: on PostgreSQL they are COPYed into a temporary table and merged with one
`INSERT … SELECT … ON CONFLICT DO UPDATE`; elsewhere (SQLite) `executemany` runs the same
upsert. Both keep the (company, source, source_id) idempotency of the ORM path.

The COPY helpers below also take rows whose values are already in PostgreSQL's text input
form (str; None for NULL; bool and int as they are): `copy_lines` turns them into COPY text
lines, escaping only when a page needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

NULL = "\\N"  # NULL in COPY's text format


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(connection.ops.quote_name(name) for name in names)


def copy_value(value: Any) -> str:
    """One value in COPY's text format (escaped; NULL as \\N)."""
    if value is None:
        return NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    text = (
        value
        if type(value) is str
        else str.__str__(value)
        if isinstance(value, str)
        else str(value)
    )
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def copy_line(row: Sequence[Any]) -> str:
    return "\t".join([copy_value(value) for value in row])


def copy_lines(rows: Sequence[Sequence[Any]], width: int) -> list[str]:
    """COPY text lines of `rows` (each `width` values).

    The fast way joins the values as they are; that is right when every value is a string
    without a backslash, tab, newline or carriage return, which one scan of the joined page
    tells. Otherwise every value is converted and escaped.
    """
    join = "\t".join
    try:
        lines = list(map(join, rows))
    except TypeError:  # a None, bool or number among the values: column by column
        columns = [_copy_column(column) for column in zip(*rows, strict=True)]
        return list(map(join, zip(*columns, strict=True)))
    text = "\n".join(lines)
    if (
        "\\" in text
        or "\r" in text
        or text.count("\n") != len(lines) - 1
        or text.count("\t") != len(lines) * (width - 1)
    ):
        return [copy_line(row) for row in rows]
    return lines


def _copy_column(values: Sequence[Any]) -> Sequence[str]:
    """`copy_value` of each of one column's values; a column of plain strings (and NULLs)
    needing no escape is taken as it is."""
    kinds = set(map(type, values))
    if kinds <= {str, type(None)}:
        nulls = type(None) in kinds
        strings = [v for v in values if v is not None] if nulls else values
        text = "".join(strings)
        if "\\" not in text and "\t" not in text and "\n" not in text and "\r" not in text:
            return [NULL if v is None else v for v in values] if nulls else values
    return [copy_value(value) for value in values]


def text_array(values: Sequence[str]) -> str:
    """A PostgreSQL text[] literal of `values` (pass it as a parameter cast to text[])."""
    if not values:
        return "{}"
    joined = '","'.join(values)
    if "\\" in joined or joined.count('"') != 2 * (len(values) - 1):
        joined = '","'.join(v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return '{"' + joined + '"}'


def copy_text(table: str, columns: Sequence[str], lines: Sequence[str], suffix: str = "") -> None:
    """COPY `lines` (text format) into `table`; `suffix` is appended to every line."""
    if not lines:
        return
    end = suffix + "\n"
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(f"COPY {quote(table)} ({_quoted(columns)}) FROM STDIN") as copy:
            copy.write(end.join(lines) + end)


def stage(table: str, columns: Sequence[str]) -> str:
    """An empty temporary table shaped like `columns` of `table`; returns its name."""
    quote = connection.ops.quote_name
    name = f"_stage_{table}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {quote(name)} "  # noqa: S608 - names are ours
            f"AS SELECT {_quoted(columns)} FROM {quote(table)} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {quote(name)}")
    return name


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
            staged = stage(table, columns)
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(f"COPY {quote(staged)} ({_quoted(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {quote(table)} ({_quoted(columns)}) "  # noqa: S608
                f"SELECT {_quoted(columns)} FROM {quote(staged)} {on_conflict}"
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
