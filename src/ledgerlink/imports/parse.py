"""Reading an uploaded supplier template into ledger records, with every problem found.

`parse_upload(data, filename)` accepts the .xlsx template or a .zip of CSV files named after
its sheets. Nothing here touches the database: the result is plain ledger records (keyed by
data type) plus a list of problems and warnings, each pointing at the sheet, the row number
the user sees in Excel (the header is row 1) and the column. File-level problems come first,
then row problems in sheet order. Only a result without problems may be imported.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import gc
import io
import logging
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from ledgerlink.imports.currencies import ISO_4217
from ledgerlink.imports.safety import (
    DEFAULT_LIMITS,
    MAX_UPLOAD_BYTES,
    Rejected,
    ZipLimits,
    check_name_and_size,
    check_zip_signature,
    open_zip,
    read_entry,
)
from ledgerlink.imports.schema import (
    BILLS,
    COMPANY,
    EXPENSES,
    INSTRUCTIONS,
    PAYMENTS,
    SHEETS,
    SUPPLIERS,
    Column,
    Kind,
    Sheet,
    normalise_header,
)
from ledgerlink.imports.xlsx import (
    MAX_COLUMNS,
    Cell,
    RawSheet,
    SheetValues,
    column_letters,
    read_workbook,
)
from ledgerlink.ledger.records import (
    Allocation,
    BillPaymentRecord,
    BillRecord,
    CompanyInfoRecord,
    DataType,
    ExpenseRecord,
    SupplierRecord,
)

logger = logging.getLogger(__name__)

MAX_ROWS_PER_SHEET = 1_000_000
MAX_PROBLEMS = 1000
MAX_CELL_CHARS = 32_767
TEMPLATE_TYPES: tuple[str, ...] = tuple(sheet.data_type for sheet in SHEETS)
MONEY_PLACES = 4  # ledger MONEY fields
MONEY_LIMIT = Decimal(10) ** 16
RATE_PLACES = 10  # ledger RATE fields
RATE_LIMIT = Decimal(10) ** 10
MIN_YEAR, MAX_YEAR = 1900, 2100


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the file. `row` is the row number shown in Excel (None: file)."""

    sheet: str
    row: int | None
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = [self.sheet] if self.sheet else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(self.column)
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass(slots=True)
class ParseResult:
    records: dict[str, list[Any]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # All problems found; `problems` lists at most MAX_PROBLEMS of them.
    problem_count: int = 0

    @property
    def ok(self) -> bool:
        return self.problem_count == 0 and not self.problems

    @property
    def counts(self) -> dict[str, int]:
        return {data_type: len(self.records.get(data_type, ())) for data_type in TEMPLATE_TYPES}


def parse_upload(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_rows: int = MAX_ROWS_PER_SHEET,
    limits: ZipLimits = DEFAULT_LIMITS,
    max_problems: int = MAX_PROBLEMS,
) -> ParseResult:
    """Check and read an upload. Never raises for anything the file contains."""
    with gc_paused():
        return _parse(data, filename, max_bytes, max_rows, limits, max_problems)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (restored afterwards, even on error).

    Reading a big file creates millions of small objects and no reference cycles: the
    collector would only re-scan them over and over, a third of the time spent."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse(
    data: bytes,
    filename: str,
    max_bytes: int,
    max_rows: int,
    limits: ZipLimits,
    max_problems: int,
) -> ParseResult:
    try:
        extension = check_name_and_size(data, filename, max_bytes)
        check_zip_signature(data, extension)
        if extension == ".xlsx":
            sheets, file_problems, warnings = _read_xlsx(data, max_rows, limits)
        else:
            sheets, file_problems, warnings = _read_csv_zip(data, max_rows, limits)
        try:
            return _Validation(sheets, file_problems, warnings, max_problems).run()
        finally:
            if isinstance(sheets, SheetValues):
                sheets.close()  # nothing more is read after an error
    except Rejected as rejected:
        return _rejected(rejected.message)
    except Exception:  # a file must never crash the caller; the log has the details
        logger.exception("Unexpected error while reading an uploaded template")
        return _rejected(
            "The file could not be read because of an unexpected error: save it again as "
            "an Excel Workbook (.xlsx) and upload the new copy. If it happens again, tell "
            "your contact at the bank."
        )


def _rejected(message: str) -> ParseResult:
    return ParseResult(problems=[Problem("", None, "", "", message)], problem_count=1)


# Reading the two file forms into raw sheets -------------------------------------------------

Sheets = Mapping[str, RawSheet]
_NOT_TEMPLATE = (
    "This {what} is not the supplier information template: it has none of the {parts}. "
    "Download the template and copy your data into it."
)


def _read_xlsx(
    data: bytes, max_rows: int, limits: ZipLimits
) -> tuple[Sheets, list[Problem], list[Problem]]:
    book = read_workbook(data, [s.name for s in SHEETS], max_rows=max_rows, limits=limits)
    present = {name.strip().casefold() for name in book.sheet_names}
    if not any(sheet.name.casefold() in present for sheet in SHEETS):
        raise Rejected(
            _NOT_TEMPLATE.format(what="workbook", parts="sheets " + _and([s.name for s in SHEETS]))
        )
    known = {sheet.name.casefold() for sheet in SHEETS} | {INSTRUCTIONS.casefold()}
    warnings = [
        Problem(
            name, None, "", "", f"The sheet “{name}” is not part of the template and was ignored."
        )
        for name in book.sheet_names
        if name.strip().casefold() not in known
    ]
    troubles = {trouble.name: trouble.message for trouble in book.troubles}
    problems = []
    for sheet in SHEETS:
        if sheet.name.casefold() not in present:
            problems.append(
                Problem(
                    sheet.name,
                    None,
                    "",
                    "",
                    f"The {sheet.name} sheet is missing: copy it back from the template (with its "
                    "header row; leave it empty if there is nothing to list).",
                )
            )
        elif sheet.name in troubles:
            problems.append(Problem(sheet.name, None, "", "", troubles.pop(sheet.name)))
    # Other sheets are not read, but a workbook with a booby-trapped sheet is not accepted.
    problems += [Problem(name, None, "", "", message) for name, message in troubles.items()]
    return book.sheets, problems, warnings


def _read_csv_zip(
    data: bytes, max_rows: int, limits: ZipLimits
) -> tuple[Sheets, list[Problem], list[Problem]]:
    archive = open_zip(data, limits)
    by_csv = {sheet.csv_name: sheet for sheet in SHEETS}
    found: dict[str, zipfile.ZipInfo] = {}
    warnings: list[Problem] = []
    names = set()
    for info in archive.infolist():
        if info.is_dir():
            continue
        path = info.filename.replace("\\", "/")
        base = posixpath.basename(path)
        names.add(path.casefold())
        if path.startswith("__MACOSX/") or base.startswith("."):
            continue
        sheet = by_csv.get(base.casefold())
        if sheet is None:
            warnings.append(
                Problem(
                    "",
                    None,
                    "",
                    "",
                    f"The file “{path[:80]}” in the .zip is not part of the template and was "
                    "ignored.",
                )
            )
            continue
        if sheet.name in found:
            raise Rejected(f"The .zip contains {sheet.csv_name} twice: keep only one.")
        found[sheet.name] = info
    if not found:
        if "[content_types].xml" in names:
            raise Rejected(
                "This .zip is an Excel workbook: rename it to .xlsx and upload it again."
            )
        raise Rejected(
            _NOT_TEMPLATE.format(what=".zip", parts="files " + _and([s.csv_name for s in SHEETS]))
        )
    sheets: dict[str, RawSheet] = {}
    problems = []
    for sheet in SHEETS:
        entry = found.get(sheet.name)
        if entry is None:
            problems.append(
                Problem(
                    sheet.name,
                    None,
                    "",
                    "",
                    f"The .zip has no {sheet.csv_name}: add it (the header row alone is enough "
                    "when there is nothing to list).",
                )
            )
            continue
        try:
            rows = read_csv(sheet.csv_name, read_entry(data, entry), max_rows)
        except Rejected as rejected:
            problems.append(Problem(sheet.name, None, "", "", rejected.message))
            continue
        sheets[sheet.name] = RawSheet(sheet.name, rows)
    return sheets, problems, warnings


@contextmanager
def _csv_field_limit(limit: int) -> Iterator[None]:
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def read_csv(name: str, content: bytes, max_rows: int) -> list[list[str]]:
    """Rows of a UTF-8 CSV file (BOM or not); stops as soon as there are too many."""
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
    if b"\x00" in content:
        raise Rejected(
            f"{name} contains NUL bytes, so it is not UTF-8 text (it may be UTF-16): save "
            "it as “CSV UTF-8 (Comma delimited)” and zip it again."
        )
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        raise Rejected(
            f"{name} is not UTF-8 text (line {line}): save it as “CSV UTF-8 (Comma "
            "delimited)” and zip it again."
        ) from None
    del content
    rows: list[list[str]] = []
    with _csv_field_limit(MAX_CELL_CHARS):
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            for row in reader:
                rows.append(row)
                if len(rows) > max_rows + 1:
                    raise Rejected(
                        f"{name} has more than {max_rows:,} rows of data: split the data "
                        "over several uploads."
                    )
                if len(row) > MAX_COLUMNS:
                    raise Rejected(
                        f"{name} line {reader.line_num} has {len(row):,} columns, more than "
                        f"the {MAX_COLUMNS} allowed: remove the extra columns."
                    )
        except csv.Error as error:
            reason = (
                f"has a value longer than {MAX_CELL_CHARS:,} characters: shorten it"
                if "field limit" in str(error)
                else "cannot be read as CSV: check its quotes"
            )
            raise Rejected(f"{name} line {reader.line_num} {reason}.") from None
    if rows and len(rows[0]) == 1:
        for separator, shown in ((";", "semicolons"), ("\t", "tabs")):
            if separator in rows[0][0]:
                raise Rejected(
                    f"{name} separates values with {shown}: save it as “CSV UTF-8 (Comma "
                    "delimited)” so values are separated by commas."
                )
    return rows


def _and(items: list[str]) -> str:
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


# Cells -> values ----------------------------------------------------------------------------


class _Bad(Exception):
    """A cell's value is wrong: `message` says what and how to fix it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def as_text(raw: Cell) -> str:
    """A cell as the text a user would read in it."""
    cls = raw.__class__
    if cls is str:
        return raw.strip()  # type: ignore[no-any-return]
    if raw is None:
        return ""
    if cls is bool:
        return "TRUE" if raw else "FALSE"
    if cls is float:
        if raw.is_integer():
            return str(int(raw))
        return repr(raw)
    if cls is Decimal:
        return format(raw.normalize(), "f") if raw else "0"
    if cls is datetime and raw.time() == time(0):
        return raw.date().isoformat()  # type: ignore[no-any-return]
    if isinstance(raw, date | time):
        return raw.isoformat()
    return str(raw).strip()


def shown(raw: Cell, limit: int = 60) -> str:
    text = as_text(raw)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:[,.' \u00a0\u202f\u2009]\d{3})+(?:[.,]\d+)?")
_COMMA_DECIMAL = re.compile(r"[+-]?\d*,\d+")
_NOISE = Decimal("1e-9")


def _number(raw: Cell, header: str, places: int, limit: Decimal, exact: bool) -> Decimal | None:
    """A Decimal from a number cell or plain-number text; None when blank."""
    cls = raw.__class__
    if cls is float:
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise _Bad(
                f"{header} {shown(raw)} is not a number: write a plain number such as 1234.56"
            )
        text = repr(raw)
        value = Decimal(format(raw, "f") if "e" in text else text)
    elif cls is int:
        value = Decimal(raw)
    elif cls is str:
        text = raw.strip()
        if not text:
            return None
        if not _PLAIN_NUMBER.fullmatch(text):
            raise _Bad(_not_a_number(header, text))
        value = Decimal(text)
    elif raw is None:
        return None
    else:
        raise _Bad(f"{header} {shown(raw)} is not a number: write a plain number such as 1234.56")
    if abs(value) >= limit:
        raise _Bad(f"{header} {shown(raw)} is too large: check the number")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        rounded = value.quantize(Decimal(1).scaleb(-places))
        if exact and abs(value - rounded) > _NOISE:
            raise _Bad(
                f"{header} {shown(raw)} has more than {places} decimal places: round it to {places}"
            )
        value = rounded
    return value


def _not_a_number(header: str, text: str) -> str:
    value = text if len(text) <= 60 else text[:59] + "…"
    if _THOUSANDS.fullmatch(text):
        return (
            f"{header} {value} uses a thousands separator: write the number without "
            "separators, e.g. 1234.56"
        )
    if _COMMA_DECIMAL.fullmatch(text):
        return f"{header} {value} uses a comma as the decimal separator: use a point, e.g. 1234.56"
    return (
        f"{header} {value} is not a number: write a plain number such as 1234.56, "
        "without currency symbols, letters or spaces"
    )


Converter = Callable[[Cell], Any]


def _blank(column: Column) -> Any:
    if column.required:
        raise _Bad(f"{column.header} is required: fill it in")
    return None if column.kind in (Kind.DATE, Kind.AMOUNT, Kind.RATE, Kind.DAYS) else ""


def _converter(column: Column) -> Converter:
    header = column.header
    kind = column.kind
    limit = column.max_length or MAX_CELL_CHARS

    if kind in (Kind.TEXT, Kind.ID, Kind.EMAIL):

        def text(raw: Cell) -> Any:
            value = raw.strip() if raw.__class__ is str else as_text(raw)
            if not value:
                return _blank(column)
            if len(value) > limit:
                raise _Bad(
                    f"{header} is {len(value):,} characters long, more than the "
                    f"{limit:,} allowed: shorten it"
                )
            if "\x00" in value:
                raise _Bad(f"{header} contains a NUL character: remove it")
            if kind == Kind.EMAIL and ("@" not in value or " " in value):
                raise _Bad(
                    f"{header} {shown(value)} is not an email address: enter one such "
                    "as name@example.com, or leave it blank"
                )
            return value

        return text

    if kind == Kind.DATE:

        def to_date(raw: Cell) -> Any:
            cls = raw.__class__
            if cls is date:
                value = raw
            elif cls is datetime:
                value = raw.date()
            elif cls is str:
                text = raw.strip()
                if not text:
                    return _blank(column)
                try:
                    if len(text) != 10 or text[4] != "-" or text[7] != "-":
                        raise ValueError
                    value = date.fromisoformat(text)
                except ValueError:
                    raise _Bad(f"{header} {shown(text)} is not a date: use YYYY-MM-DD") from None
            elif raw is None:
                return _blank(column)
            elif cls in (int, float):
                raise _Bad(
                    f"{header} {shown(raw)} is a number, not a date: type the date as "
                    "YYYY-MM-DD or format the cell as a date"
                )
            elif isinstance(raw, time | timedelta):
                raise _Bad(f"{header} {shown(raw)} is a time, not a date: use YYYY-MM-DD")
            else:
                raise _Bad(f"{header} {shown(raw)} is not a date: use YYYY-MM-DD")
            if not MIN_YEAR <= value.year <= MAX_YEAR:
                raise _Bad(
                    f"{header} {value.isoformat()} is outside the years {MIN_YEAR} to "
                    f"{MAX_YEAR}: check the year"
                )
            return value

        return to_date

    if kind == Kind.AMOUNT:

        def amount(raw: Cell) -> Any:
            value = _number(raw, header, MONEY_PLACES, MONEY_LIMIT, exact=True)
            return _blank(column) if value is None else value

        return amount

    if kind == Kind.RATE:

        def rate(raw: Cell) -> Any:
            value = _number(raw, header, RATE_PLACES, RATE_LIMIT, exact=False)
            if value is None:
                return _blank(column)
            if value <= 0:
                raise _Bad(
                    f"{header} {shown(raw)} must be more than 0: enter how many units "
                    "of the base currency one unit of this currency is worth"
                )
            return value

        return rate

    if kind == Kind.CURRENCY:

        def currency(raw: Cell) -> Any:
            value = as_text(raw).upper()
            if not value:
                return _blank(column)
            if value not in ISO_4217:
                raise _Bad(
                    f"{header} {shown(raw)} is not an ISO 4217 currency code: use a "
                    "3-letter code such as GBP, EUR or USD"
                )
            return value

        return currency

    if kind == Kind.DAYS:

        def days(raw: Cell) -> Any:
            text = as_text(raw)
            if not text:
                return _blank(column)
            if raw.__class__ is not bool and text.isdigit() and int(text) <= 3650:
                return int(text)
            raise _Bad(
                f"{header} {shown(raw)} is not a whole number of days from 0 to 3650: enter e.g. 30"
            )

        return days

    if kind == Kind.CHOICE:
        options = {_choice_key(label): value for label, value in column.choices.items()}
        options.update({_choice_key(value): value for value in column.choices.values()})
        listed = _or(list(column.choices))

        def choice(raw: Cell) -> Any:
            text = as_text(raw)
            if not text:
                return _blank(column)
            value = options.get(_choice_key(text))
            if value is None:
                raise _Bad(f"{header} {shown(raw)} is not one of {listed}: use one of those")
            return value

        return choice

    raise ValueError(f"unknown column kind {kind!r}")


def _choice_key(text: str) -> str:
    return re.sub(r"[\s_-]+", "", text).casefold()


def _or(items: list[str]) -> str:
    return ", ".join(items[:-1]) + " or " + items[-1] if len(items) > 1 else "".join(items)


# Fast column readers ------------------------------------------------------------------------
#
# A sheet is read column by column. For each kind, one comprehension reads the usual cells
# (a real date, a float amount, a plain string); any other cell is left as _UNSET and goes
# through the per-cell reader above, which knows every error message. Same results, a few
# times faster on 100,000-row sheets.

_UNSET: Any = object()
_ONE = Decimal(1)
_ZERO = Decimal(0)
_FAST_MONEY = re.compile(r"-?\d{1,16}(?:\.\d{1,4})?").fullmatch
_FAST_RATE = re.compile(r"\d{1,10}(?:\.\d{1,10})?").fullmatch
_MONEY_FLOAT_LIMIT = 1e16
_RATE_FLOAT_LIMIT = 1e10
_FIRST_DAY, _LAST_DAY = date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31)


def _fast_values(column: Column, cells: Sequence[Cell]) -> list[Any]:
    kind = column.kind
    required = column.required
    if kind in (Kind.TEXT, Kind.ID, Kind.EMAIL):
        limit = column.max_length or MAX_CELL_CHARS
        if required:
            values = [
                s if v.__class__ is str and 0 < len(s := v.strip()) <= limit else _UNSET
                for v in cells
            ]
        else:
            values = [
                s if v.__class__ is str and len(s := v.strip()) <= limit else _UNSET for v in cells
            ]
        if "\x00" in "".join([v for v in values if v is not _UNSET]):
            values = [_UNSET if v is not _UNSET and "\x00" in v else v for v in values]
        if kind == Kind.EMAIL:
            values = [
                v if v is _UNSET or not v or ("@" in v and " " not in v) else _UNSET for v in values
            ]
        return values
    if kind == Kind.DATE:
        blank = _UNSET if required else None
        return [
            v
            if v.__class__ is date and _FIRST_DAY <= v <= _LAST_DAY
            else blank
            if v == ""
            else _UNSET
            for v in cells
        ]
    if kind == Kind.AMOUNT:
        money_limit = _MONEY_FLOAT_LIMIT
        # A float's shortest repr has at most 4 decimals exactly when round(v, 4) == v;
        # below 1e-4 it is written with an exponent, and goes the long way.
        return [
            Decimal(r)
            if v.__class__ is float
            and -money_limit < v < money_limit
            and len(r := repr(v)) - r.find(".") <= 5
            and "e" not in r
            else Decimal(v)
            if v.__class__ is str and _FAST_MONEY(v)
            else _UNSET
            for v in cells
        ]
    if kind == Kind.RATE:
        rate_limit = _RATE_FLOAT_LIMIT
        return [
            None
            if v == ""
            else Decimal(repr(v))
            if v.__class__ is float and 0 < v < rate_limit and round(v, 10) == v
            else d
            if v.__class__ is str and _FAST_RATE(v) and (d := Decimal(v)) > 0
            else _UNSET
            for v in cells
        ]
    if kind == Kind.CURRENCY:
        return [v if v in ISO_4217 else _UNSET for v in cells]
    if kind == Kind.CHOICE:
        exact: dict[Any, Any] = dict(column.choices)
        if not required:
            exact[""] = ""
        return [exact.get(v, _UNSET) if v.__class__ is str else _UNSET for v in cells]
    if kind == Kind.DAYS:
        return [
            None
            if v == ""
            else int(v)
            if v.__class__ is float and v.is_integer() and 0 <= v <= 3650
            else _UNSET
            for v in cells
        ]
    return [_UNSET] * len(cells)


# Validation ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Layout:
    sheet: Sheet
    raw: RawSheet
    index: dict[str, int]  # column key -> 0-based position in the rows
    has_data: bool
    readable: bool = True


@dataclass(slots=True)
class _Table:
    """A sheet's non-blank data rows, read column by column."""

    layout: _Layout
    numbers: list[int]  # the Excel row number of each row
    values: dict[str, list[Any]]  # column key -> value per row (None when blank or bad)
    errors: dict[str, set[int]]  # column key -> rows (indexes) whose cell is bad
    bad: set[int]  # rows (indexes) with any problem


def _row_is_blank(row: list[Cell]) -> bool:
    for value in row:
        if value.__class__ is str:
            if value and not value.isspace():
                return False
        elif value is not None:
            return False
    return True


_PAYMENT_SAME = (
    "supplier_source_id",
    "payment_date",
    "currency",
    "exchange_rate",
    "method_raw",
    "payment_account_name",
)
_FORMULA_MESSAGE = "{} contains a formula: paste values only (copy, then Paste Special > Values)"


class _Validation:
    def __init__(
        self,
        sheets: Sheets,
        file_problems: list[Problem],
        warnings: list[Problem],
        max_problems: int,
    ) -> None:
        self.sheets = sheets
        self.file_problems = file_problems
        self.row_problems: list[Problem] = []
        self.warnings = warnings
        self.max_problems = max_problems
        self.problem_count = len(file_problems)
        # Problems listed per check: each check finds them in row order, so keeping the
        # first `max_problems` of each is enough to list the first ones overall.
        self.listed: dict[tuple[str, str, str], int] = {}
        self.records: dict[str, list[Any]] = {t: [] for t in TEMPLATE_TYPES}
        self.base: str | None = None
        self.supplier_ids: set[str] | None = None
        # The Bills sheet, for the Payments checks: each bill ID's row (None: the sheet is
        # unreadable, so nothing is checked against it), and by row its supplier, currency
        # and total (None when bad; a bad or negative total is its bill's problem only).
        self.bill_row: dict[str, int] | None = None
        self.bill_supplier: list[Any] = []
        self.bill_currency: list[Any] = []
        self.bill_total: list[Any] = []

    # -- collecting --

    def problem(
        self,
        table: _Table,
        index: int,
        key: str,
        value: Cell,
        message: str,
        check: str = "",
    ) -> None:
        self.problem_count += 1
        table.bad.add(index)
        sheet = table.layout.sheet
        slot = (sheet.name, key, check)
        listed = self.listed.get(slot, 0)
        if listed < self.max_problems:
            self.listed[slot] = listed + 1
            column = sheet.column(key).header if key else ""
            self.row_problems.append(
                Problem(sheet.name, table.numbers[index], column, shown(value, 200), message)
            )

    def _file_problem(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.file_problems.append(Problem(sheet, row, column, "", message))
        self.problem_count += 1

    def run(self) -> ParseResult:
        handlers: dict[str, Callable[[_Table], None]] = {
            COMPANY.name: self._company,
            SUPPLIERS.name: self._suppliers,
            BILLS.name: self._bills,
            PAYMENTS.name: self._payments,
            EXPENSES.name: self._expenses,
        }
        # Each sheet is checked as soon as it is read (an .xlsx's next sheet is being read
        # meanwhile); a sheet's checks use only the sheets before it. Which sheets are
        # empty is judged once all are read: those problems are listed after the sheets'
        # own structure problems, and only add to the count.
        layouts: dict[str, _Layout | None] = {}
        for sheet in SHEETS:
            layout = layouts[sheet.name] = self._layout(sheet)
            if layout is None or not layout.readable:
                continue  # its problem is listed; what refers to it is not checked against it
            if layout.has_data:
                handlers[sheet.name](self._table(layout))
            elif sheet is SUPPLIERS:
                self.supplier_ids = set()
            elif sheet is BILLS:
                self.bill_row = {}
        self._check_presence(layouts)
        order = {sheet.name: i for i, sheet in enumerate(SHEETS)}
        positions = {
            (sheet.name, column.header): i
            for sheet in SHEETS
            for i, column in enumerate(sheet.columns)
        }
        self.row_problems.sort(
            key=lambda p: (
                order.get(p.sheet, len(order)),
                p.row or 0,
                positions.get((p.sheet, p.column), len(positions)),
            )
        )
        problems = self.file_problems + self.row_problems[: self.max_problems]
        if self.problem_count > len(problems):
            problems.append(
                Problem(
                    "",
                    None,
                    "",
                    "",
                    f"… and {self.problem_count - len(problems):,} more problems not listed here: "
                    "fix these and upload the file again to see the rest.",
                )
            )
        return ParseResult(
            records=self.records if self.problem_count == 0 else {},
            problems=problems,
            warnings=self.warnings,
            problem_count=self.problem_count,
        )

    # -- structure --

    def _layout(self, sheet: Sheet) -> _Layout | None:
        raw = self.sheets.get(sheet.name)
        if raw is None:
            return None
        rows = raw.rows
        header = rows[0] if rows else []
        has_data = any(not _row_is_blank(row) for row in rows[1:])
        layout = _Layout(sheet, raw, {}, has_data)
        lookup: dict[str, Column] = {}
        for column in sheet.columns:
            lookup[normalise_header(column.header)] = column
            for alias in column.aliases:
                lookup.setdefault(normalise_header(alias), column)
        if _row_is_blank(header):
            if has_data:
                self._file_problem(
                    sheet.name,
                    1,
                    "",
                    (
                        f"Row 1 of the {sheet.name} sheet is empty: it must hold the column names "
                        "from the template."
                    ),
                )
                layout.readable = False
            return layout
        letters: dict[str, int] = {}
        for position, cell in enumerate(header):
            text = as_text(cell)
            if (1, position) in raw.formulas:
                self._file_problem(
                    sheet.name,
                    1,
                    text,
                    (
                        f"The column name in {column_letters(position)}1 is a formula: type the "
                        "column name instead."
                    ),
                )
                layout.readable = False
                continue
            if not text:
                continue
            known = lookup.get(normalise_header(text))
            if known is None:
                self.warnings.append(
                    Problem(
                        sheet.name,
                        1,
                        text[:100],
                        "",
                        f"The column “{text[:100]}” is not part of the template and was ignored.",
                    )
                )
                continue
            if known.key in layout.index:
                self._file_problem(
                    sheet.name,
                    1,
                    known.header,
                    (
                        f"The column {known.header} appears twice (columns "
                        f"{column_letters(letters[known.key])} and {column_letters(position)}): "
                        "keep only one."
                    ),
                )
                layout.readable = False
                continue
            layout.index[known.key] = position
            letters[known.key] = position
        if has_data:
            for column in sheet.columns:
                if column.required and column.key not in layout.index:
                    self._file_problem(
                        sheet.name,
                        1,
                        column.header,
                        (
                            f"The required column {column.title} is missing from the {sheet.name} "
                            "sheet: add it to the header row (row 1)."
                        ),
                    )
                    layout.readable = False
        if raw.unplaced_formulas:
            self._file_problem(
                sheet.name,
                None,
                "",
                (
                    f"The {sheet.name} sheet contains formulas: paste values only (copy, then "
                    "Paste Special > Values)."
                ),
            )
            layout.readable = False
        return layout

    def _check_presence(self, layouts: dict[str, _Layout | None]) -> None:
        data_sheets = [layouts[s.name] for s in SHEETS if s is not COMPANY]
        company = layouts[COMPANY.name]
        all_readable = all(layout is not None for layout in data_sheets)
        no_data = all_readable and not any(
            layout is not None and layout.has_data for layout in data_sheets
        )
        if no_data and company is not None and not company.has_data:
            self._file_problem(
                "",
                None,
                "",
                (
                    "The file has no data: every sheet is empty. Fill in the Company sheet and at "
                    "least one of the Suppliers, Bills, Payments or Expenses sheets (the "
                    "Instructions sheet explains each column), then upload it again."
                ),
            )
            return
        if company is not None and not company.has_data and company.readable:
            self._file_problem(
                COMPANY.name,
                None,
                "",
                (
                    "The Company sheet is empty: fill in one row with the company name and base "
                    "currency."
                ),
            )
        if no_data:
            self._file_problem(
                "",
                None,
                "",
                (
                    "The file has no suppliers, bills, payments or expenses: fill in at least one "
                    "of those sheets, then upload it again."
                ),
            )

    # -- reading a sheet's cells --

    def _table(self, layout: _Layout) -> _Table:
        rows = layout.raw.rows
        picked = [
            i
            for i in range(1, len(rows))
            if (rows[i] and rows[i][0].__class__ is str and rows[i][0][:1].isalnum())
            or not _row_is_blank(rows[i])
        ]
        numbers = [i + 1 for i in picked]
        table = _Table(layout, numbers, {}, {}, set())
        formula_at: dict[int, set[int]] = {}  # column position -> row indexes
        if layout.raw.formulas:
            index_of = {number: i for i, number in enumerate(numbers)}
            for number, at in layout.raw.formulas:
                if number in index_of:
                    formula_at.setdefault(at, set()).add(index_of[number])
        needed = max(layout.index.values(), default=-1) + 1
        data = [rows[i] for i in picked]
        widths = set(map(len, data))
        if len(widths) > 1 or min(widths, default=needed) < needed:  # CSV rows can be ragged
            data = [(row + [""] * (needed - len(row)))[:needed] for row in data]
        # One transposition: the sheet's columns as tuples.
        columns = list(zip(*data, strict=True)) if data else [()] * needed
        del data
        for column in layout.sheet.columns:
            position = layout.index.get(column.key)
            errors: set[int] = set()
            table.errors[column.key] = errors
            if position is None:
                table.values[column.key] = [_blank(column)] * len(picked)
                continue
            cells = columns[position]
            values = _fast_values(column, cells)
            for index in formula_at.get(position, ()):
                values[index] = None
                errors.add(index)
                self.problem(
                    table, index, column.key, "", _FORMULA_MESSAGE.format(column.header), "formula"
                )
            # (By identity: comparing a Decimal with another type for `in` is slow.)
            unset = [i for i, value in enumerate(values) if value is _UNSET]
            if unset:
                convert = _converter(column)
                for index in unset:
                    try:
                        values[index] = convert(cells[index])
                    except _Bad as bad:
                        values[index] = None
                        errors.add(index)
                        self.problem(table, index, column.key, cells[index], bad.message)
            table.values[column.key] = values
        return table

    def _records(self, table: _Table, record_type: type[Any]) -> list[Any]:
        """One record per good row (built positionally: 100,000 records add up)."""
        columns, n = [], len(table.numbers)
        missing = set(table.values)
        for spec in dataclasses.fields(record_type):
            if not missing:
                break
            if spec.name in table.values:
                columns.append(table.values[spec.name])
                missing.discard(spec.name)
            elif spec.default is not dataclasses.MISSING:
                columns.append([spec.default] * n)
            else:  # pragma: no cover - every template column is a record field
                raise TypeError(f"{record_type.__name__} needs {spec.name}")
        if missing:  # pragma: no cover
            raise TypeError(f"{record_type.__name__} has no field for {sorted(missing)}")
        bad = table.bad
        if not bad:
            return [record_type(*row) for row in zip(*columns, strict=True)]
        return [
            record_type(*row)
            for index, row in enumerate(zip(*columns, strict=True))
            if index not in bad
        ]

    # -- checks shared by several sheets --

    def _unique_ids(self, table: _Table) -> dict[str, int]:
        """The first row index of each ID; later duplicates are problems."""
        ids = table.values["source_id"]
        first: dict[str, int] = {}
        if len(set(ids)) == len(ids):
            return {value: i for i, value in enumerate(ids) if value is not None}
        sheet = table.layout.sheet
        header = sheet.column("source_id").header
        for index, value in enumerate(ids):
            if value is None:
                continue
            earlier = first.get(value)
            if earlier is None:
                first[value] = index
            else:
                self.problem(
                    table,
                    index,
                    "source_id",
                    value,
                    (
                        f"{header} {shown(value)} is also on row {table.numbers[earlier]}: IDs "
                        f"must be unique on the {sheet.name} sheet"
                    ),
                    "unique",
                )
        return first

    def _known_suppliers(self, table: _Table, hint: str) -> None:
        known = self.supplier_ids
        if known is None:
            return
        suppliers = table.values["supplier_source_id"]
        missing = set(suppliers) - known - {None, ""}
        if not missing:
            return
        for index, supplier in enumerate(suppliers):
            if supplier in missing:
                self.problem(
                    table,
                    index,
                    "supplier_source_id",
                    supplier,
                    (f"Supplier ID {shown(supplier)} is not on the Suppliers sheet: {hint}"),
                    "known",
                )

    def _exchange_rates(self, table: _Table) -> None:
        """Blank means 1 in the base currency; another currency needs its rate."""
        currencies = table.values["currency"]
        rates = table.values["exchange_rate"]
        base = self.base
        if base is not None:
            bad_rates = table.errors["exchange_rate"]
            wrong = [
                index
                for index, (currency, rate) in enumerate(zip(currencies, rates, strict=True))
                if currency is not None
                and (rate is None if currency != base else rate is not None and rate != 1)
                and index not in bad_rates
            ]
            for index in wrong:
                currency, rate = currencies[index], rates[index]
                if currency == base:
                    self.problem(
                        table,
                        index,
                        "exchange_rate",
                        rate,
                        (
                            f"Exchange rate {shown(rate)} must be 1 when the currency is the base "
                            f"currency {base}: enter 1 or leave it blank"
                        ),
                        "rate",
                    )
                else:
                    self.problem(
                        table,
                        index,
                        "exchange_rate",
                        "",
                        (
                            f"Exchange rate is required when the currency ({currency}) is not the "
                            f"base currency ({base}): enter how many {base} one {currency} is worth"
                        ),
                        "rate",
                    )
        table.values["exchange_rate"] = [_ONE if rate is None else rate for rate in rates]

    # -- the sheets --

    def _company(self, table: _Table) -> None:
        for index in range(1, len(table.numbers)):
            self.problem(
                table,
                index,
                "",
                "",
                (
                    f"The Company sheet takes exactly one row, and row {table.numbers[0]} is "
                    "already the company: remove this row"
                ),
                "one",
            )
        values = {key: column[0] for key, column in table.values.items()}
        self.base = values["base_currency"]
        if 0 not in table.bad:
            address = values.pop("address")
            self.records[DataType.COMPANY_INFO].append(
                CompanyInfoRecord(
                    source_id="company",
                    addresses=[{"type": "main", "line1": address}] if address else [],
                    **values,
                )
            )

    def _suppliers(self, table: _Table) -> None:
        self.supplier_ids = set(self._unique_ids(table))
        self.records[DataType.SUPPLIERS] = self._records(table, SupplierRecord)

    def _bills(self, table: _Table) -> None:
        first = self._unique_ids(table)
        self._known_suppliers(table, "add the supplier there or correct the ID")
        self._exchange_rates(table)
        values = table.values
        totals, dues = values["total_amount"], values["amount_due"]
        for index, total in enumerate(totals):
            if total is not None and total < 0:
                self.problem(
                    table,
                    index,
                    "total_amount",
                    total,
                    (
                        f"Total amount {shown(total)} is negative: enter the bill's total as 0 "
                        "or more"
                    ),
                    "negative",
                )
        for index, (due, total) in enumerate(zip(dues, totals, strict=True)):
            if due is None:
                continue
            if due < 0:
                self.problem(
                    table,
                    index,
                    "amount_due",
                    due,
                    (f"Amount due {shown(due)} is negative: enter 0 when the bill is fully paid"),
                    "negative",
                )
            elif total is not None and due > total >= 0:
                self.problem(
                    table,
                    index,
                    "amount_due",
                    due,
                    (
                        f"Amount due {shown(due)} is more than the total amount {shown(total)}: "
                        "the amount due can be at most the total"
                    ),
                    "due",
                )
        values["status"] = [
            status or ("paid" if due == 0 else "open" if due == total else "partially_paid")
            for status, due, total in zip(values["status"], dues, totals, strict=True)
        ]
        self.bill_row = first
        self.bill_supplier = values["supplier_source_id"]
        self.bill_currency = values["currency"]
        self.bill_total = totals  # the Payments checks skip negative ones
        self.records[DataType.BILLS] = self._records(table, BillRecord)

    def _payments(self, table: _Table) -> None:
        self._known_suppliers(table, "add the supplier there or correct the ID")
        self._exchange_rates(table)
        values = table.values
        amounts = values["amount"]
        for index, amount in enumerate(amounts):
            if amount is not None and amount <= 0:
                self.problem(
                    table,
                    index,
                    "amount",
                    amount,
                    (
                        f"Amount {shown(amount)} must be more than 0: enter the part of the "
                        "payment that went to this bill"
                    ),
                    "positive",
                )
                amounts[index] = None
        first_row: dict[str, int] = {}  # payment id -> index of its first row
        more_rows: dict[str, list[int]] = {}  # payment id -> its other rows, if any
        # (payment id, bill id or "") -> index, for payments of several rows.
        part_row: dict[tuple[str, str], int] = {}
        allocated: dict[str, Decimal] = {}
        overpaid: set[str] = set()
        bill_row = self.bill_row
        bill_supplier, bill_currency, bill_total = (
            self.bill_supplier,
            self.bill_currency,
            self.bill_total,
        )
        numbers = table.numbers
        bills = values["bill_source_id"]
        columns = zip(
            values["source_id"],
            values["supplier_source_id"],
            bills,
            amounts,
            values["currency"],
            strict=True,
        )
        for index, (payment_id, supplier, bill_id, amount, currency) in enumerate(columns):
            if payment_id is None:
                continue
            first = first_row.setdefault(payment_id, index)
            if first != index:
                self._same_payment(table, index, payment_id, first)
                more = more_rows.get(payment_id)
                if more is None:  # the payment's second row: its first one's part too
                    more = more_rows[payment_id] = []
                    if bills[first] is not None:
                        part_row[payment_id, bills[first]] = first
                more.append(index)
                if bill_id is None:
                    continue
                earlier = part_row.setdefault((payment_id, bill_id), index)
                if earlier != index:
                    self.problem(
                        table,
                        index,
                        "bill_source_id",
                        bill_id,
                        (
                            f"Payment {shown(payment_id)} is already allocated to bill "
                            f"{shown(bill_id)} on row {numbers[earlier]}: put each bill once "
                            "per payment"
                            if bill_id
                            else f"Payment {shown(payment_id)} already has an unallocated row "
                            f"(row {numbers[earlier]}): put the unallocated part on one row"
                        ),
                        "parts",
                    )
                    continue
            if not bill_id or bill_row is None:
                continue
            row = bill_row.get(bill_id)
            if row is None:
                self.problem(
                    table,
                    index,
                    "bill_source_id",
                    bill_id,
                    (
                        f"Bill ID {shown(bill_id)} is not on the Bills sheet: add the bill "
                        "there, correct the ID, or leave it blank for a payment not allocated "
                        "to a bill"
                    ),
                    "bill",
                )
            elif supplier and (owner := bill_supplier[row]) and supplier != owner:
                self.problem(
                    table,
                    index,
                    "bill_source_id",
                    bill_id,
                    (
                        f"Bill ID {shown(bill_id)} belongs to supplier {shown(owner)}, not "
                        f"{shown(supplier)}: correct the Bill ID or the Supplier ID"
                    ),
                    "owner",
                )
            elif currency and (theirs := bill_currency[row]) and currency != theirs:
                self.problem(
                    table,
                    index,
                    "currency",
                    currency,
                    (
                        f"Currency {currency} differs from the currency of bill {shown(bill_id)} "
                        f"({theirs}): record the payment in the bill's currency"
                    ),
                    "bill-currency",
                )
            elif amount is not None and (total := bill_total[row]) is not None and total >= 0:
                paid = allocated[bill_id] = allocated.get(bill_id, _ZERO) + amount
                if paid > total and bill_id not in overpaid:
                    overpaid.add(bill_id)
                    self.problem(
                        table,
                        index,
                        "amount",
                        amount,
                        (
                            f"Amount {shown(amount)} overpays bill {shown(bill_id)}: the payments "
                            f"allocated to it add up to {shown(paid)}, more than its total amount "
                            f"{shown(total)}"
                        ),
                        "overpay",
                    )
        if self.problem_count:
            return
        # A valid sheet: each payment is the sum of its rows; rows with a bill allocate.
        references = values["reference"]
        dates, currencies, suppliers = (
            values["payment_date"],
            values["currency"],
            values["supplier_source_id"],
        )
        rates, methods, accounts = (
            values["exchange_rate"],
            values["method_raw"],
            values["payment_account_name"],
        )
        records = []
        for payment_id, first in first_row.items():
            more = more_rows.get(payment_id)
            if more is None:  # most payments: one row
                bill_id = bills[first]
                total = amounts[first]
                allocations = [Allocation(bill_id, total)] if bill_id else []
                reference = references[first]
            else:
                parts = [first, *more]
                total = sum([amounts[i] for i in parts], _ZERO)
                allocations = [Allocation(bills[i], amounts[i]) for i in parts if bills[i]]
                reference = next((references[i] for i in parts if references[i]), "")
            records.append(
                BillPaymentRecord(  # positional, in the record's field order
                    payment_id,
                    dates[first],
                    currencies[first],
                    total,
                    suppliers[first],
                    rates[first],
                    methods[first],
                    "",
                    accounts[first],
                    reference,
                    allocations,
                )
            )
        self.records[DataType.BILL_PAYMENTS] = records

    def _same_payment(self, table: _Table, index: int, payment_id: str, first: int) -> None:
        sheet = table.layout.sheet
        for key in _PAYMENT_SAME:
            if index in table.errors[key] or first in table.errors[key]:
                continue
            mine, theirs = table.values[key][index], table.values[key][first]
            if mine != theirs:
                header = sheet.column(key).header
                self.problem(
                    table,
                    index,
                    key,
                    mine,
                    (
                        f"{header} {shown(mine) or '(blank)'} differs from row "
                        f"{table.numbers[first]} of the same payment ({shown(theirs) or 'blank'}): "
                        f"every row of payment {shown(payment_id)} must have the same {header}"
                    ),
                    "same",
                )

    def _expenses(self, table: _Table) -> None:
        self._unique_ids(table)
        self._known_suppliers(
            table, ("add the supplier there, or leave Supplier ID blank and fill in Supplier name")
        )
        self._exchange_rates(table)
        self.records[DataType.EXPENSES] = self._records(table, ExpenseRecord)


__all__ = [
    "MAX_PROBLEMS",
    "MAX_ROWS_PER_SHEET",
    "MAX_UPLOAD_BYTES",
    "TEMPLATE_TYPES",
    "ParseResult",
    "Problem",
    "parse_upload",
]
