"""Benchmark: import a supplier template with 100,000 bills (plus suppliers and payments).

    uv run python bench/template_import.py [--bills 100000] [--suppliers 5000]

Runs standalone: uses the test settings, on a fresh SQLite database in a temporary
directory, or on PostgreSQL when DATABASE_URL is set (the bench creates its own
organisation and deletes it afterwards). Prints the time to read and validate the file,
the time to store it, the total, and rows per second. The target is 10 s in total.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 10.0


def _setup_django() -> str | None:
    """Django on the test settings; returns the temporary directory it made, if any."""
    sys.path[:0] = [str(ROOT), str(ROOT / "src")]
    made = None
    if not os.environ.get("DATABASE_URL") and "LEDGERLINK_VAR_DIR" not in os.environ:
        made = tempfile.mkdtemp(prefix="ledgerlink-bench-")
        os.environ["LEDGERLINK_VAR_DIR"] = made
    # As in production: the report rebuild an import schedules is queued for the worker (a
    # row in the task table), not built inside the import being timed.
    os.environ.setdefault("LEDGERLINK_TASKS_BACKEND", "db")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return made


def generate(bills: int, suppliers: int) -> tuple[bytes, int]:
    """A filled-in template (as Excel would save it) and its number of data rows.

    Bills: 90% in GBP (the base currency), 10% in EUR with a rate. Payments: most bills are
    paid in full, every 10th payment is split over two bills, every 7th bill is partly
    paid, and every 50th payment has an unallocated part.
    """
    import xlsxwriter  # type: ignore[import-untyped]

    from ledgerlink.imports.schema import BILLS, COMPANY, EXPENSES, PAYMENTS, SUPPLIERS

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    rows = 0

    def sheet(spec, data_rows):  # type: ignore[no-untyped-def]
        nonlocal rows
        ws = book.add_worksheet(spec.name)
        ws.write_row(0, 0, [c.title for c in spec.columns])
        for r, values in enumerate(data_rows, start=1):
            for c, value in enumerate(values):
                if value is None or value == "":
                    continue
                if isinstance(value, date):
                    ws.write_datetime(r, c, value, date_format)
                else:
                    ws.write(r, c, value)
            rows += 1

    sheet(COMPANY, [["Bench Trading Ltd", "GBP", "01234567", "", "", "1 High St", ""]])
    sheet(
        SUPPLIERS,
        (
            [
                f"SUP-{s:05d}",
                f"Supplier {s} Ltd",
                "",
                "",
                "Ann Other",
                f"ap{s}@supplier.example",
                "",
                f"{s} Market St",
                "",
                "Leeds",
                "",
                "LS1 1AA",
                "United Kingdom",
                30,
                "Bank transfer",
                "Active",
            ]
            for s in range(suppliers)
        ),
    )
    start = date(2023, 1, 1)

    def bill(i: int) -> tuple[str, str, float, float, str, float | str]:
        pair = i // 2  # bills 2k and 2k+1 share a supplier and a currency
        supplier = f"SUP-{pair % suppliers:05d}"
        total = round(100 + (i * 37) % 9000 + (i % 100) / 100, 2)
        due = round(total / 2, 2) if i % 7 == 0 else 0.0
        currency, rate = ("EUR", 0.86) if pair % 10 == 0 else ("GBP", "")
        return supplier, currency, total, due, "Partially paid" if due else "Paid", rate

    def bill_rows():  # type: ignore[no-untyped-def]
        for i in range(bills):
            supplier, currency, total, due, status, rate = bill(i)
            issued = start + timedelta(days=i % 700)
            yield [
                f"BILL-{i:06d}",
                supplier,
                issued,
                issued + timedelta(days=30),
                currency,
                rate,
                total,
                due,
                status,
                f"INV-{i}",
            ]

    def payment_rows():  # type: ignore[no-untyped-def]
        payment = 0
        for first in range(0, bills, 2):
            pair = [p for p in (first, first + 1) if p < bills]
            groups = [pair] if (first // 2) % 5 == 0 else [[p] for p in pair]
            for group in groups:
                supplier, currency, *_ = bill(group[0])
                rate = bill(group[0])[5]
                paid_on = start + timedelta(days=group[0] % 700 + 20)
                for p in group:
                    _, _, total, due, _, _ = bill(p)
                    yield [
                        f"PAY-{payment:06d}",
                        supplier,
                        f"BILL-{p:06d}",
                        paid_on,
                        currency,
                        rate,
                        round(total - due, 2),
                        "Bank transfer",
                        "Current account",
                        "",
                    ]
                if payment % 50 == 0:
                    yield [
                        f"PAY-{payment:06d}",
                        supplier,
                        "",
                        paid_on,
                        currency,
                        rate,
                        10.0,
                        "Bank transfer",
                        "Current account",
                        "on account",
                    ]
                payment += 1

    sheet(BILLS, bill_rows())
    sheet(PAYMENTS, payment_rows())
    sheet(
        EXPENSES,
        (
            [
                f"EXP-{e:05d}",
                "",
                f"Cafe {e}",
                start + timedelta(days=e % 700),
                "GBP",
                "",
                round(5 + e % 40, 2),
                "Card",
                "Company card",
                "",
            ]
            for e in range(1000)
        ),
    )
    book.close()
    return buffer.getvalue(), rows


def _database_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend so far (0 elsewhere)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        row = cursor.fetchone()
    try:
        with open(f"/proc/{row[0]}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bills", type=int, default=100_000)
    parser.add_argument("--suppliers", type=int, default=5_000)
    parser.add_argument(
        "--file",
        type=Path,
        help="keep the generated workbook here and reuse it when it exists (same sizes)",
    )
    args = parser.parse_args(argv)
    made = _setup_django()
    try:
        return _run(args)
    finally:
        if made:
            shutil.rmtree(made, ignore_errors=True)


def _run(args: argparse.Namespace) -> int:

    from django.db import connection

    from ledgerlink.audit.chain import delete_organisation
    from ledgerlink.imports.parse import parse_upload
    from ledgerlink.imports.services import import_template
    from ledgerlink.relationships.services import create_company
    from ledgerlink.tenancy.services import create_organisation

    started = time.perf_counter()
    cached = args.file and args.file.with_suffix(".rows")
    if args.file and args.file.exists() and cached and cached.exists():
        data, rows = args.file.read_bytes(), int(cached.read_text())
        print(f"reusing {args.file}: {rows:,} rows, {len(data) / 1e6:.1f} MB")
    else:
        data, rows = generate(args.bills, args.suppliers)
        if args.file and cached:
            args.file.write_bytes(data)
            cached.write_text(str(rows))
        print(
            f"generated {rows:,} rows, {len(data) / 1e6:.1f} MB "
            f"in {time.perf_counter() - started:.1f} s (not part of the timing)"
        )

    started = time.perf_counter()
    cpu_started = time.process_time()
    parsed = parse_upload(data, "bench.xlsx")
    parse_seconds = time.perf_counter() - started
    parse_cpu = time.process_time() - cpu_started
    if not parsed.ok:
        for problem in parsed.problems[:20]:
            print(problem)
        return 1

    org = create_organisation(name="Bench Bank", slug=f"bench-{os.getpid()}-{int(time.time())}")
    try:
        company = create_company(
            organisation=org,
            actor=None,
            name="Bench Trading Ltd",
            contact_name="",
            contact_email="",
        )
        started = time.perf_counter()
        cpu_started = time.process_time()
        database_started = _database_cpu()
        result = import_template(company, data, "bench.xlsx")
        total_seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        database_seconds = _database_cpu() - database_started
    finally:
        delete_organisation(org)
    if not result.ok:
        print("import failed:", result.problems[:5])
        return 1
    store_seconds = total_seconds - parse_seconds
    print(f"database: {connection.vendor}")
    print(
        f"CPU during the import: this process {cpu_seconds:.2f} s"
        + (f", its PostgreSQL backend {database_seconds:.2f} s" if database_seconds else "")
        + " (wall time above that is waiting for a CPU shared with other work, or the disk)"
    )
    print(f"counts: {result.counts}")
    print(
        f"read + validate (a separate run of parse_upload): {parse_seconds:.2f} s, "
        f"CPU {parse_cpu:.2f} s"
    )
    print(f"store (replace_source + audit, estimated as total - read): {store_seconds:.2f} s")
    verdict = "met" if total_seconds <= TARGET_SECONDS else "NOT met"
    print(
        f"total import: {total_seconds:.2f} s, {rows / total_seconds:,.0f} rows/s "
        f"(target {TARGET_SECONDS:.0f} s: {verdict})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
