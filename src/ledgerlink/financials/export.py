"""The Financials Excel export for a company (for the download view and report machinery)."""

from __future__ import annotations

import io

from ledgerlink.financials import selectors
from ledgerlink.relationships.models import Company
from ledgerlink.reports.writers.financials import BalancesSheet, StatementSheet, write_financials


def _sheet(name: str, statement: selectors.Statement, notes: list[str]) -> StatementSheet:
    rows = [(r.label, r.kind, r.amounts) for r in statement.rows]
    checks = [
        f"Difference {c.month:%Y-%m}: {c.difference:,.2f} ({statement.check_label}: "
        f"{c.actual:,.2f} against {c.expected:,.2f})"
        for c in statement.differences
    ]
    if statement.unchecked:
        checks.append(
            f"Not checked for {len(statement.unchecked)} month(s) ({statement.check_label}): "
            f"{statement.unchecked_reason}."
        )
    elif statement.months and not statement.differences:
        checks.append(f"Checked ({statement.check_label}): no differences.")
    return StatementSheet(
        name=name, title=statement.title, months=statement.months, rows=rows,
        notes=[*notes, *checks],
    )  # fmt: skip


def build_financials_workbook(company: Company) -> bytes:
    """P&L and balance sheet by month (taxonomy and own accounts) and account balances."""
    by_taxonomy = selectors.financials(company, view="taxonomy")
    by_accounts = selectors.financials(company, view="accounts")
    months, balances = selectors.account_balances(company)
    buffer = io.BytesIO()
    write_financials(
        buffer,
        company=company.name,
        currency=by_taxonomy.currency,
        statements=[
            _sheet("P&L", by_taxonomy.pl, by_taxonomy.notes),
            _sheet("Balance sheet", by_taxonomy.bs, by_taxonomy.notes),
            _sheet("P&L by account", by_accounts.pl, by_accounts.notes),
            _sheet("Balance sheet by account", by_accounts.bs, by_accounts.notes),
        ],
        balances=BalancesSheet(
            months=months,
            rows=[
                (
                    b.code,
                    b.name,
                    b.statement,
                    b.type,
                    b.subtype,
                    b.detail,
                    b.status,
                    b.confidence,
                    b.amounts,
                )
                for b in balances
            ],
        ),
    )
    return buffer.getvalue()
