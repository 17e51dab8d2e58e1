"""The supplier information template workbook that clients download and fill in.

Built from `schema.SHEETS`, so it always has exactly the columns the importer reads. The
data sheets are empty (header row only): examples live on the Instructions sheet, so an
untouched template imports as "no data" rather than as a fictitious supplier.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]

from ledgerlink.imports.schema import (
    BILL_STATUSES,
    BILLS,
    INSTRUCTIONS,
    PAYMENTS,
    SHEETS,
    SUPPLIER_STATUSES,
    Column,
    Kind,
    Sheet,
)

LAST_ROW = 1_048_575  # 0-based: Excel's last row
TITLE = "Supplier information template"

INTRODUCTION = (
    (
        "What this is for",
        "Your bank has asked for information about your suppliers and what you pay them. Fill "
        "in this workbook from your accounting records and upload it where the bank's link asks "
        "for it.",
    ),
    (
        "How to fill it in",
        "There is one sheet per kind of record: Company (exactly one row), Suppliers, Bills, "
        "Payments and Expenses. Keep row 1 of each sheet (the column names) and enter your data "
        "from row 2. Columns marked * are required. Leave a sheet empty below its header if you "
        "have nothing for it, but do not delete it. The table below explains every column and "
        "gives an example value.",
    ),
    (
        "Dates, amounts, currencies",
        "Dates as YYYY-MM-DD (for example 2024-03-31) or real Excel dates. Amounts as plain "
        "numbers with a point as the decimal separator and no thousands separator: 1234.56, "
        "not 1,234.56. Currencies as ISO 4217 codes such as GBP, EUR or USD. The exchange rate "
        "is how many units of the company's base currency one unit of the row's currency is "
        "worth: leave it blank (or 1) when the row is in the base currency.",
    ),
    (
        "Split and unallocated payments",
        "On the Payments sheet, each row is the part of a payment that went to one bill. "
        "Repeat the Payment ID on several rows to split one payment over several bills, and "
        "leave Bill ID blank for a part that is not allocated to any bill. A payment's amount "
        "is the sum of its rows.",
    ),
    (
        "Values only",
        "Type or paste values only: cells containing formulas are rejected. Save the file as "
        "an Excel Workbook (.xlsx). Instead of this workbook you may upload one .zip holding "
        "company.csv, suppliers.csv, bills.csv, payments.csv and expenses.csv (CSV UTF-8, comma "
        "separated) with the same column names.",
    ),
    (
        "All or nothing",
        "Nothing is imported unless the whole file is valid. If something is wrong you get the "
        "full list of problems, each with its sheet, row, column and how to fix it. Uploading "
        "again replaces everything uploaded before.",
    ),
)


def build_template() -> bytes:
    """The template as .xlsx bytes."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            # Text stays text: nothing a value contains becomes a formula or a link.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    workbook.set_properties(
        {
            "title": TITLE,
            "subject": "Suppliers, bills, payments and expenses",
            "author": "ledgerlink",
            "comments": "Fill in the sheets, keep their header rows, upload the file as .xlsx.",
        }
    )
    formats = _formats(workbook)
    _instructions(workbook, formats)
    for sheet in SHEETS:
        _data_sheet(workbook, sheet, formats)
    workbook.close()
    return buffer.getvalue()


def _formats(workbook: Any) -> dict[str, Any]:
    return {
        "title": workbook.add_format({"bold": True, "font_size": 16}),
        "label": workbook.add_format({"bold": True, "valign": "top"}),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
        "table_header": workbook.add_format(
            {"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "border": 1}
        ),
        "cell": workbook.add_format({"text_wrap": True, "valign": "top", "border": 1}),
        "required": workbook.add_format(
            {"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True}
        ),
        "optional": workbook.add_format(
            {"bold": True, "bg_color": "#EDEDED", "border": 1, "text_wrap": True}
        ),
        "text": workbook.add_format({"num_format": "@"}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "general": workbook.add_format({}),
    }


def _instructions(workbook: Any, formats: dict[str, Any]) -> None:
    ws = workbook.add_worksheet(INSTRUCTIONS)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 30)
    ws.set_column(2, 2, 10)
    ws.set_column(3, 4, 48)
    ws.set_column(5, 5, 26)
    ws.write_string(0, 0, TITLE, formats["title"])
    row = 2
    for label, text in INTRODUCTION:
        ws.write_string(row, 0, label, formats["label"])
        ws.merge_range(row, 1, row, 5, text, formats["wrap"])
        ws.set_row(row, 15 * (1 + len(text) // 120))
        row += 1
    row += 1
    headers = ("Sheet", "Column", "Required", "Meaning", "Accepted values", "Example")
    for col, header in enumerate(headers):
        ws.write_string(row, col, header, formats["table_header"])
    ws.freeze_panes(row + 1, 0)
    row += 1
    for sheet in SHEETS:
        for column in sheet.columns:
            cells = (
                sheet.name,
                column.title,
                "yes" if column.required else "no",
                column.meaning,
                column.accepted,
                column.example,
            )
            for col, value in enumerate(cells):
                ws.write_string(row, col, value, formats["cell"])
            row += 1
    ws.activate()


def _column_format(column: Column, formats: dict[str, Any]) -> Any:
    if column.kind == Kind.DATE:
        return formats["date"]
    if column.kind in (Kind.AMOUNT, Kind.RATE, Kind.DAYS):
        return formats["general"]
    return formats["text"]


def _data_sheet(workbook: Any, sheet: Sheet, formats: dict[str, Any]) -> None:
    ws = workbook.add_worksheet(sheet.name)
    ws.freeze_panes(1, 0)
    ws.set_row(0, 30)
    for col, column in enumerate(sheet.columns):
        width = min(max(len(column.title) + 4, 14), 40)
        ws.set_column(col, col, width, _column_format(column, formats))
        ws.write_string(
            0, col, column.title, formats["required" if column.required else "optional"]
        )
        validation = _validation(sheet, column)
        if validation:
            ws.data_validation(1, col, LAST_ROW, col, validation)
    last = len(sheet.columns) - 1
    ws.ignore_errors({"number_stored_as_text": f"A1:{_letters(last)}{LAST_ROW + 1}"})


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _validation(sheet: Sheet, column: Column) -> dict[str, Any] | None:
    """An Excel data validation that helps while typing (the importer checks anyway)."""
    if column.kind == Kind.CHOICE:
        options = list(column.choices)
        title = "Status"
        message = "Choose one of: " + ", ".join(options)
        if column.choices is BILL_STATUSES:
            message += " (blank: it follows from the amount due)"
        elif column.choices is SUPPLIER_STATUSES:
            message += " (or leave blank)"
        return {
            "validate": "list",
            "source": options,
            "input_title": title,
            "input_message": message[:255],
            "error_title": "Not a status",
            "error_message": message[:255],
        }
    if column.suggestions:
        return {
            "validate": "list",
            "source": list(column.suggestions),
            "error_type": "information",
            "input_title": "Payment method",
            "input_message": "Choose from the list, or type your own.",
        }
    if column.kind == Kind.CURRENCY:
        return {
            "validate": "length",
            "criteria": "==",
            "value": 3,
            "error_title": "Currency code",
            "error_message": "Use a 3-letter ISO 4217 code such as GBP, EUR or USD.",
        }
    if column.kind == Kind.DATE:
        return {
            "validate": "date",
            "criteria": "between",
            "minimum": date(1900, 1, 1),
            "maximum": date(2100, 12, 31),
            "error_title": "Date",
            "error_message": "Type a date as YYYY-MM-DD.",
        }
    if column.kind in (Kind.AMOUNT, Kind.RATE):
        if column.kind == Kind.RATE or sheet is PAYMENTS:
            criteria: dict[str, Any] = {"criteria": ">", "value": 0}
        elif sheet is BILLS:
            criteria = {"criteria": ">=", "value": 0}
        else:
            criteria = {"criteria": "between", "minimum": -1e15, "maximum": 1e15}
        return {
            "validate": "decimal",
            **criteria,
            "error_title": "Number",
            "error_message": ("Type a plain number such as 1234.56 (no thousands separator)."),
        }
    if column.kind == Kind.DAYS:
        return {
            "validate": "integer",
            "criteria": "between",
            "minimum": 0,
            "maximum": 3650,
            "error_title": "Days",
            "error_message": "Type a whole number of days, e.g. 30.",
        }
    return None
