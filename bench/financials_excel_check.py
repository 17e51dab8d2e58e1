"""Does the Financials export open cleanly in a real spreadsheet application?

    uv run python bench/financials_excel_check.py            # sandbox company, SQLite
    uv run python bench/financials_excel_check.py --file X.xlsx   # check a file you have

Builds the export of a company loaded with the sandbox's chart and 24 months of reports
(one account named like a formula, to prove it stays text), then has LibreOffice Calc
(`apt-get install libreoffice-calc-nogui`; Debian's, headless, its own throwaway profile)
open it and save every sheet as CSV. It fails when LibreOffice cannot open the file, a
sheet is missing, any cell shows an error (Err:…, #VALUE! …), the formula-like name was
evaluated, or the P&L's net profit per month read back differs from the figures the
portal shows. Not part of the test suite: it needs LibreOffice and takes a few seconds.
Prints wall time and CPU seconds (this process, and LibreOffice as a child).
"""

from __future__ import annotations

import argparse
import csv
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from _django import setup

SHEETS = ["P&L", "Balance sheet", "P&L by account", "Balance sheet by account", "Account balances"]
# CSV filter options: comma, double quote, UTF-8, from row 1, …, as shown, every sheet (-1)
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
ERRORS = ("Err:", "#VALUE!", "#REF!", "#NAME?", "#DIV/0!", "#N/A", "#NUM!")
FORMULA_NAME = "=1+2"


def company_export() -> tuple[bytes, list[Decimal]]:
    from tests.conftest import make_tenant
    from tests.financials.conftest import load_sandbox_ledger

    from ledgerlink.financials import selectors, services
    from ledgerlink.financials.export import build_financials_workbook
    from ledgerlink.ledger.models import FinancialStatementLine

    tenant = make_tenant("Excel Check Bank", f"excel-{int(time.time())}")
    load_sandbox_ledger(tenant.company)
    FinancialStatementLine.objects.filter(company=tenant.company, account_name="Rent").update(
        account_name=FORMULA_NAME
    )
    services.categorise_company(tenant.company)
    net = next(r for r in selectors.financials(tenant.company).pl.rows if r.label == "Net profit")
    return build_financials_workbook(tenant.company), net.amounts


def convert(xlsx: Path, outdir: Path) -> dict[str, list[list[str]]]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        sys.exit("LibreOffice not found: apt-get install -y libreoffice-calc-nogui")
    profile = outdir / "profile"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         "--convert-to", CSV_FILTER, "--outdir", str(outdir), str(xlsx)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    sheets: dict[str, list[list[str]]] = {}
    for path in sorted(outdir.glob(f"{xlsx.stem}*.csv")):
        name = path.stem[len(xlsx.stem) + 1 :] if path.stem != xlsx.stem else SHEETS[0]
        with path.open(newline="", encoding="utf-8") as handle:
            sheets[name] = list(csv.reader(handle))
    return sheets


def money(text: str) -> Decimal:
    text = text.replace(",", "").strip()
    return -Decimal(text[1:-1]) if text.startswith("(") else Decimal(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--file", type=Path, help="check this .xlsx instead of a fresh export")
    args = parser.parse_args()
    wall = time.perf_counter()
    expected: list[Decimal] | None = None
    with tempfile.TemporaryDirectory(prefix="ledgerlink-excel-") as tmp:
        xlsx = Path(tmp) / "financials.xlsx"
        if args.file:
            shutil.copy(args.file, xlsx)
        else:
            setup()
            data, expected = company_export()
            xlsx.write_bytes(data)
        built = time.perf_counter()
        sheets = convert(xlsx, Path(tmp))
        converted = time.perf_counter()
    problems: list[str] = []
    if sorted(sheets) != sorted(SHEETS):
        problems.append(f"sheets read back: {sorted(sheets)}; expected {sorted(SHEETS)}")
    cells = [(s, c) for s, rows in sheets.items() for row in rows for c in row]
    problems += [f"{s}: error cell {c!r}" for s, c in cells if c.startswith(ERRORS)][:10]
    if expected is not None:
        names = [row[1] for row in sheets.get("Account balances", [])[1:] if len(row) > 1]
        if FORMULA_NAME not in names and f"'{FORMULA_NAME}" not in names:
            problems.append(f"the account named {FORMULA_NAME!r} was not kept as text: {names}")
        if "3" in names:
            problems.append(f"the account named {FORMULA_NAME!r} was evaluated")
        net_rows = [r for r in sheets.get("P&L", []) if r and r[0] == "Net profit"]
        if not net_rows:
            problems.append("no Net profit row on the P&L sheet")
        elif [money(c) for c in net_rows[0][1:] if c] != expected:
            problems.append(f"net profit read back {net_rows[0][1:]} differs from {expected}")
    own = resource.getrusage(resource.RUSAGE_SELF)
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"sheets read back by LibreOffice: {', '.join(sheets)}")
    print(f"cells read back: {len(cells)}; months of net profit compared: "
          f"{len(expected) if expected else 0}")  # fmt: skip
    print(f"wall: build {built - wall:.2f} s, LibreOffice open+convert {converted - built:.2f} s")
    print(f"CPU: this process {own.ru_utime + own.ru_stime:.2f} s, "
          f"LibreOffice {child.ru_utime + child.ru_stime:.2f} s")  # fmt: skip
    for problem in problems:
        print("PROBLEM:", problem)
    print("OK: the export opens cleanly" if not problems else f"FAILED: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
