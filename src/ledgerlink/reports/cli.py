"""`ledgerlink report TYPE --company NAME [--org SLUG] --out FILE [--start D --end D]`.

Builds one report synchronously in this process (no task, no `Report` row) and prints how
long each step took. Wired into the main parser with `add_report_command(subparsers)`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ledgerlink.settings")
    import django

    django.setup()


def _types() -> list[str]:
    from ledgerlink.reports import registry

    return registry.type_keys()


def add_report_command(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "report",
        help="generate a report file for a company now",
        description=(
            "Generate one report of a company (covering its legal entities) from the ledger, "
            "synchronously. TYPE is one of the installed report types, e.g. spend-analysis, "
            "spend-summary, ongoing-insights, mastercard, visa, wex, paytech."
        ),
    )
    parser.add_argument("type", metavar="TYPE", help="the report type")
    parser.add_argument("--company", required=True, help="company name")
    parser.add_argument("--org", help="organisation slug (may be left out when there is only one)")
    parser.add_argument("--out", required=True, help="the file to write")
    parser.add_argument("--start", help="first day of the period, YYYY-MM-DD")
    parser.add_argument("--end", help="last day of the period, YYYY-MM-DD")
    parser.set_defaults(func=cmd_report)
    return parser


def _error(message: str) -> int:
    print(f"Error: {message}", file=sys.stderr)
    return 2


def _day(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{flag} {text!r} is not a date: use YYYY-MM-DD") from None


def cmd_report(args: argparse.Namespace) -> int:
    _setup_django()
    from ledgerlink.insights.frames import FrameError
    from ledgerlink.relationships.models import Company
    from ledgerlink.reports import registry, services
    from ledgerlink.tenancy.models import Organisation

    if args.type not in registry.type_keys():
        return _error(f"unknown report type {args.type!r}: choose one of {', '.join(_types())}")
    try:
        start, end = _day(args.start, "--start"), _day(args.end, "--end")
    except ValueError as error:
        return _error(str(error))
    if (start is None) != (end is None):
        return _error("give both --start and --end, or neither")
    if start is not None and end is not None and end < start:
        return _error("--end is before --start")
    if args.org:
        org = Organisation.objects.filter(slug=args.org).first()
        if org is None:
            return _error(f"no organisation with slug {args.org!r}")
    else:
        orgs = list(Organisation.objects.order_by("slug")[:2])
        if len(orgs) != 1:
            return _error("name the organisation with --org SLUG")
        org = orgs[0]
    companies = list(
        Company.objects.filter(organisation=org, name=args.company.strip()).select_related(
            "organisation"
        )[:2]
    )
    if not companies:
        return _error(f"no company named {args.company!r} in {org.slug}")
    if len(companies) > 1:
        return _error(f"several companies in {org.slug} are named {args.company!r}")
    company = companies[0]
    if company.parent_id is not None:
        print(
            f"Note: {company.name} is an entity; its parent's report covers all entities.",
            file=sys.stderr,
        )
    out = Path(args.out)
    partial = out.with_name(out.name + ".partial")
    started = time.monotonic()
    try:
        with partial.open("wb") as handle:
            figures = services.generate_file(company, args.type, handle, start=start, end=end)
        partial.replace(out)
    except registry.ReportUnavailable as unavailable:
        partial.unlink(missing_ok=True)
        return _error(f"{registry.get(args.type).label} is not available: {unavailable}")
    except (OSError, FrameError, ValueError) as error:
        partial.unlink(missing_ok=True)
        return _error(str(error))
    elapsed = time.monotonic() - started
    kind = registry.get(args.type)
    print(f"Wrote {kind.label} of {company.name} to {out} ({out.stat().st_size:,} bytes)")
    for key, value in figures.items():
        if not isinstance(value, (list, dict)):
            print(f"  {key}: {value}")
    print(f"Generated in {elapsed:.2f}s")
    return 0
