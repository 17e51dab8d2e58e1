"""A whole report build from the database: load the ledger, analyse, write every file.

    DATABASE_URL=postgres://…/ledgerlink_reports uv run python bench/report_build.py 100000
    … bench/report_build.py 1000000 --only spend-analysis

PostgreSQL only (the ledger is filled with COPY). The ledger is the synthetic data of
`bench/spend_analysis.py` (N bills, N payments, 0.3·N expenses, N/20 suppliers) written
straight into the ledger tables of a fresh company; then, timed: `load_frames` (the loader's
COPY-to-Polars path) and `build_company_reports` (analysis once, then every report file,
through storage, as a worker does). Peak RSS is the process's maximum.
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import time
from datetime import date
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TABLES = {
    "ledger_supplier": (
        "suppliers",
        [
            "name",
            "contact_name",
            "email",
            "phone",
            "address_line1",
            "address_line2",
            "city",
            "region",
            "postal_code",
            "country",
            "tax_number",
            "registration_number",
            "default_payment_method",
            "status",
            "first_seen_at",
        ],
    ),
    "ledger_bill": (
        "bills",
        [
            "supplier_source_id",
            "reference",
            "issue_date",
            "due_date",
            "currency",
            "exchange_rate",
            "total_amount",
            "amount_due",
            "status",
        ],
    ),
    "ledger_billpayment": (
        "bill_payments",
        [
            "supplier_source_id",
            "payment_date",
            "currency",
            "exchange_rate",
            "amount",
            "method_raw",
            "payment_account_source_id",
            "payment_account_name",
            "reference",
        ],
    ),
    "ledger_expense": (
        "expenses",
        [
            "supplier_source_id",
            "supplier_name",
            "expense_date",
            "currency",
            "exchange_rate",
            "amount",
            "method_raw",
            "payment_account_source_id",
            "payment_account_name",
            "reference",
            "account_source_id",
        ],
    ),
    "ledger_account": (
        "accounts",
        [
            "code",
            "name",
            "type",
            "classification",
            "is_payment_account",
            "payment_account_type",
            "currency",
            "is_active",
        ],
    ),
}


def _copy(cursor, table: str, frame: pl.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="")
    buffer.seek(0)
    columns = ", ".join(frame.columns)
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)


def fill(company_id: int, n_bills: int) -> None:
    from django.db import connection

    from bench.spend_analysis import generate

    frames = generate(n_bills)
    common = [
        pl.lit(company_id).alias("company_id"),
        pl.lit("bench").alias("source"),
        pl.col("source_id"),
        pl.col("is_deleted"),
        pl.lit("2025-01-01 00:00:00+00").alias("synced_at"),
    ]
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        for table, (name, columns) in TABLES.items():
            frame = getattr(frames, name)
            out = frame.select(*common, *columns)
            if table == "ledger_bill":
                out = out.with_columns(pl.lit("[]").alias("lines"))
            if table == "ledger_supplier":
                out = out.with_columns(pl.col("first_seen_at").dt.strftime("%Y-%m-%d %H:%M:%S+00"))
            if table == "ledger_account":
                out = out.with_columns(pl.lit("").alias("parent_source_id"))
            _copy(cursor, table, out)
        # Allocations reference payments by database id.
        cursor.execute(
            "SELECT source_id, id FROM ledger_billpayment WHERE company_id = %s", [company_id]
        )
        ids = pl.DataFrame(
            cursor.fetchall(), schema=["payment_source_id", "payment_id"], orient="row"
        )
        allocations = frames.allocations.join(ids, on="payment_source_id").select(
            "payment_id", "bill_source_id", "amount", "allocated_on"
        )
        _copy(cursor, "ledger_paymentallocation", allocations)
        cursor.execute(
            "INSERT INTO ledger_companyinfo (company_id, source, source_id, is_deleted, synced_at,"
            " legal_name, base_currency, registration_number, tax_number, phone, website,"
            " addresses) VALUES (%s, 'bench', 'c', false, now(), 'Bench Co Ltd', 'GBP', '', '',"
            " '', '', '[]')",
            [company_id],
        )
        cursor.execute("ANALYZE")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bills", type=int, nargs="?", default=100_000)
    parser.add_argument("--only", action="append", help="report types (default: all)")
    args = parser.parse_args()
    import os

    from bench._django import setup

    os.environ["LEDGERLINK_TASKS_BACKEND"] = "db"  # queue, do not run, the automatic build
    setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("Set DATABASE_URL to a PostgreSQL database (not the one named ledgerlink).")
        return 2
    from ledgerlink.relationships.services import create_company
    from ledgerlink.reports import services
    from ledgerlink.reports.loader import load_frames
    from ledgerlink.reports.models import Report
    from ledgerlink.tenancy.services import create_organisation

    stamp = int(time.time())
    org = create_organisation(name="Bench", slug=f"bench-{stamp}")
    company = create_company(
        organisation=org, actor=None, name="Bench Co", contact_name="", contact_email=""
    )
    started = time.perf_counter()
    fill(company.pk, args.bills)
    print(
        f"{args.bills:,} bills: ledger filled in {time.perf_counter() - started:.1f}s (not timed)"
    )
    today = date(2025, 2, 10)  # the synthetic period is 2024
    params = services.parameters_for(company, today=today)
    started = time.perf_counter()
    frames = load_frames(company, start=params.window_start, end=params.end)
    loaded = time.perf_counter() - started
    print(f"  load_frames: {loaded:.2f}s {frames.row_counts}")
    del frames
    types = args.only or services.wanted_types(org)
    services.queue_reports(company, types)  # the enqueued task is not run: no worker here
    started = time.perf_counter()
    built = services.build_company_reports(company.pk, today=today)
    total = time.perf_counter() - started
    for row in Report.objects.filter(company=company).order_by("pk"):
        print(f"  {row.report_type}: {row.status} {row.size:,} bytes in {row.seconds or 0:.2f}s")
    print(
        f"  build of {len(built)} reports (one load + analysis): {total:.1f}s; "
        f"peak RSS {rss_mb():,.0f} MB"
    )
    Report.objects.filter(company=company).delete()
    company.delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
