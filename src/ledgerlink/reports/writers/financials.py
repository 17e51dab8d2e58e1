"""The Financials workbook: P&L and balance sheet by month (taxonomy and the client's own
accounts), the checks, and every account's category and amount per period.

Pure: it writes what it is given. `ledgerlink.financials.export.build_financials_workbook`
gathers the figures for a company and calls `write_financials`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ledgerlink.reports.writers.xlsx import Book, Col, Kind, Target


@dataclass(frozen=True, slots=True)
class StatementSheet:
    name: str  # sheet name, at most 31 characters
    title: str
    months: Sequence[date]
    rows: Sequence[tuple[str, str, Sequence[Decimal]]]  # (label, kind, amounts)
    notes: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class BalancesSheet:
    months: Sequence[date]
    # code, name, statement, type, subtype, detail, status, confidence, amounts
    rows: Sequence[tuple[str, str, str, str, str, str, str, float | None, Sequence[Decimal]]]


def _statement(book: Book, sheet_data: StatementSheet, company: str, currency: str) -> None:
    sheet = book.add_sheet(sheet_data.name)
    sheet.write_string(0, 0, f"{sheet_data.title} – {company}"[:200], book.formats["title"])
    book.write(sheet, 1, 0, f"Amounts in {currency or 'the base currency'}", Kind.TEXT)
    row = 2
    for note in sheet_data.notes:
        book.write(sheet, row, 0, note, Kind.TEXT)
        row += 1
    row += 1
    sheet.set_column(0, 0, 42)
    sheet.set_column(1, len(sheet_data.months), 14)
    book.write(sheet, row, 0, "Line", Kind.TEXT, bold=True)
    for c, month in enumerate(sheet_data.months, start=1):
        book.write(sheet, row, c, month, Kind.DATE, bold=True)
    sheet.freeze_panes(row + 1, 1)
    for label, kind, amounts in sheet_data.rows:
        row += 1
        bold = kind in ("heading", "subheading", "total")
        indent = "    " if kind == "line" else "  " if kind == "subheading" else ""
        book.write(sheet, row, 0, indent + label, Kind.TEXT, bold=bold)
        for c, amount in enumerate(amounts, start=1):
            book.write(sheet, row, c, amount, Kind.MONEY, bold=bold)


def write_financials(
    target: Target,
    *,
    company: str,
    currency: str,
    statements: Sequence[StatementSheet],
    balances: BalancesSheet,
) -> None:
    with Book(target) as book:
        for statement in statements:
            _statement(book, statement, company, currency)
        sheet = book.add_sheet("Account balances")
        columns = [
            Col("code", "Code", Kind.TEXT, 10), Col("name", "Account", Kind.TEXT, 36),
            Col("statement", "Statement"), Col("type", "Type", Kind.TEXT, 12),
            Col("subtype", "Subtype", Kind.TEXT, 22), Col("detail", "Detail", Kind.TEXT, 28),
            Col("status", "Status", Kind.TEXT, 14), Col("confidence", "Confidence", Kind.PERCENT),
            *(Col(f"m{i}", f"{m:%Y-%m}", Kind.MONEY) for i, m in enumerate(balances.months)),
        ]  # fmt: skip
        rows = [(*r[:8], *r[8]) for r in balances.rows]
        book.small_table(sheet, 0, columns, rows, name="AccountBalances")
        sheet.freeze_panes(1, 2)
