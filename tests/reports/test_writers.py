"""Report files: structure, formats, the row limit, and what the fast row path writes."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import polars as pl
import pytest
import xlsxwriter
from pptx import Presentation

from ledgerlink.insights import analyse_spend
from ledgerlink.insights.ongoing import ongoing_insights
from ledgerlink.insights.summary import spend_summary
from ledgerlink.reports.writers import (
    WORKBOOK_OPTIONS,
    write_ongoing_insights,
    write_spend_analysis,
    write_spend_summary,
    write_vendor_match,
)
from ledgerlink.reports.writers.xlsx import Book, Col, Kind
from tests.insights.builders import Ledger
from tests.insights.fixtures import frames, params


@pytest.fixture(scope="module")
def analysis():
    return analyse_spend(frames(), params())


def _load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _bytes(write, *args, **kwargs) -> bytes:
    buffer = io.BytesIO()
    write(*args, buffer, **kwargs)
    return buffer.getvalue()


def _table_rows(sheet, header_row: int = 1) -> list[dict[str, object]]:
    rows = list(sheet.iter_rows(min_row=header_row, values_only=True))
    headers = rows[0]
    return [dict(zip(headers, r, strict=True)) for r in rows[1:]]


def test_spend_analysis_workbook_tabs_tables_and_figures(analysis, tmp_path):
    path = tmp_path / "spend.xlsx"
    write_spend_analysis(analysis, path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "Customer",
        "Spend Analysis",
        "Supplier Analysis",
        "Bills",
        "Bill Payments",
        "Expenses",
    ]
    # Every tab is an Excel table with a filter, under a frozen header.
    for sheet in book.worksheets:
        assert len(sheet.tables) == 1, sheet.title
        table = next(iter(sheet.tables.values()))
        assert table.autoFilter is not None
        assert sheet.freeze_panes is not None
    customer = {r["Field"]: r["Value"] for r in _table_rows(book["Customer"], 3)}
    assert customer["Legal name"] == "Acme Trading Limited"
    assert customer["Total spend (GBP)"] == pytest.approx(2884.23)
    assert customer["Period start"] == datetime(2024, 1, 1)
    assert customer["Suppliers"] == 3
    spend = {r["Payment method"]: r for r in _table_rows(book["Spend Analysis"], 3)}
    assert spend["Credit Card"]["Total spend (GBP)"] == pytest.approx(1562.0)
    assert spend["Check"]["Average payment terms (days)"] == pytest.approx(21.7416, abs=1e-3)
    assert spend["Total"]["# suppliers"] == 3
    suppliers = _table_rows(book["Supplier Analysis"], 2)
    assert [s["Supplier"] for s in suppliers] == ["Alpha Ltd", "Beta GmbH", "Gamma Services"]
    assert suppliers[0]["Accepted credit card in last 12 months"] == "Yes"
    assert suppliers[0]["Most recent bill"] == datetime(2024, 3, 1)
    assert suppliers[1]["% outstanding"] == pytest.approx(172 / 1022)
    assert book["Supplier Analysis"]["A1"].value == "Supplier"  # the section row
    bills = _table_rows(book["Bills"])
    assert {b["Bill ID"] for b in bills} == {"B1", "B2", "B3", "B4", "B5"}
    b3 = next(b for b in bills if b["Bill ID"] == "B3")
    assert b3["Total (GBP)"] == 850.0 and b3["Total"] == 1000.0 and b3["Currency"] == "EUR"
    assert b3["Exchange rate"] == pytest.approx(0.85)
    assert b3["Settlement date"] == datetime(2024, 5, 10)
    assert b3["Paid late"] == "No"
    payments = _table_rows(book["Bill Payments"])
    assert sum(p["Amount (GBP)"] for p in payments) == pytest.approx(2235.0)
    p1 = next(p for p in payments if p["Payment ID"] == "P1")
    assert p1["Bills paid"] == "B1" and p1["Inferred method"] == "Credit Card"
    assert p1["Paid from account"] == "Amex Gold"
    # Formats: money, percentages and dates.
    sheet = book["Supplier Analysis"]
    header = [c.value for c in sheet[2]]
    money_cell = sheet.cell(3, header.index("Total spend (GBP)") + 1)
    assert money_cell.data_type == "n" and money_cell.number_format == "#,##0.00"
    assert sheet.cell(3, header.index("% outstanding") + 1).number_format == "0.0%"
    assert sheet.cell(3, header.index("Most recent bill") + 1).number_format == "yyyy-mm-dd"
    # Table ranges cover the data exactly.
    table = next(iter(book["Bills"].tables.values()))
    assert table.ref == "A1:S6"


def test_multi_entity_workbook_has_the_breakdown_and_company_columns(tmp_path):
    book = Ledger(company_id=10, company_name="Parent plc")
    book.company(legal_name="Parent plc", base_currency="GBP")
    book.supplier("S1", "Alpha").supplier("S1", "Beta", company_id=11)
    book.bill("B1", "S1", "2024-02-01", "100")
    book.bill("B1", "S1", "2024-02-01", "250", company_id=11)
    analysis = analyse_spend(book.frames(), params(company_id=10))
    data = _bytes(write_spend_analysis, analysis)
    wb = _load(data)
    assert wb.sheetnames[1] == "Entity Spend Breakdown"
    entities = _table_rows(wb["Entity Spend Breakdown"])
    assert [e["Entity"] for e in entities] == ["Parent plc", "Entity 11", "Total"]
    assert entities[-1]["Total spend (GBP)"] == 350.0
    bills = _table_rows(wb["Bills"])
    assert {(b["Company ID"], b["Company"]) for b in bills} == {
        (10, "Parent plc"),
        (11, "Entity 11"),
    }


def test_raw_tabs_continue_on_numbered_sheets_past_the_row_limit():
    book = Ledger().supplier("S1", "Many Bills")
    for i in range(11):
        book.bill(f"B{i:02d}", "S1", f"2024-02-{i + 1:02d}", str(10 + i))
    analysis = analyse_spend(book.frames(), params())
    wb = _load(_bytes(write_spend_analysis, analysis, max_rows=5))  # header + 4 rows a sheet
    assert [n for n in wb.sheetnames if n.startswith("Bills")] == ["Bills", "Bills 2", "Bills 3"]
    ids: list[str] = []
    for name in ("Bills", "Bills 2", "Bills 3"):
        sheet = wb[name]
        rows = _table_rows(sheet)
        assert len(rows) <= 4
        ids += [r["Bill ID"] for r in rows]
        table = next(iter(sheet.tables.values()))
        assert table.ref == f"A1:S{len(rows) + 1}"
        assert sheet.freeze_panes == "A2"
    assert ids == [f"B{i:02d}" for i in range(11)]  # every bill once, in order
    assert len({next(iter(wb[n].tables)) for n in ("Bills", "Bills 2", "Bills 3")}) == 3


def test_spliced_rows_read_back_like_xlsxwriters_own(tmp_path):
    """The fast path and XlsxWriter (constant_memory) give the same cells."""
    awkward = [
        "plain",
        "  padded  ",
        "a & b < c > d",
        'quote " here',
        "tab\tinside",
        "line\nbreak",
        "ctrl\x01\x1fchars",
        "_x0041_ literal",
        "ünïcødé ✓ 漢字",
        "",
        None,
        "=1+1",
        "x" * 40_000,
    ]
    n = len(awkward)
    frame = pl.DataFrame(
        {
            "text": awkward,
            "int": [i - 3 if i % 4 else None for i in range(n)],
            "money": [
                12.34,
                -0.5,
                1e-4,
                123456789.99,
                float("nan"),
                None,
                0.0,
                1e16,
                -7.0,
                3.0,
                2.5,
                float("inf"),
                1.0,
            ],
            "date": [date(2024, 1, 1 + i) if i % 5 else None for i in range(n)],
            "flag": [True, False, None] * 4 + [True],
        }
    )
    columns = (
        Col("text", "Text", Kind.TEXT),
        Col("int", "Int", Kind.INT),
        Col("money", "Money", Kind.MONEY),
        Col("date", "Date", Kind.DATE),
        Col("flag", "Flag", Kind.YES_NO),
    )
    fast = tmp_path / "fast.xlsx"
    with Book(fast) as book:
        book.table("Data", frame, columns)
    slow = tmp_path / "slow.xlsx"
    workbook = xlsxwriter.Workbook(str(slow), {**WORKBOOK_OPTIONS, "constant_memory": True})
    sheet = workbook.add_worksheet("Data")
    formats = {
        Kind.INT: workbook.add_format({"num_format": "#,##0"}),
        Kind.MONEY: workbook.add_format({"num_format": "#,##0.00"}),
        Kind.DATE: workbook.add_format({"num_format": "yyyy-mm-dd"}),
    }
    from ledgerlink.reports.writers.safety import neutralise

    for c, column in enumerate(columns):
        sheet.write_string(0, c, column.header)
    for r, values in enumerate(frame.iter_rows(), start=1):
        for c, (column, value) in enumerate(zip(columns, values, strict=True)):
            if value is None or value == "" or (isinstance(value, float) and value != value):
                continue
            if isinstance(value, float) and value in (float("inf"), float("-inf")):
                continue
            if column.kind == Kind.TEXT:
                sheet.write_string(r, c, neutralise(value))
            elif column.kind == Kind.YES_NO:
                sheet.write_string(r, c, "Yes" if value else "No")
            elif column.kind == Kind.DATE:
                sheet.write_datetime(
                    r, c, datetime.combine(value, datetime.min.time()), formats[Kind.DATE]
                )
            else:
                sheet.write_number(r, c, value, formats[column.kind])
    workbook.close()
    ours = openpyxl.load_workbook(fast)["Data"]
    theirs = openpyxl.load_workbook(slow)["Data"]
    for r in range(2, n + 2):
        for c in range(1, len(columns) + 1):
            a, b = ours.cell(r, c), theirs.cell(r, c)
            assert (a.value, a.data_type) == (b.value, b.data_type), (r, c)
            if b.value is not None:
                assert a.number_format == b.number_format, (r, c)
    assert ours.cell(4, 1).value == "a & b < c > d"
    # Control characters are stored as Excel's _xHHHH_ escapes (Excel shows the characters).
    assert ours.cell(8, 1).value == "ctrl_x0001__x001F_chars"
    assert ours.cell(13, 1).value == "'=1+1"
    assert len(ours.cell(14, 1).value) == 32_767
    # The sheet XML itself: same <c> elements for text as XlsxWriter writes.
    with zipfile.ZipFile(fast) as z:
        ours_xml = z.read("xl/worksheets/sheet1.xml").decode()
    with zipfile.ZipFile(slow) as z:
        theirs_xml = z.read("xl/worksheets/sheet1.xml").decode()
    pattern = r'<c r="A\d+"[^>]*t="inlineStr"><is><t[^>]*>.*?</t></is></c>'
    strip = lambda cells: [re.sub(r' s="\d+"', "", c) for c in cells]  # noqa: E731
    # (XlsxWriter's header is inline there and shared here: compare the data rows.)
    theirs_cells = strip(re.findall(pattern, theirs_xml, re.S))[1:]
    assert strip(re.findall(pattern, ours_xml, re.S)) == theirs_cells


def test_spend_summary_slide(analysis, tmp_path):
    summary = spend_summary(analysis)
    path = tmp_path / "summary.pptx"
    write_spend_summary(summary, path, org_name="First Bank", brand_colour="#C00000")
    deck = Presentation(str(path))
    assert len(deck.slides) == 1
    slide = deck.slides[0]
    text = "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
    assert "First Bank" in text
    assert "Card opportunity: Acme Trading Ltd" in text
    assert "£24" in text  # annual card benefits 24.44
    assert "£1,022" in text  # cardable spend
    charts = [s.chart for s in slide.shapes if s.has_chart]
    assert len(charts) == 1
    plot = charts[0].plots[0]
    assert list(plot.categories) == ["Card", "Non-card", "Unknown"]
    assert list(plot.series[0].values) == [1562.0, 1022.23, 300.0]
    tables = [s.table for s in slide.shapes if s.has_table]
    assert tables[0].cell(1, 0).text == "Beta GmbH"
    assert tables[0].cell(1, 2).text == "14"
    with zipfile.ZipFile(path) as z:
        assert "C00000" in z.read("ppt/slides/slide1.xml").decode()
    with pytest.raises(ValueError):
        write_spend_summary(summary, io.BytesIO(), org_name="x", brand_colour="red; evil")


def test_ongoing_insights_and_vendor_match_files():
    book = Ledger().supplier("S1", "Old").supplier("S2", "New")
    book.bill("B1", "S1", "2024-08-05", "1000")
    book.bill("B2", "S2", "2024-11-05", "300")
    insights = ongoing_insights(book.frames(), params(generation_date=date(2025, 1, 20)))
    assert insights is not None
    wb = _load(_bytes(write_ongoing_insights, insights))
    assert wb.sheetnames == ["Summary", "Spend Analysis", "New Suppliers"]
    assert [r["Supplier"] for r in _table_rows(wb["New Suppliers"], 2)] == ["New"]
    analysis = analyse_spend(frames(), params())
    for network, sheet_name in (
        ("mastercard", "Mastercard suppliers"),
        ("visa", "Visa suppliers"),
        ("wex", "WEX suppliers"),
        ("paytech", "PayTech suppliers"),
    ):
        wb = _load(_bytes(write_vendor_match, analysis, network))
        assert wb.sheetnames == [sheet_name]
        rows = _table_rows(wb[sheet_name])
        assert [r["Supplier name"] for r in rows] == ["Alpha Ltd", "Beta GmbH", "Gamma Services"]
        assert rows[0]["Total spend (GBP)"] == 1550.0


def test_empty_period_still_writes_every_file():
    analysis = analyse_spend(Ledger().frames(), params())
    wb = _load(_bytes(write_spend_analysis, analysis))
    assert _table_rows(wb["Bills"]) == []
    assert next(iter(wb["Bills"].tables.values())).ref == "A1:S2"  # header and one blank row
    assert _table_rows_header(wb["Bills"])[0] == "Bill ID"
    summary = spend_summary(analysis)
    assert summary.annual_card_benefits == Decimal("0.00")
    assert _bytes(write_spend_summary, summary, org_name="Bank").startswith(b"PK")
    for network in ("mastercard", "visa", "wex", "paytech"):
        assert _bytes(write_vendor_match, analysis, network).startswith(b"PK")


def _table_rows_header(sheet) -> tuple[object, ...]:
    return next(sheet.iter_rows(min_row=1, max_row=1, values_only=True))
