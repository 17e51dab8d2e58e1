"""Financials as a report type: built, tracked and downloaded like the spend reports."""

from __future__ import annotations

from typing import IO, Any

from ledgerlink.financials import selectors, services
from ledgerlink.financials.export import build_financials_workbook
from ledgerlink.relationships.models import Company
from ledgerlink.reports.registry import XLSX, BuildContext, ReportType, ReportUnavailable


def _subject(company: Company) -> Company:
    """Statements are per legal entity: a parent's own books, or its only entity's."""
    if selectors.has_books(company):
        return company
    with_books = selectors.entities_with_books(company)
    if len(with_books) > 1:
        raise ReportUnavailable(
            "Financials are per legal entity: choose the entity on the Financials page and "
            f"download its Excel there ({', '.join(e.name for e in with_books)})."
        )
    return with_books[0] if with_books else company


def build(ctx: BuildContext, out: IO[bytes]) -> dict[str, Any]:
    company = _subject(ctx.company)
    # New or changed accounts get their suggestions first; confirmed ones are kept.
    services.categorise_company(company)
    statements = selectors.financials(company)
    if not statements.months:
        raise ReportUnavailable("No financial statements or accounts have been shared yet.")
    out.write(build_financials_workbook(company))
    return {
        "entity": company.name,
        "months": len(statements.months),
        "first_month": statements.months[0].isoformat(),
        "last_month": statements.months[-1].isoformat(),
        "differences": len(statements.pl.differences) + len(statements.bs.differences),
        "source": statements.source,
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
