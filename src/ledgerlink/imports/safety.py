"""Checks on an uploaded file before any workbook or CSV library reads it.

Everything here works on the raw bytes: the extension allowlist, the size limit, the real
file type, and a ZIP preflight that reads the central directory, then inflates every entry
itself through a byte-counting reader, so a bomb or a false size header is caught by our
code with our limits (python-calamine has no bound of its own before it decompresses).
XML parts must be UTF-8 and contain no DTD, so entity tricks never reach any XML parser;
the few parts we parse ourselves go through defusedxml as well.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

MB = 1024 * 1024
MAX_UPLOAD_BYTES = 25 * MB
ALLOWED_EXTENSIONS = (".xlsx", ".zip")


@dataclass(frozen=True, slots=True)
class ZipLimits:
    max_entries: int = 1000
    max_total_uncompressed: int = 100 * MB
    max_entry_uncompressed: int = 50 * MB
    max_ratio: int = 100
    # The ratio is only meaningful for entries big enough to matter: a 2 KB run of spaces
    # compresses 100:1 and harms nobody.
    ratio_applies_from: int = MB
    # The central directory of 1,000 entries with sensible names is far below this.
    max_central_directory: int = 2 * MB


DEFAULT_LIMITS = ZipLimits()


class Rejected(Exception):
    """The file as a whole cannot be read: `message` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def human_size(size: int) -> str:
    if size >= MB:
        return f"{size / MB:.1f} MB".replace(".0 MB", " MB")
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def safe_filename(filename: str) -> str:
    """The name to show and store: no directories, no control characters, bounded length."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]+", "", name).strip().strip(".") or "upload"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot and len(ext) <= 9 else name[:200]
    return name


def extension(filename: str) -> str:
    name = safe_filename(filename).lower()
    return "." + name.rpartition(".")[2] if "." in name else ""


def check_name_and_size(data: bytes, filename: str, max_bytes: int) -> str:
    """The accepted extension (`.xlsx` or `.zip`), or `Rejected`."""
    ext = extension(filename)
    if ext not in ALLOWED_EXTENSIONS:
        if ext == ".csv":
            raise Rejected(
                "A single CSV file is not accepted: put company.csv, suppliers.csv, "
                "bills.csv, payments.csv and expenses.csv together in one .zip file, "
                "or use the .xlsx template."
            )
        if ext in (".xlsm", ".xlsb", ".xls", ".ods", ".numbers"):
            raise Rejected(
                f"{ext} files are not accepted: open the file and save it as an Excel "
                "Workbook (.xlsx) without macros, or upload a .zip of CSV files."
            )
        shown = f"“{ext}”" if ext else "without an extension"
        raise Rejected(
            f"The file type {shown} is not accepted: upload the .xlsx template or a .zip "
            "of CSV files."
        )
    if len(data) > max_bytes:
        raise Rejected(
            f"The file is {human_size(len(data))}, more than the {human_size(max_bytes)} "
            "limit: split the data over several uploads or remove what is not needed."
        )
    if not data:
        raise Rejected("The file is empty: choose the filled-in template and upload it again.")
    return ext


_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)


def check_zip_signature(data: bytes, ext: str) -> None:
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return
    kind = "an Excel workbook (.xlsx)" if ext == ".xlsx" else "a .zip file"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Rejected(
            f"The file is not {kind}: it is a password-protected workbook or an old .xls "
            "file. Remove the password and save it as an Excel Workbook (.xlsx)."
        )
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise Rejected(
                f"The file is not {kind}: it is {what}. Upload the filled-in template instead."
            )
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise Rejected(
            f"The file is not {kind}: it is a web page. Upload the filled-in template instead."
        )
    raise Rejected(
        f"The file is not {kind}: its content is not a ZIP container. Upload the filled-in "
        "template (.xlsx) or a .zip of CSV files."
    )


def _central_directory_bounds(data: bytes) -> tuple[int, int]:
    """(declared entry count, central directory size) from the end-of-central-directory."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or at + 22 > len(data):
        raise Rejected(
            "The file is damaged: its ZIP directory is missing. Save it again "
            "and upload the new copy."
        )
    _, _, _, _, count, cd_size, _, _ = struct.unpack("<4s4H2LH", data[at : at + 22])
    if (count == 0xFFFF or cd_size == 0xFFFFFFFF) and at >= 20:
        locator = data[at - 20 : at]
        if locator[:4] == b"PK\x06\x07":
            (offset,) = struct.unpack("<Q", locator[8:16])
            record = data[offset : offset + 56]
            if len(record) == 56 and record[:4] == b"PK\x06\x06":
                count, cd_size = struct.unpack("<QQ", record[32:48])
    return count, cd_size


def _bad_path(name: str) -> bool:
    if not name or "\x00" in name or name.startswith(("/", "\\")):
        return True
    if re.match(r"^[A-Za-z]:", name):
        return True
    return any(part == ".." for part in re.split(r"[\\/]", name))


def open_zip(data: bytes, limits: ZipLimits = DEFAULT_LIMITS) -> zipfile.ZipFile:
    """Open the ZIP and check its directory against the limits (nothing is inflated yet)."""
    count, cd_size = _central_directory_bounds(data)
    if count > limits.max_entries:
        raise Rejected(
            f"The file contains {count:,} files, more than the {limits.max_entries:,} "
            "allowed: upload only the template (or the CSV files)."
        )
    if cd_size > limits.max_central_directory:
        raise Rejected(
            "The file's ZIP directory is too large to be a template: upload "
            "only the template (or the CSV files)."
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception as error:  # zipfile raises many types on hostile input
        raise Rejected(
            "The file is damaged or not a valid ZIP container: save it again and upload "
            "the new copy."
        ) from error
    if len(infos) > limits.max_entries:
        raise Rejected(
            f"The file contains {len(infos):,} files, more than the {limits.max_entries:,} "
            "allowed: upload only the template (or the CSV files)."
        )
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        shown = name[:80]
        if _bad_path(name):
            raise Rejected(
                f"The file contains an entry with an unsafe path (“{shown}”): "
                "upload the template or CSV files without folders outside it."
            )
        if name.casefold() in seen:
            raise Rejected(
                f"The file contains two entries named “{shown}”: it is damaged "
                "or was built to mislead. Save it again and upload the new copy."
            )
        seen.add(name.casefold())
        if info.flag_bits & 0x41:
            raise Rejected(
                "The file is encrypted or password protected: remove the password and "
                "upload it again."
            )
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise Rejected(
                f"The file contains a symbolic link (“{shown}”), which is not "
                "allowed: upload plain files only."
            )
        if info.is_dir():
            continue
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Rejected(
                f"The entry “{shown}” uses a compression method that is not accepted: "
                "save the file again with Excel or a standard ZIP tool."
            )
        if info.file_size > limits.max_entry_uncompressed:
            raise Rejected(
                f"The entry “{shown}” expands to {human_size(info.file_size)}, more than "
                f"the {human_size(limits.max_entry_uncompressed)} allowed per part: split "
                "the data over several uploads."
            )
        total += info.file_size
        if total > limits.max_total_uncompressed:
            raise Rejected(
                f"The file expands to more than {human_size(limits.max_total_uncompressed)}"
                ": split the data over several uploads."
            )
        if info.file_size >= limits.ratio_applies_from and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise Rejected(
                f"The entry “{shown}” is compressed more than {limits.max_ratio}:1, which "
                "only a ZIP bomb does: the file was rejected. Save your data again and "
                "upload the new copy."
            )
    return archive


def _damaged(name: str) -> Rejected:
    return Rejected(
        f"The entry “{name[:80]}” is damaged: save the file again and upload the new copy."
    )


def _raw_entry(data: bytes, info: zipfile.ZipInfo) -> bytes:
    offset = info.header_offset
    header = data[offset : offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise _damaged(info.filename)
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    local_name = data[offset + 30 : offset + 30 + name_len]
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    if local_name.decode(encoding, "replace") != info.orig_filename:
        # Two directories disagreeing about a name is how parser-confusion attacks start.
        raise _damaged(info.filename)
    start = offset + 30 + name_len + extra_len
    raw = data[start : start + info.compress_size]
    if len(raw) != info.compress_size:
        raise _damaged(info.filename)
    return raw


CHUNK = 1 << 20


def inflate_chunks(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The entry's content in chunks, counting every byte: never more than it declares.

    The declared size was checked against the limits by `open_zip`; a deflate stream that
    produces more than that is a false size header and is stopped at the first extra chunk.
    """
    raw = _raw_entry(data, info)
    declared = info.file_size
    shown = info.filename[:80]
    crc = 0
    produced = 0

    def false_size() -> Rejected:
        return Rejected(
            f"The entry “{shown}” expands to more than the {human_size(declared)} its "
            "header declares (a false size header, as in a ZIP bomb): the file was rejected."
        )

    if info.compress_type == zipfile.ZIP_STORED:
        if len(raw) != declared:
            raise false_size()
        for start in range(0, len(raw), CHUNK):
            piece = raw[start : start + CHUNK]
            crc = zlib.crc32(piece, crc)
            yield piece
        produced = len(raw)
    else:
        inflater = zlib.decompressobj(-15)
        pending = memoryview(raw)
        try:
            while not inflater.eof:
                if inflater.unconsumed_tail:
                    piece = inflater.decompress(inflater.unconsumed_tail, CHUNK)
                elif pending:
                    piece = inflater.decompress(pending[:CHUNK], CHUNK)
                    pending = pending[CHUNK:]
                else:
                    break
                if not piece:
                    continue
                produced += len(piece)
                if produced > declared:
                    raise false_size()
                crc = zlib.crc32(piece, crc)
                yield piece
        except zlib.error as error:
            raise _damaged(info.filename) from error
        if not inflater.eof:
            raise _damaged(info.filename)
    if produced != declared or crc != info.CRC:
        raise _damaged(info.filename)


def read_entry(data: bytes, info: zipfile.ZipInfo) -> bytes:
    return b"".join(inflate_chunks(data, info))


_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def check_xml_part(name: str, content: bytes) -> None:
    """UTF-8 (so our byte scan sees what a parser would) and no DTD: no entities at all."""
    shown = name[:80]
    body = content[3:] if content.startswith(b"\xef\xbb\xbf") else content
    head = body[:4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise Rejected(
            f"The part “{shown}” is not UTF-8 XML: save the workbook again "
            "with Excel and upload the new copy."
        )
    declared = _XML_ENCODING.match(body[:300])
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        raise Rejected(
            f"The part “{shown}” is not UTF-8 XML: save the workbook again "
            "with Excel and upload the new copy."
        )
    if _DTD.search(body):
        raise Rejected(
            f"The part “{shown}” contains an XML document type declaration (DTD), which "
            "Excel never writes and which can hide entity attacks: the file was rejected."
        )


def parse_xml(name: str, content: bytes) -> object:
    """A small part we read ourselves, through defusedxml (no DTD, no entities)."""
    from defusedxml import ElementTree  # type: ignore[import-untyped]
    from defusedxml.common import DefusedXmlException  # type: ignore[import-untyped]

    check_xml_part(name, content)
    try:
        return ElementTree.fromstring(content, forbid_dtd=True)
    except (DefusedXmlException, ElementTree.ParseError) as error:
        raise Rejected(
            f"The part “{name[:80]}” is not valid XML: save the workbook again "
            "with Excel and upload the new copy."
        ) from error
