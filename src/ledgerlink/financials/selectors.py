"""Reads: categories by status, and monthly statements in the taxonomy or the client's accounts.

Statements come from the platform's own reports (ledger `FinancialStatementLine`) where the
company has them, else they are built from the ledger's bills and expenses (a P&L of costs
only: the balance sheet and income need the platform's reports). Differences are flagged:
a balance sheet whose assets differ from liabilities + equity, and a P&L whose lines do not
add up to the platform's own net profit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404

from ledgerlink.financials.categorise.engine import AccountInput, suggest
from ledgerlink.financials.models import AccountCategory, CategoryStatus
from ledgerlink.financials.taxonomy import taxonomy
from ledgerlink.ledger.models import Account, Bill, CompanyInfo, Expense, FinancialStatementLine
from ledgerlink.relationships.models import Company

MAX_MONTHS = 24
TOTALS_SECTION = "Totals"  # as the sandbox connector stores the platform's totals
ZERO = Decimal(0)
UNCATEGORISED = "Uncategorised costs"  # ledger costs whose bill line names no account
LEDGER_NOTE = (
    "Built from the ledger (bills and expenses by account and month): the platform's own "
    "reports are not available, so income and the balance sheet are missing and the P&L "
    "cannot be tied out to the platform's net profit."
)


def has_books(company: Company) -> bool:
    return any(
        model.objects.filter(company=company).exists()
        for model in (FinancialStatementLine, Account, Bill, Expense)
    )


def entities_with_books(company: Company) -> list[Company]:
    """A parent's legal entities that have books (statements are per legal entity)."""
    if company.parent_id is not None:
        return []
    return [
        e
        for e in Company.objects.filter(
            organisation_id=company.organisation_id, parent=company
        ).order_by("name")
        if has_books(e)
    ]


def pick_entity(company: Company, entities: list[Company], chosen: str) -> Company:
    """The legal entity whose statements a parent's Financials page shows: the one chosen
    (`?entity=<id>`, only among its own entities), else the parent's own books, else its
    first entity with books."""
    for entity in entities:
        if chosen == str(entity.pk):
            return entity
    if not entities or has_books(company):
        return company
    return entities[0]


def uncategorised_count(company: Company) -> int:
    """Live accounts with no suggestion yet (suggestions are made after each sync)."""
    return (
        Account.objects.filter(company=company, is_deleted=False)
        .exclude(
            Exists(
                AccountCategory.objects.filter(
                    company=company,
                    account_source=OuterRef("source"),
                    account_source_id=OuterRef("source_id"),
                )
            )
        )
        .count()
    )


def categories(company: Company) -> QuerySet[AccountCategory]:
    return AccountCategory.objects.filter(company=company).select_related("confirmed_by")


def get_category(company: Company, pk: int) -> AccountCategory:
    return get_object_or_404(categories(company), pk=pk)


def categories_by_status(company: Company) -> dict[CategoryStatus, list[AccountCategory]]:
    grouped: dict[CategoryStatus, list[AccountCategory]] = {s: [] for s in CategoryStatus}
    for category in categories(company):
        grouped[category.status].append(category)
    return grouped


@dataclass
class Row:
    label: str
    kind: str  # "heading", "line" or "total"
    amounts: list[Decimal]
    detail: str = ""


@dataclass
class Check:
    month: date
    expected: Decimal
    actual: Decimal

    @property
    def difference(self) -> Decimal:
        return self.actual - self.expected


@dataclass
class Statement:
    key: str  # "pl" or "bs"
    title: str
    months: list[date]
    rows: list[Row] = field(default_factory=list)
    differences: list[Check] = field(default_factory=list)
    check_label: str = ""
    # months the check could not be made (e.g. no platform net profit to compare with)
    unchecked: list[date] = field(default_factory=list)
    unchecked_reason: str = ""


@dataclass
class Financials:
    source: str  # "platform", "ledger" or "none"
    currency: str
    months: list[date]
    pl: Statement
    bs: Statement
    notes: list[str] = field(default_factory=list)

    @property
    def built_from_ledger(self) -> bool:
        """True when the statements were built from the ledger, not the platform's reports."""
        return self.source == "ledger"


@dataclass(frozen=True, slots=True)
class _Line:
    statement: str
    month: date
    section: str
    account_id: str
    account_name: str
    amount: Decimal


def _platform_lines(company: Company) -> tuple[list[_Line], dict[tuple[str, date], Decimal], str]:
    rows = FinancialStatementLine.objects.filter(company=company, is_deleted=False).values_list(
        "statement", "period_end", "section", "account_source_id", "account_name", "amount",
        "currency",
    )  # fmt: skip
    lines: list[_Line] = []
    totals: dict[tuple[str, date], Decimal] = {}
    currency = ""
    for statement, end, section, account_id, name, amount, ccy in rows:
        currency = currency or ccy
        if section == TOTALS_SECTION:
            totals[(f"{statement}:{name}", end)] = amount
        else:
            lines.append(_Line(statement, end, section, account_id, name, amount))
    return lines, totals, currency


def _ledger_lines(company: Company) -> tuple[list[_Line], str]:
    """Costs per account and month from bills (their lines' accounts, net of tax) and
    expenses, converted to the base currency with each record's recorded rate."""
    sums: dict[tuple[date, str], Decimal] = defaultdict(lambda: ZERO)
    bills = Bill.objects.filter(company=company, is_deleted=False).exclude(
        status__in=["void", "draft", "deleted"]
    )
    for issue, rate, total, tax_lines in bills.values_list(
        "issue_date", "exchange_rate", "total_amount", "lines"
    ):
        end = _month_end(issue)
        if not tax_lines:  # a bill without lines (a template import): its total, unassigned
            sums[(end, "")] += total * rate
        for line in tax_lines or []:
            amount = Decimal(str(line.get("amount") or 0)) * rate
            sums[(end, str(line.get("account_source_id") or ""))] += amount
    for day, rate, amount, account in Expense.objects.filter(
        company=company, is_deleted=False, amount__gt=0
    ).values_list("expense_date", "exchange_rate", "amount", "account_source_id"):
        sums[(_month_end(day), account)] += amount * rate
    names = dict(
        Account.objects.filter(company=company).values_list("source_id", "name")
    )  # fmt: skip
    lines = [
        _Line("pl", end, "Expenses", account if account in names else "",
              names.get(account, UNCATEGORISED), amount.quantize(Decimal("0.01")))
        for (end, account), amount in sums.items()
    ]  # fmt: skip
    info = CompanyInfo.objects.filter(company=company).values_list("base_currency", flat=True)
    return lines, next(iter(info), "")


def _month_end(day: date) -> date:
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _details_for(company: Company, lines: list[_Line]) -> dict[str, str]:
    """account id (or name, for lines without one) → taxonomy detail."""
    found: dict[str, str] = {}
    for category in categories(company):
        found[category.account_source_id] = category.detail
    found[f"name:{UNCATEGORISED}"] = "other_operating_expenses"
    missing: dict[str, tuple[str, str]] = {}
    for line in lines:
        key = line.account_id or f"name:{line.account_name}"
        if key not in found:
            missing.setdefault(key, (line.account_name, line.statement))
    if missing:
        guesses = suggest([AccountInput(name=n, statement=s) for n, s in missing.values()])
        for key, guess in zip(missing, guesses, strict=True):
            found[key] = guess.detail
    return found


def financials(company: Company, *, view: str = "taxonomy") -> Financials:
    """Monthly P&L and balance sheet (the latest 24 months) in the taxonomy or the accounts."""
    lines, totals, currency = _platform_lines(company)
    source = "platform"
    notes: list[str] = []
    if not lines:
        lines, currency = _ledger_lines(company)
        source = "ledger" if lines else "none"
        if lines:
            notes.append(LEDGER_NOTE)
    months = sorted({line.month for line in lines})[-MAX_MONTHS:]
    keep = set(months)
    lines = [line for line in lines if line.month in keep]
    details = _details_for(company, lines)
    pl = _statement("pl", "Profit and loss", months, lines, details, view)
    bs = _statement("bs", "Balance sheet", months, lines, details, view)
    _check_pl(pl, months, lines, details, totals)
    _check_bs(bs, months, lines, details)
    return Financials(source=source, currency=currency, months=months, pl=pl, bs=bs, notes=notes)


def _detail_of(line: _Line, details: dict[str, str]) -> str:
    return details.get(line.account_id or f"name:{line.account_name}", "other_expenses")


def _statement(
    key: str, title: str, months: list[date], lines: list[_Line], details: dict[str, str],
    view: str,
) -> Statement:  # fmt: skip
    tax = taxonomy()
    index = {m: i for i, m in enumerate(months)}
    types = ("income", "expense") if key == "pl" else ("asset", "liability", "equity")
    statement = Statement(key=key, title=title, months=months)
    mine = [line for line in lines if line.statement == key]
    for type_key in types:
        typed = [ln for ln in mine if tax.details[_detail_of(ln, details)].type == type_key]
        type_total = [ZERO] * len(months)
        statement.rows.append(Row(tax.types[type_key], "heading", []))
        if view == "accounts":
            groups: dict[str, dict[str, list[Decimal]]] = defaultdict(dict)
            for line in typed:
                section = line.section or tax.types[type_key]
                amounts = groups[section].setdefault(line.account_name, [ZERO] * len(months))
                amounts[index[line.month]] += line.amount
            for section, accounts in groups.items():
                statement.rows.append(Row(section, "subheading", []))
                for name in sorted(accounts):
                    statement.rows.append(Row(name, "line", accounts[name]))
                    type_total = [a + b for a, b in zip(type_total, accounts[name], strict=True)]
        else:
            for subtype_key, subtype_label in tax.subtypes_of(type_key):
                sub_lines = [ln for ln in typed if tax.details[_detail_of(ln, details)].subtype
                             == subtype_key]  # fmt: skip
                if not sub_lines:
                    continue
                statement.rows.append(Row(subtype_label, "subheading", []))
                for detail in tax.details_of(subtype_key):
                    amounts = [ZERO] * len(months)
                    hit = False
                    for line in sub_lines:
                        if _detail_of(line, details) == detail.key:
                            amounts[index[line.month]] += line.amount
                            hit = True
                    if hit:
                        statement.rows.append(Row(detail.label, "line", amounts, detail.key))
                        type_total = [a + b for a, b in zip(type_total, amounts, strict=True)]
        statement.rows.append(Row(f"Total {tax.types[type_key].lower()}", "total", type_total))
    return statement


def _sum(lines: list[_Line], details: dict[str, str], statement: str, types: set[str],
         month: date) -> Decimal:  # fmt: skip
    tax = taxonomy()
    return sum(
        (ln.amount for ln in lines if ln.statement == statement and ln.month == month
         and tax.details[_detail_of(ln, details)].type in types),
        ZERO,
    )  # fmt: skip


def _check_pl(
    pl: Statement, months: list[date], lines: list[_Line], details: dict[str, str],
    totals: dict[tuple[str, date], Decimal],
) -> None:  # fmt: skip
    net = [
        _sum(lines, details, "pl", {"income"}, m) - _sum(lines, details, "pl", {"expense"}, m)
        for m in months
    ]
    pl.rows.append(Row("Net profit", "total", net))
    pl.check_label = "P&L lines against the platform's net profit"
    for month, computed in zip(months, net, strict=True):
        platform = totals.get(("pl:netProfit", month))
        if platform is None:
            pl.unchecked.append(month)
        elif platform != computed:
            pl.differences.append(Check(month=month, expected=platform, actual=computed))
    if pl.unchecked:
        pl.unchecked_reason = "the platform gave no net profit to compare with"


def _check_bs(
    bs: Statement, months: list[date], lines: list[_Line], details: dict[str, str]
) -> None:
    bs.check_label = "Assets against liabilities + equity"
    for month in months:
        assets = _sum(lines, details, "bs", {"asset"}, month)
        claims = _sum(lines, details, "bs", {"liability", "equity"}, month)
        if not any(ln.statement == "bs" and ln.month == month for ln in lines):
            bs.unchecked.append(month)
        elif assets != claims:
            bs.differences.append(Check(month=month, expected=claims, actual=assets))
    if bs.unchecked:
        bs.unchecked_reason = "there is no balance sheet for that month"


@dataclass(frozen=True, slots=True)
class AccountBalances:
    code: str
    name: str
    statement: str
    type: str
    subtype: str
    detail: str
    status: str
    confidence: float | None
    amounts: list[Decimal]


def account_balances(company: Company) -> tuple[list[date], list[AccountBalances]]:
    """Each account's amount per month (P&L: the month's movement; balance sheet: month end)."""
    lines, _totals, _currency = _platform_lines(company)
    if not lines:
        lines, _currency = _ledger_lines(company)
    months = sorted({line.month for line in lines})[-MAX_MONTHS:]
    index = {m: i for i, m in enumerate(months)}
    details = _details_for(company, lines)
    known = {c.account_source_id: c for c in categories(company)}
    tax = taxonomy()
    rows: dict[tuple[str, str], AccountBalances] = {}
    for line in lines:
        if line.month not in index:
            continue
        key = (line.statement, line.account_id or f"name:{line.account_name}")
        row = rows.get(key)
        if row is None:
            category = known.get(line.account_id)
            detail = tax.details[_detail_of(line, details)]
            row = rows[key] = AccountBalances(
                code=category.account_code if category else "",
                name=line.account_name,
                statement="Profit and loss" if line.statement == "pl" else "Balance sheet",
                type=detail.type_label,
                subtype=detail.subtype_label,
                detail=detail.label,
                status=category.status.label if category else "Suggested",
                confidence=category.confidence if category else None,
                amounts=[ZERO] * len(months),
            )
        row.amounts[index[line.month]] += line.amount
    ordered = sorted(
        rows.values(), key=lambda r: (r.statement != "Profit and loss", r.code, r.name)
    )
    return months, ordered
