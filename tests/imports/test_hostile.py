"""Hostile and broken files: each gets a clear message, quickly, and nothing is read."""

import io
import re
import time
import zipfile
import zlib

import pytest
import xlsxwriter

from ledgerlink.imports.parse import parse_upload
from ledgerlink.imports.safety import ZipLimits, human_size

from .helpers import (
    csv_zip,
    only_message,
    patch_central_directory,
    rezip,
    sheet_part,
    template,
    triples,
    valid_rows,
    xlsx,
)


def rejected_quickly(data: bytes, filename: str = "upload.xlsx", **kwargs) -> str:
    started = time.perf_counter()
    message = only_message(data, filename, **kwargs)
    assert time.perf_counter() - started < 2, "hostile files must be rejected within seconds"
    return message


def test_extension_allowlist():
    assert rejected_quickly(b"a,b\n1,2\n", "bills.csv") == (
        "A single CSV file is not accepted: put company.csv, suppliers.csv, bills.csv, "
        "payments.csv and expenses.csv together in one .zip file, or use the .xlsx template."
    )
    assert rejected_quickly(xlsx(), "book.xlsm") == (
        ".xlsm files are not accepted: open the file and save it as an Excel Workbook (.xlsx) "
        "without macros, or upload a .zip of CSV files."
    )
    assert rejected_quickly(b"MZ", "setup.exe") == (
        "The file type “.exe” is not accepted: upload the .xlsx template or a .zip of CSV files."
    )
    assert rejected_quickly(b"", "empty.xlsx") == (
        "The file is empty: choose the filled-in template and upload it again."
    )


def test_size_limit():
    data = xlsx()
    assert rejected_quickly(data, max_bytes=1000) == (
        f"The file is {human_size(len(data))}, more than the 1000 bytes limit: split the data "
        "over several uploads or remove what is not needed."
    )
    assert human_size(25 * 1024 * 1024) == "25 MB"
    assert parse_upload(data, "x.xlsx", max_bytes=len(data)).ok


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "it is a PNG image"),
        (b"%PDF-1.7\n", "it is a PDF document"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "it is a web page"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
            "it is a password-protected workbook or an old .xls file",
        ),
        (b"just some text", "its content is not a ZIP container"),
    ],
)
def test_real_type_is_checked(content, what):
    assert what in rejected_quickly(content, "renamed.xlsx")


def test_macro_workbook_renamed_to_xlsx():
    macro_types = xlsx()
    with zipfile.ZipFile(io.BytesIO(macro_types)) as archive:
        types = archive.read("[Content_Types].xml")
    renamed = rezip(
        macro_types,
        replace={
            "[Content_Types].xml": types.replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            )
        },
    )
    message = (
        "The file is a macro-enabled workbook (.xlsm), which is not accepted even when renamed: "
        "save it as an Excel Workbook (.xlsx) without macros and upload it again."
    )
    assert rejected_quickly(renamed) == message
    with_vba = rezip(xlsx(), add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"})
    assert rejected_quickly(with_vba) == message


def test_zip_that_is_not_a_workbook():
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert rejected_quickly(plain.getvalue()) == (
        "The file is a ZIP archive, not an Excel workbook: upload the .xlsx template, or give "
        "a .zip of CSV files the .zip extension."
    )
    assert rejected_quickly(plain.getvalue(), "data.zip") == (
        "This .zip is not the supplier information template: it has none of the files "
        "company.csv, suppliers.csv, bills.csv, payments.csv and expenses.csv. Download the "
        "template and copy your data into it."
    )


def test_workbook_that_is_not_the_template():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("Sheet1").write(0, 0, "hello")
    book.close()
    assert rejected_quickly(buffer.getvalue()) == (
        "This workbook is not the supplier information template: it has none of the sheets "
        "Company, Suppliers, Bills, Payments and Expenses. Download the template and copy your "
        "data into it."
    )


def test_zip_bomb_with_a_high_compression_ratio():
    bomb = rezip(xlsx(), add={"xl/media/zeros.bin": b"\x00" * (20 * 1024 * 1024)})
    assert len(bomb) < 200_000
    assert rejected_quickly(bomb) == (
        "The entry “xl/media/zeros.bin” is compressed more than 100:1, which only a ZIP bomb "
        "does: the file was rejected. Save your data again and upload the new copy."
    )


def test_nested_zip_in_a_csv_zip_is_never_opened():
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.csv", b"0" * 900_000)
    result = parse_upload(csv_zip(extra={"42.zip": inner.getvalue()}), "spend.zip")
    assert result.ok
    assert [w.message for w in result.warnings] == [
        "The file “42.zip” in the .zip is not part of the template and was ignored."
    ]


def test_false_size_header_is_caught_while_inflating():
    payload = b"<x>" + b" " * (5 * 1024 * 1024) + b"</x>"
    honest = rezip(xlsx(), add={"xl/custom.xml": payload})
    lying = patch_central_directory(honest, "xl/custom.xml", file_size=1000)
    assert rejected_quickly(lying) == (
        "The entry “xl/custom.xml” expands to more than the 1000 bytes its header declares "
        "(a false size header, as in a ZIP bomb): the file was rejected."
    )


def test_configurable_zip_limits():
    data = xlsx()
    entries = len(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert rejected_quickly(data, limits=ZipLimits(max_entries=5)) == (
        f"The file contains {entries} files, more than the 5 allowed: upload only the template "
        "(or the CSV files)."
    )
    message = rejected_quickly(data, limits=ZipLimits(max_entry_uncompressed=2000))
    assert re.fullmatch(
        r"The entry “.+” expands to \d+ KB, more than the 2 KB allowed per part: split the "
        r"data over several uploads\.",
        message,
    ), message
    assert rejected_quickly(data, limits=ZipLimits(max_total_uncompressed=20_000)) == (
        "The file expands to more than 20 KB: split the data over several uploads."
    )


def test_unsafe_paths_and_odd_entries():
    for name in ("../evil.csv", "/etc/passwd", "C:/evil.csv", "a/../../evil.csv"):
        bad = csv_zip(extra={name: b"x"})
        assert rejected_quickly(bad, "spend.zip") == (
            f"The file contains an entry with an unsafe path (“{name}”): upload the template or "
            "CSV files without folders outside it."
        )
    encrypted = patch_central_directory(csv_zip(), "bills.csv", flags=0x1)
    assert rejected_quickly(encrypted, "spend.zip") == (
        "The file is encrypted or password protected: remove the password and upload it again."
    )
    link = patch_central_directory(csv_zip(), "bills.csv", external_attr=0o120777 << 16)
    assert rejected_quickly(link, "spend.zip") == (
        "The file contains a symbolic link (“bills.csv”), which is not allowed: upload plain "
        "files only."
    )
    buffer = io.BytesIO()
    with pytest.warns(UserWarning), zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bills.csv", "a")
        archive.writestr("bills.csv", "b")
    assert "two entries named “bills.csv”" in rejected_quickly(buffer.getvalue(), "spend.zip")


def test_damaged_zip():
    data = bytearray(xlsx())
    middle = len(data) // 2
    data[middle : middle + 200] = b"\x00" * 200
    message = rejected_quickly(bytes(data))
    assert "damaged" in message or "could not be read" in message


XXE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
    b'uniqueCount="1"><si><t>&xxe;</t></si></sst>'
)
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<si><t>&lol9;</t></si></sst>"
)


@pytest.mark.parametrize("payload", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_entities_in_shared_strings_are_rejected(payload):
    data = rezip(template(), replace={"xl/sharedStrings.xml": payload})
    result = parse_upload(data, "x.xlsx")
    assert [p.message for p in result.problems] == [
        "The part “xl/sharedStrings.xml” contains an XML document type declaration (DTD), "
        "which Excel never writes and which can hide entity attacks: the file was rejected."
    ]
    assert "root:" not in repr(result)


def test_utf16_xml_cannot_hide_a_dtd():
    data = rezip(
        template(),
        replace={
            "xl/sharedStrings.xml": XXE.replace(b'encoding="UTF-8"', b'encoding="UTF-16"')
            .decode()
            .encode("utf-16")
        },
    )
    assert rejected_quickly(data) == (
        "The part “xl/sharedStrings.xml” is not UTF-8 XML: save the workbook again with Excel "
        "and upload the new copy."
    )


def test_row_limit_stops_reading():
    rows = {
        "Company": [["Acme", "GBP"]],
        "Suppliers": [["S1", "One"]],
        "Bills": [[f"B{i}", "S1", "2024-01-01", None, "GBP", None, 1, 0] for i in range(6)],
    }
    data = xlsx(rows)
    result = parse_upload(data, "x.xlsx", max_rows=5)
    assert [p.message for p in result.problems] == [
        "The Bills sheet has more than 5 rows of data (it goes down to row 7): split the data "
        "over several uploads, and delete anything far below the data."
    ]
    assert parse_upload(data, "x.xlsx", max_rows=6).ok
    csv_result = parse_upload(csv_zip(rows), "spend.zip", max_rows=5)
    assert [p.message for p in csv_result.problems] == [
        "bills.csv has more than 5 rows of data: split the data over several uploads."
    ]


def test_far_away_cells_cannot_blow_up_the_reader():
    def far_column(book):
        book["Bills"]["XFD2"] = "x"

    def far_row(book):
        book["Bills"]["A1048576"] = "x"

    assert rejected_quickly(xlsx(edit=far_column)) == (
        "The Bills sheet uses 16,384 columns, more than the 200 allowed: delete the columns "
        "that are not part of the template."
    )
    assert rejected_quickly(xlsx(edit=far_row)) == (
        "The Bills sheet has more than 1,000,000 rows of data (it goes down to row 1,048,576): "
        "split the data over several uploads, and delete anything far below the data."
    )


def test_a_booby_trapped_extra_sheet_is_not_accepted():
    def notes(book):
        book.create_sheet("Notes")["XFD3"] = "far away"

    assert triples(xlsx(edit=notes)) == [
        (
            "Notes",
            None,
            "",
            "The Notes sheet uses 16,384 columns, more than the 200 allowed: "
            "delete the columns that are not part of the template.",
        ),
    ]


def test_shared_strings_bomb():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name in ("Company", "Suppliers", "Payments", "Expenses"):
        book.add_worksheet(name)
    bills = book.add_worksheet("Bills")
    long_text = "x" * 30_000
    for row in range(8_000):
        bills.write_string(row, 0, long_text)
    book.close()
    assert len(buffer.getvalue()) < 200_000
    started = time.perf_counter()
    found = parse_upload(buffer.getvalue(), "bomb.xlsx").problems
    assert time.perf_counter() - started < 2
    assert found[0].message == (
        "The Bills sheet repeats very long texts in many cells (it would expand to hundreds of "
        "megabytes when read): shorten the long texts."
    )


def test_cells_without_positions():
    data = xlsx()
    part = sheet_part(data, "Bills")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(part)
    stripped = re.sub(rb'<c r="[A-Z]+[0-9]+"', b"<c", xml)
    assert rejected_quickly(rezip(data, replace={part: stripped})) == (
        "The Bills sheet was written without cell positions, which this importer does not "
        "read: open the file in Excel, save it again and upload the new copy."
    )


def test_random_bytes_never_crash():
    import random

    rng = random.Random(1234)
    base = xlsx()
    for _ in range(40):
        data = bytearray(base)
        for _ in range(rng.randint(1, 20)):
            at = rng.randrange(len(data))
            data[at] = rng.randrange(256)
        result = parse_upload(bytes(data), "fuzzed.xlsx")
        assert result.ok or result.problems
    for _ in range(40):
        blob = bytes(rng.randrange(256) for _ in range(rng.randint(0, 2000)))
        for name in ("x.xlsx", "x.zip"):
            result = parse_upload(b"PK\x03\x04" + blob, name)
            assert not result.ok and result.problems


def test_deflate_garbage_in_an_entry():
    data = xlsx()
    name = sheet_part(data, "Bills")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    raw = bytearray(data)
    start = info.header_offset + 30 + len(name.encode()) + len(info.extra)
    raw[start : start + 40] = zlib.compress(b"nonsense")[:40].ljust(40, b"\xff")
    assert "damaged" in rejected_quickly(bytes(raw))


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (
            b'<c r="A1048576" t="inlineStr"><is><t>x</t></is></c>',
            "The Bills sheet has more than 1,000,000 rows of data (it goes down to row "
            "1,048,576): split the data over several uploads, and delete anything far below "
            "the data.",
        ),
        (
            b'<c r="XFD1" t="inlineStr"><is><t>x</t></is></c>',
            "The Bills sheet uses 16,384 columns, more than the 200 allowed: delete the columns "
            "that are not part of the template.",
        ),
        (
            b'<c r="Z1" t="inlineStr"><is><t>x</t></is></c>',
            "",
        ),
    ],
)
def test_far_cells_before_the_last_row_are_found(cell, message):
    """The used area is found from every position, not from the last row or cell element
    (which a crafted file can put anywhere)."""
    data = xlsx()
    part = sheet_part(data, "Bills")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(part)
    first_row_end = xml.index(b"</row>")
    crafted = xml[:first_row_end] + cell + xml[first_row_end:]
    found = parse_upload(rezip(data, replace={part: crafted}), "x.xlsx")
    if message:
        assert [p.message for p in found.problems] == [message]
    else:  # a column Z far right of the template's columns is only read (and ignored)
        assert not any("columns" in p.message or "rows of" in p.message for p in found.problems)


def test_a_sheet_the_reader_cannot_read_rejects_the_file_after_the_sheets_before_it():
    """Sheets are read in the background while the ones before are checked: a reading error
    in a later sheet still rejects the whole file with that one message."""
    rows = valid_rows()
    rows["Bills"][0][6] = "abc"  # a problem on a sheet checked before Payments is read
    data = xlsx(rows)
    part = sheet_part(data, "Payments")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        broken = archive.read(part).replace(b"</sheetData>", b"")
    assert only_message(rezip(data, replace={part: broken})) == (
        "The workbook could not be read (XmlError): open it in Excel, save it as an Excel "
        "Workbook (.xlsx) and upload the new copy."
    )
