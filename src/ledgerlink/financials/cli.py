"""`ledgerlink categorize CHART.csv --out OUT.csv`: suggest categories for a chart (no Django).

Reads columns `code`, `name` and optionally `parent_name`, `language`, `country` (and, when
present, `type` / `classification` as the platform's own account type); writes every input
column plus `suggested_type`, `suggested_subtype`, `suggested_detail`, `confidence` and
`needs_review`. Text that would start a spreadsheet formula is neutralised.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from pathlib import Path
from typing import Any

_FORMULA = re.compile(r"^[=+\-@\t\r\x00]")  # as reports.writers.safety, without Polars


def neutralise(text: str) -> str:
    """Prefix `'` to text a spreadsheet would take for a formula."""
    return "'" + text if _FORMULA.match(text) else text


OUTPUT_COLUMNS = (
    "suggested_type", "suggested_subtype", "suggested_detail", "confidence", "needs_review",
)  # fmt: skip


def add_categorize_command(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "categorize",
        help="suggest a taxonomy category for every account of a chart of accounts (CSV)",
    )
    parser.add_argument("chart", type=Path, help="CSV with columns code, name[, parent_name, …]")
    parser.add_argument("--out", type=Path, required=True, help="where to write the result CSV")
    parser.set_defaults(func=cmd_categorize)
    return parser


def categorize_file(source: Path, target: Path) -> tuple[int, int]:
    """Write the suggestions; returns (accounts, flagged for review). Raises ValueError."""
    from ledgerlink.financials.categorise.engine import AccountInput, suggest

    with source.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = [c.strip() for c in reader.fieldnames or []]
        if "name" not in columns:
            raise ValueError("the CSV needs a 'name' column (and usually 'code')")
        rows = [{k.strip(): (v or "").strip() for k, v in r.items() if k} for r in reader]
    accounts = [
        AccountInput(
            name=r.get("name", ""),
            code=r.get("code", ""),
            parent_name=r.get("parent_name", ""),
            platform_type=r.get("type", ""),
            classification=r.get("classification", ""),
            country=r.get("country", ""),
            language=r.get("language", ""),
        )
        for r in rows
    ]
    # one chart per country, so each gets its own numbering scheme and consensus
    charts: dict[str, list[int]] = {}
    for i, account in enumerate(accounts):
        charts.setdefault(account.country.upper(), []).append(i)
    results: list[Any] = [None] * len(accounts)
    for members in charts.values():
        for i, suggestion in zip(members, suggest([accounts[i] for i in members]), strict=True):
            results[i] = suggestion
    flagged = 0
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*columns, *OUTPUT_COLUMNS])
        for row, s in zip(rows, results, strict=True):
            flagged += int(s.needs_review)
            values = [neutralise(row.get(c, "")) for c in columns]
            writer.writerow(
                [*values, s.type, s.subtype, s.detail, f"{s.confidence:.4f}", str(s.needs_review)]
            )
    return len(accounts), flagged


def cmd_categorize(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    try:
        count, flagged = categorize_file(args.chart, args.out)
    except (OSError, ValueError, UnicodeDecodeError, csv.Error) as error:
        print(f"Error: {error}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    print(f"{count} accounts categorised in {seconds:.2f} s; {flagged} flagged for review")
    print(f"Written to {args.out}")
    return 0
