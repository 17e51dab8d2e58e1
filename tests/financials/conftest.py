"""A company whose ledger holds the sandbox's chart and 24 months of reports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledgerlink.connectors.sandbox import SandboxConnector
from ledgerlink.connectors.sandbox.streams import flatten_statement
from ledgerlink.financials import services
from ledgerlink.ledger.records import DataType
from ledgerlink.ledger.services import upsert
from ledgerlink.relationships.models import Company
from ledgerlink.sandbox.generator import Dataset, Sizes

from ..conftest import Tenant


def load_sandbox_ledger(company: Company, *, seed: int = 11) -> Dataset:
    ds = Dataset(
        tenant_id=f"t{company.pk}",
        name=company.name,
        seed=seed,
        sizes=Sizes(10, 60, 50, 40),
        base_currency="GBP",
        created_at=datetime(2026, 6, 1, tzinfo=UTC),
    )
    mapper = SandboxConnector().map
    accounts = [mapper(DataType.ACCOUNTS, raw).record for raw in ds._accounts]
    upsert(company, "sandbox", DataType.ACCOUNTS, accounts)  # type: ignore[arg-type]
    profit_and_loss, balance_sheets = ds.reports()
    lines = []
    for kind, reports in (("pl", profit_and_loss), ("bs", balance_sheets)):
        for report in reports:
            lines += [
                mapper(DataType.STATEMENTS, r).record for r in flatten_statement(report, kind)
            ]
    upsert(company, "sandbox", DataType.STATEMENTS, lines)  # type: ignore[arg-type]
    return ds


@pytest.fixture
def ledger_company(tenant: Tenant, other_tenant: Tenant) -> Company:
    load_sandbox_ledger(tenant.company)
    load_sandbox_ledger(other_tenant.company, seed=12)
    return tenant.company


@pytest.fixture
def categorised_company(ledger_company: Company, other_tenant: Tenant) -> Company:
    """`ledger_company` after the categorisation a completed sync runs (both organisations)."""
    services.categorise_company(ledger_company)
    services.categorise_company(other_tenant.company)
    return ledger_company
