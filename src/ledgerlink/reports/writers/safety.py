"""Formula-injection neutralisation for every text cell we write (security.md item 19).

A text that starts with `=`, `+`, `-`, `@`, a tab, a carriage return or a NUL is written with
a leading `'`, so that neither Excel nor a CSV reader nor a later edit of the cell can take it
for a formula. The workbooks are also created with XlsxWriter's string conversions off
(`WORKBOOK_OPTIONS`), and numbers are written as numbers, never as text.
"""

from __future__ import annotations

import re

import polars as pl

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
_TRIGGER = re.compile(r"^[=+\-@\t\r\x00]")
TRIGGER_PATTERN = r"^[=+\-@\t\r\x00]"

# XlsxWriter would otherwise turn "=..." into a formula, "http..." into a link and "1e5" into
# a number. `tmpdir` is left to the system; `use_zip64` is set per workbook where needed.
WORKBOOK_OPTIONS: dict[str, object] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}

EXCEL_MAX_TEXT = 32_767


def neutralise(text: str) -> str:
    """The text as it may be written into a cell: prefixed with `'` if it starts a formula."""
    if _TRIGGER.match(text):
        text = "'" + text
    return text[:EXCEL_MAX_TEXT]


def neutralise_expr(expr: pl.Expr) -> pl.Expr:
    """`neutralise` for a column of text."""
    return (
        pl.when(expr.str.contains(TRIGGER_PATTERN))
        .then(pl.lit("'") + expr)
        .otherwise(expr)
        .str.slice(0, EXCEL_MAX_TEXT)
    )
