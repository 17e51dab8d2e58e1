"""Throughput of the sandbox data generator: records generated and serialised per second.

Run: uv run python bench/sandbox_generator.py [--records 200000] [--page-size 10000]
It builds a benchmark-sized tenant in memory (1,000,000 bills and payments, 300,000 expenses,
50,000 suppliers), reads pages spread across each data type exactly as the API view does
(JSON text of the page, wrapped in {"data": ..., "next_cursor": ...}, encoded to bytes), and
prints records/s per type and overall on one core: by wall-clock time and by the process's
CPU time (the latter is steadier on a shared machine).
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

import orjson

from ledgerlink.sandbox.generator import (
    BILL_PAYMENTS,
    BILLS,
    EXPENSES,
    SUPPLIERS,
    Dataset,
    Sizes,
)

TARGET = 200_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000, help="records per data type")
    parser.add_argument("--page-size", type=int, default=10_000)
    parser.add_argument("--revisions", type=int, default=3)
    args = parser.parse_args()
    created = datetime(2026, 5, 1, 12, tzinfo=UTC)
    sizes = Sizes(suppliers=50_000, bills=1_000_000, payments=1_000_000, expenses=300_000)
    times = [datetime(2026, 5, 2 + r, tzinfo=UTC) for r in range(args.revisions)]
    grand_records = 0
    grand_seconds = 0.0
    grand_cpu = 0.0
    grand_bytes = 0
    print(f"tenant: {sizes}, {args.revisions} revisions, page size {args.page_size}")
    # One dataset, read in sync order, as one API worker process serves one tenant (its
    # supplier profiles are built once, while the suppliers are read).
    ds = Dataset(
        tenant_id="bench",
        name="Benchmark Holdings Ltd",
        seed=20260501,
        sizes=sizes,
        base_currency="GBP",
        created_at=created,
        revision_times=times,
    )
    for data_type in (SUPPLIERS, BILLS, BILL_PAYMENTS, EXPENSES):
        total = ds.count(data_type)
        wanted = min(args.records, total)
        pages = max(1, wanted // args.page_size)
        stride = max(args.page_size, total // pages)
        records = 0
        size = 0
        started = time.perf_counter()
        cpu_started = time.process_time()
        for n in range(pages):
            start = min(n * stride, total - args.page_size)
            # Exactly what the API view does: JSON text of the page, wrapped, encoded.
            data, cursor = ds.page_json(data_type, max(0, start), args.page_size)
            body = f'{{"data":{data},"next_cursor":{orjson.dumps(str(cursor)).decode()}}}'.encode()
            records += data.count('"updatedAt"')
            size += len(body)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        grand_records += records
        grand_seconds += seconds
        grand_cpu += cpu
        grand_bytes += size
        print(
            f"{data_type:15} {records:>9,} records: {records / seconds:>9,.0f}/s wall, "
            f"{records / cpu:>9,.0f}/s CPU  ({size / records:,.0f} bytes/record)"
        )
    rate = grand_records / grand_seconds
    cpu_rate = grand_records / grand_cpu
    print(
        f"{'overall':15} {grand_records:>9,} records: {rate:>9,.0f}/s wall, "
        f"{cpu_rate:>9,.0f}/s CPU  ({grand_bytes / grand_cpu / 1e6:,.0f} MB/s of JSON)"
    )
    print(f"target {TARGET:,} records/s per core: {'met' if cpu_rate >= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
