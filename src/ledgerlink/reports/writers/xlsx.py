"""Excel workbooks: XlsxWriter for the structure, a columnar fast path for the rows of tables.

Small sheets (a Customer page, the Spend Analysis rows) are written cell by cell with
XlsxWriter. Large tables (Supplier Analysis, the raw tabs, vendor-match files) would take
XlsxWriter about 30 s per million rows, so their rows are rendered as sheet XML by Polars, a
chunk of rows at a time, and spliced into the package XlsxWriter wrote: XlsxWriter still
writes the sheet (column widths and formats, frozen header, the header row, the Excel table
with its filter, styles), only with no data rows; the table's range is then widened to the
data. The rows are the same XML XlsxWriter writes in its `constant_memory` mode (inline
strings; the same escaping of `& < >`, of control characters as `_xHHHH_`, and of literal
`_xHHHH_` text), which a test checks cell for cell.

Text is always neutralised against formula injection (`safety.neutralise`) and written as
text; numbers are numbers, dates are Excel serial days with a date format. A table longer
than a sheet allows (`max_rows`, Excel's 1,048,576 by default, headers included) continues
on sheets named "Name 2", "Name 3", ... each with its own header and table.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import IO

import polars as pl
import xlsxwriter  # type: ignore[import-untyped]
from xlsxwriter.format import Format  # type: ignore[import-untyped]
from xlsxwriter.utility import xl_col_to_name, xl_range  # type: ignore[import-untyped]
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from ledgerlink.reports.writers.safety import WORKBOOK_OPTIONS, neutralise, neutralise_expr

EXCEL_MAX_ROWS = 1_048_576
Target = str | os.PathLike[str] | IO[bytes]


class Kind(Enum):
    TEXT = "text"
    INT = "int"
    MONEY = "money"
    PERCENT = "percent"
    DAYS = "days"
    DATE = "date"
    RATE = "rate"
    YES_NO = "yes_no"


NUMBER_FORMATS: dict[Kind, str | None] = {
    Kind.TEXT: None,
    Kind.INT: "#,##0",
    Kind.MONEY: "#,##0.00",
    Kind.PERCENT: "0.0%",
    Kind.DAYS: "#,##0.0",
    Kind.DATE: "yyyy-mm-dd",
    Kind.RATE: "0.0000######",
    Kind.YES_NO: None,
}
DEFAULT_WIDTHS: dict[Kind, float] = {
    Kind.TEXT: 18,
    Kind.INT: 10,
    Kind.MONEY: 15,
    Kind.PERCENT: 10,
    Kind.DAYS: 10,
    Kind.DATE: 12,
    Kind.RATE: 12,
    Kind.YES_NO: 8,
}
EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True, slots=True)
class Col:
    """One column of a table: the frame's column `key`, shown under `header`."""

    key: str
    header: str
    kind: Kind = Kind.TEXT
    width: float | None = None


@dataclass(frozen=True, slots=True)
class Section:
    """A label over consecutive columns (a merged cell above the header row)."""

    title: str
    first: int
    last: int


@dataclass(slots=True)
class _Spliced:
    sheet_index: int  # 0-based position among the workbook's sheets
    frame: pl.DataFrame
    columns: tuple[Col, ...]
    styles: tuple[int, ...]
    first_row: int  # 0-based row of the first data row
    placeholder_ref: str
    full_ref: str
    dimension: str


# --- cell values ---------------------------------------------------------------------------

_ESCAPED_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_NEEDS_PYTHON = r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_"


def excel_text(text: str) -> str:
    """Text with control characters and literal escapes encoded as XlsxWriter does."""
    text = _ESCAPED_ESCAPE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)
    return text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")


def _xml_escape(expr: pl.Expr) -> pl.Expr:
    return (
        expr.str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )


def _text_series(series: pl.Series) -> pl.Series:
    """Neutralised text, with the rare control characters encoded in Python."""
    text = pl.select(neutralise_expr(pl.lit(series).cast(pl.String()))).to_series()
    flagged = text.str.contains(_NEEDS_PYTHON).fill_null(False)
    if flagged.any():
        index = flagged.arg_true()
        fixed = [excel_text(value) for value in text.gather(index).to_list()]
        text = text.scatter(index, fixed)
    return text


def _cell_exprs(
    frame: pl.DataFrame, columns: Sequence[Col], styles: Sequence[int]
) -> list[pl.Expr]:
    """Per column, the `<c>` element of each row ("" for an empty cell)."""
    row = pl.col("_row")
    exprs: list[pl.Expr] = []
    for index, (column, style) in enumerate(zip(columns, styles, strict=True)):
        letter = xl_col_to_name(index)
        s_attr = f' s="{style}"' if style else ""
        value = pl.col(column.key)
        dtype = frame.schema[column.key]
        if dtype == pl.Null():
            exprs.append(pl.lit("").alias(f"_c{index}"))
            continue
        if column.kind in (Kind.TEXT, Kind.YES_NO):
            text: pl.Expr = value
            if dtype == pl.Boolean():
                text = pl.when(value).then(pl.lit("Yes")).otherwise(pl.lit("No"))
                text = pl.when(value.is_null()).then(None).otherwise(text)
            text = text.cast(pl.String())
            preserve = text.str.contains(r"^\s|\s$")
            cell = pl.concat_str(
                [
                    pl.lit(f'<c r="{letter}'),
                    row,
                    pl.lit(f'"{s_attr} t="inlineStr"><is><t'),
                    pl.when(preserve).then(pl.lit(' xml:space="preserve">')).otherwise(pl.lit(">")),
                    _xml_escape(text),
                    pl.lit("</t></is></c>"),
                ]
            )
            cell = pl.when(text.is_null() | (text == "")).then(pl.lit("")).otherwise(cell)
        else:
            if column.kind == Kind.DATE:
                if isinstance(dtype, pl.Datetime):
                    value = value.dt.date()
                number = (value - pl.lit(EXCEL_EPOCH)).dt.total_days().cast(pl.String())
                valid = value.is_not_null()
            else:
                number = value.cast(pl.String())
                valid = value.is_not_null()
                if dtype.is_float():
                    valid = valid & value.is_finite()
            cell = pl.concat_str(
                [
                    pl.lit(f'<c r="{letter}'),
                    row,
                    pl.lit(f'"{s_attr}><v>'),
                    number,
                    pl.lit("</v></c>"),
                ]
            )
            cell = pl.when(valid).then(cell).otherwise(pl.lit(""))
        exprs.append(cell.fill_null("").alias(f"_c{index}"))
    return exprs


def render_rows(
    frame: pl.DataFrame,
    columns: Sequence[Col],
    styles: Sequence[int],
    first_row: int,
    chunk_rows: int = 25_000,
) -> Iterator[bytes]:
    """The `<row>` elements of the frame's rows, as UTF-8 bytes, a chunk at a time."""
    for offset in range(0, frame.height, chunk_rows):
        chunk = frame.slice(offset, chunk_rows)
        prepared = chunk.select(
            *(
                _text_series(chunk.get_column(c.key)).alias(c.key)
                if c.kind in (Kind.TEXT, Kind.YES_NO)
                and chunk.schema[c.key] not in (pl.Boolean(), pl.Null())
                else pl.col(c.key)
                for c in columns
            )
        ).with_columns(
            pl.int_range(
                first_row + offset + 1, first_row + offset + 1 + chunk.height, dtype=pl.Int64
            )
            .cast(pl.String())
            .alias("_row")
        )
        cells = _cell_exprs(prepared, columns, styles)
        xml = prepared.select(
            pl.concat_str(
                [pl.lit('<row r="'), pl.col("_row"), pl.lit('">'), *cells, pl.lit("</row>")]
            ).alias("_xml")
        )
        # One line per row, written by Polars straight to bytes (no quoting: a single column).
        buffer = io.BytesIO()
        xml.write_csv(buffer, include_header=False, quote_style="never")
        yield buffer.getvalue()


# --- workbook ------------------------------------------------------------------------------


def _chunks(height: int, per_sheet: int) -> list[tuple[int, int]]:
    if height == 0:
        return [(0, 0)]
    return [(start, min(per_sheet, height - start)) for start in range(0, height, per_sheet)]


def _table_name(sheet: str) -> str:
    name = re.sub(r"\W", "_", sheet)
    return name if re.match(r"[A-Za-z_]", name) else f"T_{name}"


@dataclass
class Book:
    """A workbook being written. Use `with Book(target) as book:`; it is saved on exit."""

    target: Target
    max_rows: int = EXCEL_MAX_ROWS
    compression: int = 1
    chunk_rows: int = 25_000
    _dir: tempfile.TemporaryDirectory[str] = field(init=False)
    _path: Path = field(init=False)
    workbook: xlsxwriter.Workbook = field(init=False)
    formats: dict[str, Format] = field(init=False)
    _spliced: list[_Spliced] = field(init=False, default_factory=list)
    _sheets: list[str] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        if self.max_rows < 3:
            raise ValueError("a sheet needs room for a header and a row")
        self._dir = tempfile.TemporaryDirectory(prefix="ledgerlink-xlsx-")
        self._path = Path(self._dir.name) / "book.xlsx"
        options = dict(WORKBOOK_OPTIONS)
        options["tmpdir"] = self._dir.name
        self.workbook = xlsxwriter.Workbook(str(self._path), options)
        wb = self.workbook
        self.formats = {
            "header": wb.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
            "section": wb.add_format(
                {"bold": True, "align": "center", "bg_color": "#D9E1F2", "border": 1}
            ),
            "title": wb.add_format({"bold": True, "font_size": 14}),
            "label": wb.add_format({"bold": True}),
            "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        }
        for kind, number in NUMBER_FORMATS.items():
            self.formats[kind.value] = wb.add_format({"num_format": number} if number else {})
            self.formats[f"bold_{kind.value}"] = wb.add_format(
                {"num_format": number, "bold": True} if number else {"bold": True}
            )

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
            return
        try:  # a failed report: close XlsxWriter's temporary file, keep nothing
            self.workbook.close()
        except Exception:  # noqa: S110 - the original error is the one that matters
            pass
        finally:
            self._dir.cleanup()

    # --- small sheets, cell by cell ----------------------------------------------------------

    def add_sheet(self, name: str) -> Worksheet:
        self._sheets.append(name)
        return self.workbook.add_worksheet(name)

    def format_for(self, kind: Kind, *, bold: bool = False) -> Format:
        return self.formats[f"bold_{kind.value}" if bold else kind.value]

    def write(
        self, sheet: Worksheet, row: int, col: int, value: object, kind: Kind, *, bold: bool = False
    ) -> None:
        """One cell: text neutralised and as text, numbers as numbers, dates as dates."""
        fmt = self.format_for(kind, bold=bold)
        if value is None or (isinstance(value, float) and value != value):
            sheet.write_blank(row, col, None, fmt)
        elif kind in (Kind.TEXT, Kind.YES_NO):
            if isinstance(value, bool):
                value = "Yes" if value else "No"
            sheet.write_string(row, col, neutralise(str(value)), fmt)
        elif kind == Kind.DATE and isinstance(value, date | datetime):
            day = value.date() if isinstance(value, datetime) else value
            sheet.write_number(row, col, (day - EXCEL_EPOCH).days, fmt)
        elif isinstance(value, bool):
            sheet.write_string(row, col, "Yes" if value else "No", fmt)
        else:
            sheet.write_number(row, col, float(value), fmt)  # type: ignore[arg-type]

    def small_table(
        self,
        sheet: Worksheet,
        first_row: int,
        columns: Sequence[Col],
        rows: Sequence[Sequence[object]],
        *,
        name: str,
        bold_rows: set[int] | None = None,
    ) -> int:
        """An Excel table written cell by cell; returns the row after it."""
        bold_rows = bold_rows or set()
        last = first_row + max(len(rows), 1)
        sheet.add_table(
            first_row,
            0,
            last,
            len(columns) - 1,
            {
                "name": _table_name(name),
                "style": "Table Style Medium 2",
                "columns": [
                    {"header": neutralise(c.header), "header_format": self.formats["header"]}
                    for c in columns
                ],
            },
        )
        for index, column in enumerate(columns):
            sheet.set_column(index, index, self._width(column, None))
        for r, values in enumerate(rows):
            for c, (column, value) in enumerate(zip(columns, values, strict=True)):
                self.write(sheet, first_row + 1 + r, c, value, column.kind, bold=r in bold_rows)
        return last + 1

    # --- large tables, spliced ----------------------------------------------------------------

    def _width(self, column: Col, frame: pl.DataFrame | None) -> float:
        if column.width is not None:
            return column.width
        width = max(DEFAULT_WIDTHS[column.kind], min(len(column.header) + 2, 28))
        if column.kind == Kind.TEXT and frame is not None and frame.height:
            sample = frame.get_column(column.key).head(2000).cast(pl.String())
            longest = sample.str.len_chars().max()
            if isinstance(longest, int):
                width = max(width, min(longest + 2, 60))
        return float(width)

    def table(
        self,
        name: str,
        frame: pl.DataFrame,
        columns: Sequence[Col],
        *,
        sections: Sequence[Section] = (),
        freeze_cols: int = 0,
    ) -> list[str]:
        """A table of the frame's rows on sheet `name` (and "name 2", ... past `max_rows`).

        Returns the names of the sheets used.
        """
        columns = tuple(columns)
        headers = [neutralise(c.header) for c in columns]
        if len(set(headers)) != len(headers):
            raise ValueError(f"{name}: column headers must differ")
        header_row = 1 if sections else 0
        per_sheet = self.max_rows - header_row - 1
        # The style index each column's cells refer to: XlsxWriter gives a format its index
        # the first time a cell uses it, through this same call (the test comparing our rows
        # with XlsxWriter's own checks that the formats agree).
        styles = tuple(
            self.format_for(c.kind)._get_xf_index() if NUMBER_FORMATS[c.kind] else 0
            for c in columns
        )
        used: list[str] = []
        last_col = len(columns) - 1
        for number, (start, count) in enumerate(_chunks(frame.height, per_sheet), start=1):
            sheet_name = name if number == 1 else f"{name} {number}"
            if len(sheet_name) > 31:
                sheet_name = f"{name[: 31 - len(str(number)) - 1]} {number}"
            sheet = self.add_sheet(sheet_name)
            used.append(sheet_name)
            part = frame.slice(start, count)
            for index, column in enumerate(columns):
                fmt = self.format_for(column.kind) if NUMBER_FORMATS[column.kind] else None
                sheet.set_column(index, index, self._width(column, part), fmt)
            for section in sections:
                if section.first == section.last:
                    sheet.write_string(
                        0, section.first, neutralise(section.title), self.formats["section"]
                    )
                else:
                    sheet.merge_range(
                        0,
                        section.first,
                        0,
                        section.last,
                        neutralise(section.title),
                        self.formats["section"],
                    )
            # The table is declared over the header and one row; its range is widened to the
            # data when the rows are spliced in (XlsxWriter indexes every cell of a range).
            sheet.add_table(
                header_row,
                0,
                header_row + 1,
                last_col,
                {
                    "name": _table_name(sheet_name),
                    "style": "Table Style Medium 2",
                    "columns": [
                        {"header": h, "header_format": self.formats["header"]} for h in headers
                    ],
                },
            )
            sheet.set_row(header_row, 30)
            sheet.freeze_panes(header_row + 1, freeze_cols)
            last_row = header_row + max(count, 1)
            self._spliced.append(
                _Spliced(
                    sheet_index=len(self._sheets) - 1,
                    frame=part,
                    columns=columns,
                    styles=styles,
                    first_row=header_row + 1,
                    placeholder_ref=xl_range(header_row, 0, header_row + 1, last_col),
                    full_ref=xl_range(header_row, 0, last_row, last_col),
                    dimension=xl_range(0, 0, last_row, last_col),
                )
            )
        return used

    # --- saving ----------------------------------------------------------------------------

    def close(self) -> None:
        try:
            self.workbook.close()
            self._splice()
        finally:
            self._dir.cleanup()

    def _splice(self) -> None:
        by_sheet = {f"xl/worksheets/sheet{s.sheet_index + 1}.xml": s for s in self._spliced}
        with zipfile.ZipFile(self._path) as source:
            tables = self._table_files(source, by_sheet)
            rows = sum(s.frame.height * max(len(s.columns), 1) for s in self._spliced)
            zip64 = rows > 20_000_000
            with (
                open_target(self.target) as out,
                zipfile.ZipFile(
                    out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=self.compression
                ) as dest,
            ):
                for info in source.infolist():
                    data = source.read(info.filename)
                    if info.filename in by_sheet:
                        self._write_sheet(dest, info, data, by_sheet[info.filename], zip64)
                        continue
                    if info.filename in tables:
                        spliced = tables[info.filename]
                        text = data.decode("utf-8").replace(
                            f'ref="{spliced.placeholder_ref}"', f'ref="{spliced.full_ref}"'
                        )
                        data = text.encode("utf-8")
                    dest.writestr(info.filename, data)

    @staticmethod
    def _table_files(source: zipfile.ZipFile, by_sheet: dict[str, _Spliced]) -> dict[str, _Spliced]:
        """The table part of each spliced sheet, found through the sheet's relationships."""
        found: dict[str, _Spliced] = {}
        for sheet_path, spliced in by_sheet.items():
            rels = sheet_path.replace("worksheets/", "worksheets/_rels/") + ".rels"
            text = source.read(rels).decode("utf-8")
            for target in re.findall(r'Target="\.\./tables/(table\d+\.xml)"', text):
                found[f"xl/tables/{target}"] = spliced
        return found

    def _write_sheet(
        self,
        dest: zipfile.ZipFile,
        info: zipfile.ZipInfo,
        data: bytes,
        spliced: _Spliced,
        zip64: bool,
    ) -> None:
        text = data.decode("utf-8")
        text = re.sub(
            r'<dimension ref="[^"]*"/>', f'<dimension ref="{spliced.dimension}"/>', text, count=1
        )
        if "<sheetData/>" in text:
            text = text.replace("<sheetData/>", "<sheetData></sheetData>", 1)
        head, tail = text.split("</sheetData>", 1)
        rows = render_rows(
            spliced.frame, spliced.columns, spliced.styles, spliced.first_row, self.chunk_rows
        )
        with dest.open(info.filename, "w", force_zip64=zip64) as stream:
            stream.write(head.encode("utf-8"))
            # Render the next chunk (Polars) while this one is compressed (zlib): both let go
            # of the GIL, so the two overlap.
            with ThreadPoolExecutor(max_workers=1) as pool:
                pending = pool.submit(next, rows, None)
                while (block := pending.result()) is not None:
                    pending = pool.submit(next, rows, None)
                    stream.write(block)
            stream.write(b"</sheetData>")
            stream.write(tail.encode("utf-8"))


@contextmanager
def open_target(target: Target) -> Iterator[IO[bytes]]:
    """The destination stream: a file opened at a path, or the caller's own file object."""
    if isinstance(target, str | os.PathLike):
        with open(target, "wb") as file:
            yield file
    else:
        yield target
