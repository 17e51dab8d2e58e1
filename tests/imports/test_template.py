"""The downloadable template: its sheets, columns, instructions and an untouched import."""

import io
import zipfile

import openpyxl

from ledgerlink.imports.parse import parse_upload
from ledgerlink.imports.schema import SHEETS
from ledgerlink.imports.template import build_template

from .helpers import template


def test_sheets_and_headers_follow_the_spec():
    book = openpyxl.load_workbook(io.BytesIO(build_template()))
    assert book.sheetnames == [
        "Instructions",
        "Company",
        "Suppliers",
        "Bills",
        "Payments",
        "Expenses",
    ]
    headers = {name: [c.value for c in book[name][1]] for name in book.sheetnames[1:]}
    assert headers["Company"] == [
        "Company name*",
        "Base currency*",
        "Registration number",
        "Tax number",
        "Phone",
        "Address",
        "Website",
    ]
    assert headers["Suppliers"] == [
        "Supplier ID*",
        "Supplier name*",
        "Registration number",
        "Tax number",
        "Contact name",
        "Email",
        "Phone",
        "Address line 1",
        "Address line 2",
        "City",
        "Region",
        "Postal code",
        "Country",
        "Default payment terms (days)",
        "Default payment method",
        "Status",
    ]
    assert headers["Bills"] == [
        "Bill ID*",
        "Supplier ID*",
        "Issue date*",
        "Due date",
        "Currency*",
        "Exchange rate",
        "Total amount*",
        "Amount due*",
        "Status",
        "Reference",
    ]
    assert headers["Payments"] == [
        "Payment ID*",
        "Supplier ID*",
        "Bill ID",
        "Payment date*",
        "Currency*",
        "Exchange rate",
        "Amount*",
        "Payment method",
        "Paid from account",
        "Reference / note",
    ]
    assert headers["Expenses"] == [
        "Expense ID*",
        "Supplier ID",
        "Supplier name",
        "Date*",
        "Currency*",
        "Exchange rate",
        "Amount*",
        "Payment method",
        "Paid from account",
        "Reference / note",
    ]


def test_data_sheets_are_empty_frozen_and_validated():
    book = openpyxl.load_workbook(io.BytesIO(build_template()))
    for sheet in SHEETS:
        ws = book[sheet.name]
        assert ws.max_row == 1, f"{sheet.name} must have no example rows"
        assert ws.freeze_panes == "A2"
        assert ws.column_dimensions["A"].width >= 14
    bills = book["Bills"]
    lists = [dv for dv in bills.data_validations.dataValidation if dv.type == "list"]
    assert any(dv.formula1 == '"Open,Partially paid,Paid,Void,Draft"' for dv in lists)
    payments = book["Payments"]
    methods = [dv for dv in payments.data_validations.dataValidation if dv.type == "list"]
    assert methods and methods[0].errorStyle == "information"  # other methods still allowed


def test_instructions_explain_every_column_with_an_example():
    book = openpyxl.load_workbook(io.BytesIO(build_template()))
    ws = book["Instructions"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header_at = next(
        i
        for i, row in enumerate(rows)
        if row[:6] == ["Sheet", "Column", "Required", "Meaning", "Accepted values", "Example"]
    )
    table = rows[header_at + 1 :]
    expected = [(s.name, c.title) for s in SHEETS for c in s.columns]
    assert [(row[0], row[1]) for row in table] == expected
    for row in table:
        assert row[2] in ("yes", "no")
        assert row[3] and row[4] and row[5], row
    text = " ".join(str(v) for row in rows[:header_at] for v in row if v)
    assert "YYYY-MM-DD" in text and "thousands separator" in text
    assert "Repeat the Payment ID" in text and "leave Bill ID blank" in text


def test_no_formulas_or_links_are_written():
    with zipfile.ZipFile(io.BytesIO(template())) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name)
                assert b"<f>" not in xml and b"<f " not in xml
                assert b"hyperlink" not in xml


def test_untouched_template_is_no_data():
    result = parse_upload(template(), "supplier-template.xlsx")
    assert not result.ok
    assert [p.message for p in result.problems] == [
        "The file has no data: every sheet is empty. Fill in the Company sheet and at least "
        "one of the Suppliers, Bills, Payments or Expenses sheets (the Instructions sheet "
        "explains each column), then upload it again."
    ]
    assert result.warnings == []
