"""Books for the demo's completed company, so its reports and financials show on first start.

The records come from the sandbox platform's generator and go through the sandbox
connector's mappers and the ledger services, exactly as a sync would store them; only the
HTTP hop is skipped, because the demo's web server is not running yet while it is seeded.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from ledgerlink.connectors.sandbox import SandboxConnector
from ledgerlink.connectors.sandbox.streams import flatten_statement
from ledgerlink.ledger import services as ledger
from ledgerlink.ledger.records import DataType
from ledgerlink.relationships.models import Company
from ledgerlink.sandbox.generator import Dataset, Sizes

SOURCE = "sandbox"
PAGE = 1000
# Ledger data type → the generator's endpoint.
ENDPOINTS = {
    DataType.COMPANY_INFO: "company",
    DataType.ACCOUNTS: "accounts",
    DataType.SUPPLIERS: "suppliers",
    DataType.BILLS: "bills",
    DataType.BILL_PAYMENTS: "bill-payments",
    DataType.EXPENSES: "expenses",
}


def load_books(company: Company, *, seed: int, sizes: Sizes, currency: str) -> int:
    """Store a generated company's books in the ledger; returns how many records."""
    created: datetime = timezone.now() - timedelta(days=1)
    books = Dataset(
        tenant_id=f"demo-{seed}",
        name=company.name,
        seed=seed,
        sizes=sizes,
        base_currency=currency,
        created_at=created,
    )
    mapper = SandboxConnector().map
    stored = 0
    for data_type, endpoint in ENDPOINTS.items():
        start: int | None = 0
        while start is not None:
            raw, start = books.page(endpoint, start, PAGE)
            records = [mapper(data_type, r).record for r in raw]
            ledger.upsert(company, SOURCE, data_type, records)  # type: ignore[arg-type]
            stored += len(records)
    profit_and_loss, balance_sheets = books.reports()
    lines = [
        mapper(DataType.STATEMENTS, row).record
        for kind, reports in (("pl", profit_and_loss), ("bs", balance_sheets))
        for report in reports
        for row in flatten_statement(report, kind)
    ]
    ledger.upsert(company, SOURCE, DataType.STATEMENTS, lines)  # type: ignore[arg-type]
    ledger.resolve_links(company, SOURCE)
    return stored + len(lines)
