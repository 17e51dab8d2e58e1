"""Reading the template's sheets out of an .xlsx, safely.

Order of work: the ZIP preflight (`safety.open_zip`), then the package structure read
through defusedxml ([Content_Types].xml, the workbook and its relationships), then every
part is inflated by our byte-counting reader and checked (UTF-8, no DTD); the worksheets
we will read are scanned for their real used area (so a sparse sheet cannot make the
reader allocate billions of cells), their row count and their formula cells; shared
strings are checked for amplification. Only then does python-calamine read the values, in
a background thread, one sheet after the other while the caller validates the ones read.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from ledgerlink.imports.safety import (
    DEFAULT_LIMITS,
    Rejected,
    ZipLimits,
    check_xml_part,
    open_zip,
    parse_xml,
    read_entry,
)

SPREADSHEET_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
MAX_COLUMNS = 200
EXCEL_ROWS = 1_048_576
# Cells python-calamine allocates for a sheet: (last row) x (last column), empty or not.
MAX_SHEET_CELLS = 20_000_000
# Characters of shared strings the cells of one sheet may expand to (the POI bomb: one
# long string referenced by thousands of cells).
MAX_STRING_EXPANSION = 200_000_000

Cell = Any  # str | int | float | bool | date | datetime | time | timedelta


@dataclass(slots=True)
class RawSheet:
    """A sheet's cells as the user sees them: rows[0] is Excel row 1 (the header)."""

    name: str
    rows: list[list[Cell]]
    # (Excel row number, 0-based column index) of cells holding a formula.
    formulas: set[tuple[int, int]] = field(default_factory=set)
    # Formula cells whose position could not be read: the sheet has formulas somewhere.
    unplaced_formulas: int = 0


@dataclass(slots=True)
class SheetTrouble:
    """A sheet that is in the file but cannot be read: why, for the user."""

    name: str
    message: str


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + (char - 64)
    return number


def column_letters(index: int) -> str:
    """0 -> A, 27 -> AB."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_ROW_REFS = re.compile(rb' r="[A-Z]*(\d+)"')
_COL_REFS = re.compile(rb' r="([A-Z]+)\d')
_CELL_TAGS = re.compile(rb"<" + _PREFIX + rb"c[\s>/]")
_ROW_TAGS = re.compile(rb"<" + _PREFIX + rb"row[\s>/]")
_FORMULA = re.compile(rb"<" + _PREFIX + rb"f[\s>/]")
_FORMULA_CELL = re.compile(
    rb"<" + _PREFIX + rb'c\s[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*>\s*<' + _PREFIX + rb"f[\s>/]"
)
_SHARED_CELL = re.compile(rb't="s"[^>]*>\s*<' + _PREFIX + rb"v>\s*(\d{1,9})\s*<")
_SHARED_ITEM = re.compile(rb"<" + _PREFIX + rb"si[\s>]")
_SST_ROOT = re.compile(rb"<" + _PREFIX + rb"sst[\s>]")
_SHEET_ROOT = re.compile(rb"<" + _PREFIX + rb"(?:worksheet|dialogsheet|chartsheet)[\s>]")
# Parts that are not XML (pictures, printer settings, embedded objects): inflated and
# counted like the others, never parsed.
_BINARY_PARTS = (
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".bmp",
    ".tif",
    ".tiff",
    ".emf",
    ".wmf",
    ".bin",
    ".wdp",
    ".jfif",
    ".ico",
)


@dataclass(slots=True)
class SheetScan:
    last_row: int = 0
    last_column: int = 0
    formulas: set[tuple[int, int]] = field(default_factory=set)
    unplaced_formulas: int = 0
    trouble: str = ""


_PREFIXED_ROOT = re.compile(rb"\s*(?:<\?xml[^>]*\?>)?\s*<[A-Za-z_][\w.-]*:")


def _prefixed(xml: bytes) -> bool:
    """Whether the sheet's elements carry a namespace prefix (`<x:c ...>`): rare."""
    return _PREFIXED_ROOT.match(xml[:1000].lstrip(b"\xef\xbb\xbf")) is not None


# A cell or row element without a plain `r="A1"` position right after its name, or a formula
# element: one pass finds whether a sheet needs a closer look.
_IRREGULAR = re.compile(rb'<(?:c|row)(?! r="[A-Z]{0,3}[0-9]{1,7}")[\s>/]|<f[\s>/]')


def _all_positioned(xml: bytes, refs: int) -> bool:
    """Whether every cell and row element carries its `r` position (slow, exact)."""
    return refs >= len(_CELL_TAGS.findall(xml)) + len(_ROW_TAGS.findall(xml))


def _string_expansion(xml: bytes, string_lengths: list[int]) -> int:
    """Bytes of shared strings the sheet's cells copy when read (an upper bound)."""
    string_cells = xml.count(b't="s"')
    if not string_lengths or not string_cells:
        return 0
    longest = max(string_lengths)
    if string_cells * longest <= MAX_STRING_EXPANSION:
        return string_cells * longest
    indexes = _SHARED_CELL.findall(xml)
    try:
        total = sum(map(string_lengths.__getitem__, map(int, indexes)))
    except IndexError:
        return MAX_STRING_EXPANSION + 1  # a cell points at a string that does not exist
    return total + (string_cells - len(indexes)) * longest


def _last_row(xml: bytes) -> int:
    """The highest row number any `r` position names (rows and cells), as Excel counts.

    Of the numbers with the most digits, the largest. The last row element gives a
    candidate with d digits, so only positions of at least d digits can beat it: one
    regex pass that extracts only those (a handful in a sheet written in order) instead
    of every cell's position. Without a candidate, every position is extracted.
    """
    at = xml.rfind(b'<row r="')
    digits = 0
    if at >= 0:
        end = at + 8
        while end < len(xml) and 48 <= xml[end] <= 57:
            end += 1
        digits = end - at - 8
    refs = _long_row_refs(max(digits, 1)).findall(xml) if digits else []
    if not refs:
        refs = _ROW_REFS.findall(xml)
    longest = max(map(len, refs), default=0)
    return max((int(r) for r in refs if len(r) == longest), default=0)


def _long_row_refs(digits: int) -> re.Pattern[bytes]:
    return re.compile(rb' r="[A-Z]*(\d{%d,})"' % digits)


def _last_column(xml: bytes) -> int:
    """The highest column any cell position names (1 = A).

    The last cell element's column is a candidate; only columns of more letters, or as
    many letters and (for one letter) not before it, can beat it: one regex pass that
    extracts only those. Without a candidate, every position is extracted.
    """
    at = xml.rfind(b'<c r="')
    letters = b""
    if at >= 0:
        end = at + 6
        while end < len(xml) and 65 <= xml[end] <= 90:
            end += 1
        letters = xml[at + 6 : end]
    if len(letters) == 1:
        pattern = rb' r="([A-Z]{2,}|[%s-Z])\d' % letters
    elif letters:
        pattern = rb' r="([A-Z]{%d,})\d' % len(letters)
    else:
        pattern = _COL_REFS.pattern
    found = set(re.findall(pattern, xml)) or set(_COL_REFS.findall(xml))
    return max(map(_column_number, found), default=0)


def scan_worksheet(
    name: str, xml: bytes, max_rows: int, string_lengths: list[int] | None = None
) -> SheetScan:
    """The sheet's real used area, checks on its size, and its formula cells."""
    scan = SheetScan()
    # Excel, LibreOffice, openpyxl and XlsxWriter write `r` first: one pass confirms it.
    regular = not _prefixed(xml) and _IRREGULAR.search(xml) is None
    if not regular and not _all_positioned(xml, len(_ROW_REFS.findall(xml))):
        scan.trouble = (
            f"The {name} sheet was written without cell positions, which this importer "
            "does not read: open the file in Excel, save it again and upload the new copy."
        )
        return scan
    scan.last_row = _last_row(xml)
    scan.last_column = _last_column(xml)
    if scan.last_row > max_rows + 1:
        scan.trouble = (
            f"The {name} sheet has more than {max_rows:,} rows of data (it goes down to row "
            f"{scan.last_row:,}): split the data over several uploads, and delete anything "
            "far below the data."
        )
    elif scan.last_column > MAX_COLUMNS:
        scan.trouble = (
            f"The {name} sheet uses {scan.last_column:,} columns, more than the "
            f"{MAX_COLUMNS} allowed: delete the columns that are not part of the template."
        )
    elif scan.last_row * scan.last_column > MAX_SHEET_CELLS:
        scan.trouble = (
            f"The {name} sheet's used area is too large ({scan.last_row:,} rows × "
            f"{scan.last_column} columns): delete unused rows and columns and save it again."
        )
    elif _string_expansion(xml, string_lengths or []) > MAX_STRING_EXPANSION:
        scan.trouble = (
            f"The {name} sheet repeats very long texts in many cells (it would expand to "
            "hundreds of megabytes when read): shorten the long texts."
        )
    if scan.trouble:
        return scan
    if not regular and _FORMULA.search(xml):
        total = len(_FORMULA.findall(xml))
        for letters, row in _FORMULA_CELL.findall(xml):
            scan.formulas.add((int(row), _column_number(letters) - 1))
        scan.unplaced_formulas = max(0, total - len(scan.formulas))
    return scan


def shared_string_lengths(xml: bytes) -> list[int]:
    """The size in bytes of each shared string item, in index order."""
    return list(map(len, _SHARED_ITEM.split(xml)))[1:]


@dataclass(slots=True)
class Workbook:
    sheets: SheetValues
    troubles: list[SheetTrouble]
    sheet_names: list[str]


def _relationships(
    archive_names: dict[str, str], data: bytes, archive: zipfile.ZipFile, part: str
) -> list[tuple[str, str, str]]:
    """(Id, Type, resolved target part) of a part's relationships."""
    folder, _, base = part.rpartition("/")
    rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
    actual = archive_names.get(rels_name.casefold())
    if actual is None:
        return []
    root: Any = parse_xml(actual, read_entry(data, archive.getinfo(actual)))
    result = []
    for rel in root:
        if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        resolved = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        result.append((rel.get("Id", ""), rel.get("Type", ""), resolved))
    return result


def _inflated(data: bytes, infos: list[zipfile.ZipInfo]) -> Iterator[tuple[zipfile.ZipInfo, bytes]]:
    """Each entry with its content, in order. The next entry is inflated in a background
    thread while the caller checks this one (zlib works without the GIL): at most two
    entries' contents are held at once."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="xlsx-inflate") as pool:
        upcoming: Future[bytes] | None = None
        try:
            for at, info in enumerate(infos):
                content = (upcoming or pool.submit(read_entry, data, info)).result()
                upcoming = None
                if at + 1 < len(infos):
                    upcoming = pool.submit(read_entry, data, infos[at + 1])
                yield info, content
                del content
        finally:
            if upcoming is not None:  # the caller stopped early
                upcoming.cancel()


def read_workbook(
    data: bytes,
    wanted: Iterable[str],
    *,
    max_rows: int,
    limits: ZipLimits = DEFAULT_LIMITS,
) -> Workbook:
    """Read the wanted sheets (matched by name, any case) after every safety check."""
    archive = open_zip(data, limits)
    infos = [info for info in archive.infolist() if not info.is_dir()]
    names = {info.filename.casefold(): info.filename for info in infos}

    if any(posixpath.basename(n) == "vbaproject.bin" for n in names):
        raise _macro()
    content_types_name = names.get("[content_types].xml")
    if content_types_name is None:
        raise Rejected(
            "The file is a ZIP archive, not an Excel workbook: upload the .xlsx template, "
            "or give a .zip of CSV files the .zip extension."
        )
    content_types: Any = parse_xml(
        content_types_name, read_entry(data, archive.getinfo(content_types_name))
    )
    main_parts = []
    for item in content_types:
        content_type = item.get("ContentType", "")
        if (
            content_type == MACRO_MAIN
            or "macroenabled" in content_type.lower()
            or ("vbaproject" in content_type.lower())
        ):
            raise _macro()
        if _local(item.tag) == "Override" and content_type == SPREADSHEET_MAIN:
            main_parts.append(item.get("PartName", "").lstrip("/"))
    if len(main_parts) != 1 or main_parts[0].casefold() not in names:
        raise Rejected(
            "The file is not an Excel workbook (.xlsx): open it in Excel, save it as an "
            "Excel Workbook and upload it again."
        )
    workbook_part = names[main_parts[0].casefold()]
    if workbook_part.casefold() != "xl/workbook.xml":
        # Every spreadsheet program writes it there, and readers look for it there.
        raise Rejected(
            "The file is not a standard Excel workbook: open it in Excel, save it as an "
            "Excel Workbook (.xlsx) and upload it again."
        )
    workbook: Any = parse_xml(workbook_part, read_entry(data, archive.getinfo(workbook_part)))
    rels = _relationships(names, data, archive, workbook_part)
    targets = {rel_id: target for rel_id, _, target in rels}
    string_parts = {
        names.get(t.casefold()) for _, typ, t in rels if typ.endswith("/sharedStrings")
    } | {names.get("xl/sharedstrings.xml")}
    sheet_of_part: dict[str, str] = {}  # part -> sheet name
    sheet_names: list[str] = []
    for element in workbook.iter():
        if _local(element.tag) != "sheet":
            continue
        name = element.get("name", "")
        rel_id = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
        sheet_names.append(name)
        part = names.get(targets.get(rel_id, "").casefold())
        if part:
            sheet_of_part[part] = name

    wanted_keys = {w.casefold(): w for w in wanted}
    chosen: dict[str, str] = {}  # canonical sheet name -> name in the file
    for name in sheet_names:
        canonical = wanted_keys.get(name.strip().casefold())
        if canonical and canonical not in chosen:
            chosen[canonical] = name
    canonical_of = {name: canonical for canonical, name in chosen.items()}

    # Every part is inflated and checked, shared strings first (the sheets' checks need
    # their sizes). Every worksheet is scanned, whatever the relationships say, so the
    # reader cannot be pointed at a part that escaped the checks.
    ordered = sorted(infos, key=lambda info: info.filename not in string_parts)
    scans: dict[str, SheetScan] = {}  # sheet name (or part name) -> scan
    string_lengths: list[int] = []
    for info, content in _inflated(data, ordered):
        if info.filename.casefold().endswith(_BINARY_PARTS):
            continue
        check_xml_part(info.filename, content)
        head = content[:2000]
        if _SST_ROOT.search(head):
            lengths = shared_string_lengths(content)
            string_lengths = [
                max(pair) for pair in zip_longest(string_lengths, lengths, fillvalue=0)
            ]
        elif _SHEET_ROOT.search(head):
            sheet = sheet_of_part.get(info.filename, "")
            label = canonical_of.get(sheet, sheet) or info.filename
            # Sheets we do not read only need to stay within Excel's own grid.
            limit = max_rows if label in chosen else EXCEL_ROWS - 1
            scans[label] = scan_worksheet(label, content, limit, string_lengths)
        del content

    troubles: list[SheetTrouble] = []
    readable: list[str] = []
    for label, scan in scans.items():
        if scan.trouble and label not in chosen:
            troubles.append(SheetTrouble(label, scan.trouble))
    for canonical in chosen:
        found = scans.get(canonical)
        if found is None:
            troubles.append(
                SheetTrouble(
                    canonical,
                    f"The {canonical} sheet is not a worksheet with cells: replace it with the "
                    "template's sheet.",
                )
            )
        elif found.trouble:
            troubles.append(SheetTrouble(canonical, found.trouble))
        else:
            readable.append(canonical)

    # Read in the order asked for (the order the sheets are validated in).
    readable.sort(key=list(wanted_keys.values()).index)
    sheets = SheetValues(data, {c: chosen[c] for c in readable}, scans, max_rows)
    return Workbook(sheets=sheets, troubles=troubles, sheet_names=sheet_names)


class SheetValues(Mapping[str, RawSheet]):
    """The readable sheets' values, read by python-calamine in one background thread.

    Sheets are read in the order given, each as soon as the one before it is done, and a
    lookup waits for its sheet: validating one sheet overlaps parsing the next (calamine
    parses without holding the GIL). The workbook is opened, read and closed in that one
    thread, after every safety check has passed. A reading error is raised, as `Rejected`,
    by the lookup of the sheet it concerns (every sheet's, when the workbook cannot be
    opened). `close()` stops reading what nobody has asked for yet.
    """

    def __init__(
        self, data: bytes, chosen: dict[str, str], scans: dict[str, SheetScan], max_rows: int
    ) -> None:
        self._sheets: dict[str, Future[RawSheet]] = {}
        if not chosen:
            return
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xlsx-read")
        book = pool.submit(_open_book, data)
        for canonical, name in chosen.items():
            self._sheets[canonical] = pool.submit(
                _read_sheet, book, canonical, name, scans, max_rows
            )
        pool.submit(_close_book, book)
        pool.shutdown(wait=False)  # nothing more to do: the thread ends after the last task

    def __getitem__(self, key: str) -> RawSheet:
        return self._sheets[key].result()

    def __iter__(self) -> Iterator[str]:
        return iter(self._sheets)

    def __len__(self) -> int:
        return len(self._sheets)

    def close(self) -> None:
        for future in self._sheets.values():
            future.cancel()


def _unreadable(error: Exception) -> Rejected:
    return Rejected(
        "The workbook could not be read "
        f"({type(error).__name__}): open it in Excel, save it as an Excel Workbook "
        "(.xlsx) and upload the new copy."
    )


def _open_book(data: bytes) -> Any:
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as error:  # the reader's errors (or any other) are the file's fault
        raise _unreadable(error) from error


def _read_sheet(
    book: Future[Any], canonical: str, name: str, scans: dict[str, SheetScan], max_rows: int
) -> RawSheet:
    opened = book.result()
    try:
        rows = opened.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=max_rows + 2)
    except Exception as error:  # the reader's errors (or any other) are the file's fault
        raise _unreadable(error) from error
    scan = scans[canonical]
    return RawSheet(canonical, rows, scan.formulas, scan.unplaced_formulas)


def _close_book(book: Future[Any]) -> None:
    if book.exception() is None:
        book.result().close()


def _macro() -> Rejected:
    return Rejected(
        "The file is a macro-enabled workbook (.xlsm), which is not accepted even when "
        "renamed: save it as an Excel Workbook (.xlsx) without macros and upload it again."
    )
