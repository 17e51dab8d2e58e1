"""Financials as a report type: built, tracked and downloaded like the spend reports."""

from __future__ import annotations

from typing import IO, Any

from ledgerlink.financials import selectors, services
from ledgerlink.financials.export import build_financials_workbook
from ledgerlink.reports.registry import XLSX, BuildContext, ReportType, ReportUnavailable


def build(ctx: BuildContext, out: IO[bytes]) -> dict[str, Any]:
    # New or changed accounts get their suggestions first; confirmed ones are kept.
    services.categorise_company(ctx.company)
    statements = selectors.financials(ctx.company)
    if not statements.months:
        raise ReportUnavailable("No financial statements or accounts have been shared yet.")
    out.write(build_financials_workbook(ctx.company))
    return {
        "months": len(statements.months),
        "first_month": statements.months[0].isoformat(),
        "last_month": statements.months[-1].isoformat(),
        "differences": len(statements.pl.differences) + len(statements.bs.differences),
    }


FINANCIALS = ReportType(
    "financials",
    "Financials",
    "xlsx",
    XLSX,
    build,
    # Reads no spend frames: built after the spend reports so they share theirs.
    build_order=2,
    description="Profit and loss and balance sheet by month, with categorised accounts.",
)
