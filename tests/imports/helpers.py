"""Building filled-in templates (as a user would) and hostile files for the import tests."""

from __future__ import annotations

import csv
import io
import struct
import zipfile
from datetime import date
from typing import Any

import openpyxl

from ledgerlink.imports.parse import Problem, parse_upload
from ledgerlink.imports.template import build_template

_TEMPLATE: bytes | None = None


def template() -> bytes:
    global _TEMPLATE
    if _TEMPLATE is None:
        _TEMPLATE = build_template()
    return _TEMPLATE


COMPANY = [
    [
        "Acme Trading Ltd",
        "GBP",
        "01234567",
        "GB123456789",
        "+44 20 7946 0000",
        "1 High Street, London",
        "https://acme.example",
    ]
]
SUPPLIERS = [
    [
        "S1",
        "Office Supplies Co",
        "",
        "",
        "Sam Jones",
        "sam@office.example",
        "",
        "10 Market St",
        "",
        "Leeds",
        "",
        "LS1 1AA",
        "United Kingdom",
        30,
        "Bank transfer",
        "Active",
    ],
    ["S2", "Travel Co"],
    [
        "S3",
        "Euro GmbH",
        "",
        "DE123",
        "",
        "",
        "",
        "",
        "",
        "Berlin",
        "",
        "",
        "Germany",
        "",
        "",
        "archived",
    ],
]
BILLS = [
    # Bill ID, Supplier ID, Issue date, Due date, Currency, Rate, Total, Due, Status, Reference
    ["B1", "S1", date(2024, 1, 5), date(2024, 2, 4), "GBP", None, 100, 0, "Paid", "INV-1"],
    ["B2", "S1", "2024-01-10", None, "GBP", 1, 200.5, 50.5, None, "INV-2"],
    ["B3", "S3", date(2024, 2, 1), "2024-03-02", "EUR", 0.86, 1000, 1000, "Open", ""],
]
PAYMENTS = [
    # Payment ID, Supplier ID, Bill ID, Date, Currency, Rate, Amount, Method, Account, Note
    ["P1", "S1", "B1", date(2024, 1, 20), "GBP", None, 100, "Bank transfer", "Current", "Jan"],
    ["P1", "S1", "B2", date(2024, 1, 20), "GBP", None, 150, "Bank transfer", "Current", ""],
    ["P1", "S1", None, date(2024, 1, 20), "GBP", None, 25, "Bank transfer", "Current", ""],
    ["P2", "S3", None, "2024-02-10", "EUR", 0.86, 40, "Card", "", "deposit"],
]
EXPENSES = [
    # Expense ID, Supplier ID, Supplier name, Date, Currency, Rate, Amount, Method, Account, Note
    [
        "E1",
        None,
        "Rail Travel Ltd",
        date(2024, 3, 20),
        "EUR",
        0.86,
        86.4,
        "Card",
        "Company card",
        "Train",
    ],
    ["E2", "S2", None, "2024-03-21", "GBP", None, 12.5, "Cash", "", ""],
]


def valid_rows() -> dict[str, list[list[Any]]]:
    return {
        "Company": [list(r) for r in COMPANY],
        "Suppliers": [list(r) for r in SUPPLIERS],
        "Bills": [list(r) for r in BILLS],
        "Payments": [list(r) for r in PAYMENTS],
        "Expenses": [list(r) for r in EXPENSES],
    }


def xlsx(
    sheets: dict[str, list[list[Any]]] | None = None,
    *,
    text_cells: bool = False,
    edit: Any = None,
) -> bytes:
    """The template filled in with openpyxl, as a user typing into Excel would.

    Strings starting with "=" become real formulas (as in Excel) unless `text_cells`.
    `edit(workbook)` may change anything before saving.
    """
    book = openpyxl.load_workbook(io.BytesIO(template()))
    for name, rows in (sheets if sheets is not None else valid_rows()).items():
        ws = book[name]
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
                if text_cells and isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"
    if edit is not None:
        edit(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_cell(sheet: str, row: int, column: int, value: Any) -> dict[str, list[list[Any]]]:
    """The valid rows with one cell changed; `row` as in Excel (2 = first data row)."""
    rows = valid_rows()
    data = rows[sheet][row - 2]
    while len(data) < column:
        data.append(None)
    data[column - 1] = value
    return rows


def csv_text(rows: list[list[Any]], header: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            ["" if v is None else v.isoformat() if isinstance(v, date) else v for v in row]
        )
    return out.getvalue()


def csv_zip(
    sheets: dict[str, list[list[Any]]] | None = None,
    *,
    bom: bool = False,
    extra: dict[str, bytes] | None = None,
    raw: dict[str, bytes] | None = None,
    leave_out: tuple[str, ...] = (),
) -> bytes:
    from ledgerlink.imports.schema import SHEETS

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for sheet in SHEETS:
            if sheet.csv_name in leave_out:
                continue
            if raw and sheet.csv_name in raw:
                archive.writestr(sheet.csv_name, raw[sheet.csv_name])
                continue
            rows = (sheets if sheets is not None else valid_rows()).get(sheet.name, [])
            text = csv_text(rows, [c.title for c in sheet.columns])
            archive.writestr(
                sheet.csv_name, (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
            )
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return out.getvalue()


def rezip(
    data: bytes,
    *,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
    drop: tuple[str, ...] = (),
) -> bytes:
    """A copy of a ZIP (an .xlsx) with some parts replaced, added or dropped."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        missing = set(replace or {}) - set(source.namelist())
    assert not missing, f"no such parts to replace: {missing}"
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename in drop:
                continue
            content = (replace or {}).get(info.filename, source.read(info.filename))
            target.writestr(info.filename, content)
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def sheet_part(data: bytes, name: str) -> str:
    """The part name of a worksheet (the template's sheets are written in order)."""
    from ledgerlink.imports.schema import SHEETS

    order = ["Instructions", *[s.name for s in SHEETS]]
    return f"xl/worksheets/sheet{order.index(name) + 1}.xml"


def patch_central_directory(data: bytes, name: str, **fields: int) -> bytes:
    """Overwrite fields of an entry in the local header and central directory (lies)."""
    buffer = bytearray(data)
    encoded = name.encode()
    offsets = {
        "flags": (8, 6, "<H"),
        "file_size": (24, 22, "<L"),
        "external_attr": (38, None, "<L"),
    }
    at = 0
    while (at := buffer.find(b"PK\x01\x02", at)) >= 0:
        name_len = struct.unpack("<H", buffer[at + 28 : at + 30])[0]
        if bytes(buffer[at + 46 : at + 46 + name_len]) == encoded:
            local = struct.unpack("<L", buffer[at + 42 : at + 46])[0]
            for field, value in fields.items():
                central, local_offset, fmt = offsets[field]
                struct.pack_into(fmt, buffer, at + central, value)
                if local_offset is not None:
                    struct.pack_into(fmt, buffer, local + local_offset, value)
        at += 4
    return bytes(buffer)


def problems(data: bytes, filename: str = "template.xlsx", **kwargs: Any) -> list[Problem]:
    return parse_upload(data, filename, **kwargs).problems


def triples(data: bytes, filename: str = "template.xlsx", **kwargs: Any) -> list[tuple]:
    """(sheet, row, column, message) of each problem."""
    return [(p.sheet, p.row, p.column, p.message) for p in problems(data, filename, **kwargs)]


def only_message(data: bytes, filename: str = "template.xlsx", **kwargs: Any) -> str:
    found = problems(data, filename, **kwargs)
    assert len(found) == 1, [str(p) for p in found]
    return found[0].message
