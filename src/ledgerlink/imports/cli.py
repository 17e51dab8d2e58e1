"""`ledgerlink import FILE --company NAME [--org SLUG]`: load a supplier template from disk.

Wire it into the main parser with `add_import_command(subparsers)`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ledgerlink.settings")
    import django

    django.setup()


def add_import_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `import` command to an argparse subparsers object (returns its parser)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "import",
        help="import a supplier information template (.xlsx, or .zip of CSV files)",
        description=(
            "Check a filled-in supplier information template and, if it has no problems, "
            "replace the company's previously imported template data with it."
        ),
    )
    parser.add_argument("file", help="the .xlsx template or a .zip of CSV files")
    parser.add_argument("--company", required=True, help="company name (created if missing)")
    parser.add_argument("--org", help="organisation slug (may be left out when there is only one)")
    parser.set_defaults(func=cmd_import)
    return parser


def _error(message: str) -> int:
    print(f"Error: {message}", file=sys.stderr)
    return 2


def cmd_import(args: argparse.Namespace) -> int:
    _setup_django()
    from ledgerlink.imports.parse import MAX_UPLOAD_BYTES
    from ledgerlink.imports.safety import human_size
    from ledgerlink.imports.services import describe_counts, import_template
    from ledgerlink.ledger.records import DataType
    from ledgerlink.relationships.models import Company
    from ledgerlink.relationships.services import create_company
    from ledgerlink.tenancy.models import Organisation

    if args.org:
        org = Organisation.objects.filter(slug=args.org).first()
        if org is None:
            return _error(f"no organisation with slug {args.org!r}")
    else:
        orgs = list(Organisation.objects.order_by("slug")[:2])
        if not orgs:
            return _error("there is no organisation yet: create one with `ledgerlink createorg`")
        if len(orgs) > 1:
            return _error("there are several organisations: choose one with --org SLUG")
        org = orgs[0]

    name = args.company.strip()
    if not name:
        return _error("--company must not be blank")
    path = Path(args.file)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_UPLOAD_BYTES + 1)
    except OSError as error:
        return _error(f"cannot read {path}: {error.strerror or error}")
    if len(data) > MAX_UPLOAD_BYTES:
        return _error(
            f"{path.name} is larger than the {human_size(MAX_UPLOAD_BYTES)} limit: split the "
            "data over several files."
        )

    companies = list(Company.objects.filter(organisation=org, name=name)[:2])
    if len(companies) > 1:
        return _error(f"several companies in {org.slug} are named {name!r}: rename one first")
    created = not companies
    if companies:
        company = companies[0]
    else:
        company = create_company(
            organisation=org, actor=None, name=name, contact_name="", contact_email=""
        )

    result = import_template(company, data, path.name, actor_kind="system")
    where = f"{company.name} ({org.slug})" + (", a new company" if created else "")
    for warning in result.warnings:
        print(f"Warning: {warning}", file=sys.stderr)
    if not result.ok:
        noun = "problem" if result.problem_count == 1 else "problems"
        print(
            f"Rejected {path.name} for {where}: {result.problem_count:,} {noun}; nothing was "
            "imported.",
            file=sys.stderr,
        )
        for problem in result.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    print(f"Imported {path.name} into {where}: {describe_counts(result.counts)}.")
    for data_type, count in result.counts.items():
        print(f"  {DataType.LABELS[data_type]}: {count:,}")
    return 0
