"""The sandbox's record shapes → ledger records. One bad record gives a problem, never a crash.

Money becomes Decimal (never float), dates become dates, times aware UTC datetimes, and
tombstones (`{"id", "deleted": true, "updatedAt"}`) become `Deleted`. Free text longer than
the ledger keeps is cut to fit; identifiers that do not fit make the record a problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ledgerlink.connectors.base import MapResult
from ledgerlink.connectors.sandbox.streams import parse_time
from ledgerlink.ledger.records import (
    AccountRecord,
    Allocation,
    BillLine,
    BillPaymentRecord,
    BillRecord,
    CompanyInfoRecord,
    DataType,
    Deleted,
    ExpenseRecord,
    LedgerInput,
    StatementLineRecord,
    SupplierRecord,
)

# The platform's bill statuses → ledger BillStatus values.
BILL_STATUS = {
    "OPEN": "open",
    "AUTHORISED": "open",
    "PARTIALLY_PAID": "partially_paid",
    "PAID": "paid",
    "VOIDED": "void",
    "VOID": "void",
    "DELETED": "void",
    "DRAFT": "draft",
    "SUBMITTED": "draft",
}
ACCOUNT_CLASS = {
    "ASSET": "asset",
    "LIABILITY": "liability",
    "EQUITY": "equity",
    "REVENUE": "income",
    "INCOME": "income",
    "EXPENSE": "expense",
}
PAYMENT_ACCOUNT_TYPE = {"CREDITCARD": "credit_card", "PAYPAL": "paypal", "CASH": "cash"}
MAX_MONEY = Decimal(10) ** 15  # the ledger keeps 20 digits, 4 after the point
MAX_RATE = Decimal(10) ** 9  # 20 digits, 10 after the point
CURRENCY = re.compile(r"^[A-Z]{3}$")
CASH_WORD = re.compile(r"\bcash\b", re.IGNORECASE)


class Problem(Exception):
    """Why one record cannot be mapped."""


class Reader:
    """Typed, forgiving-but-strict access to one raw record's fields."""

    def __init__(self, raw: dict[str, Any], path: str = "") -> None:
        self.raw = raw
        self.path = path

    def _name(self, key: str) -> str:
        return f"{self.path}{key}"

    def ident(self, key: str, *, required: bool = True) -> str:
        value = self.raw.get(key)
        if value is None or value == "":
            if required:
                raise Problem(f"{self._name(key)} is missing")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise Problem(f"{self._name(key)} is not an identifier")
        text = str(value).strip()
        if len(text) > 200:
            raise Problem(f"{self._name(key)} is longer than 200 characters")
        return text

    def text(self, key: str, limit: int, *, required: bool = False) -> str:
        value = self.raw.get(key)
        if value is None:
            if required:
                raise Problem(f"{self._name(key)} is missing")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise Problem(f"{self._name(key)} is not text")
        text = str(value).strip()
        if required and not text:
            raise Problem(f"{self._name(key)} is empty")
        return text[:limit]

    def decimal(
        self, key: str, *, required: bool = True, default: Decimal | None = None,
        limit: Decimal = MAX_MONEY,
    ) -> Decimal:  # fmt: skip
        value = self.raw.get(key)
        if value is None or value == "":
            if required or default is None:
                raise Problem(f"{self._name(key)} is missing")
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise Problem(f"{self._name(key)} is not a number")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise Problem(f"{self._name(key)} is not a number: {str(value)[:40]!r}") from None
        if not number.is_finite() or abs(number) >= limit:
            raise Problem(f"{self._name(key)} is out of range: {str(value)[:40]!r}")
        return number

    def day(self, key: str) -> date:
        found = self.optional_day(key)
        if found is None:
            raise Problem(f"{self._name(key)} is missing")
        return found

    def optional_day(self, key: str) -> date | None:
        value = self.raw.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise Problem(f"{self._name(key)} is not a date")
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise Problem(f"{self._name(key)} is not a date: {value[:40]!r}") from None

    def moment(self, key: str) -> datetime | None:
        """Optional timestamp: a malformed one is dropped (it only orders updates)."""
        return parse_time(self.raw.get(key))

    def currency(self, key: str) -> str:
        value = self.raw.get(key)
        if not isinstance(value, str) or not CURRENCY.match(value.strip().upper()):
            raise Problem(f"{self._name(key)} is not a currency code")
        return value.strip().upper()

    def obj(self, key: str) -> Reader:
        value = self.raw.get(key)
        if value is None:
            return Reader({}, f"{self._name(key)}.")
        if not isinstance(value, dict):
            raise Problem(f"{self._name(key)} is not an object")
        return Reader(value, f"{self._name(key)}.")

    def items(self, key: str) -> list[Reader]:
        value = self.raw.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise Problem(f"{self._name(key)} is not a list")
        readers = []
        for n, item in enumerate(value):
            if not isinstance(item, dict):
                raise Problem(f"{self._name(key)}[{n}] is not an object")
            readers.append(Reader(item, f"{self._name(key)}[{n}]."))
        return readers

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise Problem(f"{self._name(key)} is not true or false")
        return value


def _company(r: Reader) -> CompanyInfoRecord:
    addresses = []
    for address in r.items("addresses"):
        addresses.append(
            {
                key: address.text(key, 300)
                for key in ("type", "line1", "line2", "city", "region", "postalCode", "country")
                if address.raw.get(key) is not None
            }
        )
    return CompanyInfoRecord(
        source_id=r.ident("id"),
        legal_name=r.text("legalName", 300, required=True),
        base_currency=r.currency("baseCurrency"),
        registration_number=r.text("registrationNumber", 100),
        tax_number=r.text("taxNumber", 100),
        phone=r.text("phone", 100),
        website=r.text("website", 300),
        addresses=addresses,
        modified_at=r.moment("updatedAt"),
    )


def _account(r: Reader) -> AccountRecord:
    name = r.text("name", 300, required=True)
    bank_type = r.text("bankAccountType", 40).upper()
    kind = r.text("type", 100)
    is_payment = bool(bank_type) or kind.upper() == "BANK"
    payment_type = ""
    if is_payment:
        payment_type = PAYMENT_ACCOUNT_TYPE.get(bank_type, "")
        if not payment_type:
            payment_type = "cash" if CASH_WORD.search(name) else "bank"
    currency = r.raw.get("currency")
    return AccountRecord(
        source_id=r.ident("id"),
        name=name,
        code=r.text("code", 60),
        type=kind,
        classification=ACCOUNT_CLASS.get(r.text("class", 40).upper(), ""),
        is_payment_account=is_payment,
        payment_account_type=payment_type,
        currency=r.currency("currency") if currency else "",
        is_active=r.flag("active", True),
        modified_at=r.moment("updatedAt"),
    )


def _supplier(r: Reader) -> SupplierRecord:
    contact = r.obj("contact")
    address = r.obj("address")
    terms = r.raw.get("defaultTermsDays")
    if terms is not None and (isinstance(terms, bool) or not isinstance(terms, int)):
        raise Problem("defaultTermsDays is not a whole number")
    return SupplierRecord(
        source_id=r.ident("id"),
        name=r.text("name", 300, required=True),
        contact_name=contact.text("name", 200),
        email=contact.text("email", 300),
        phone=contact.text("phone", 100),
        address_line1=address.text("line1", 300),
        address_line2=address.text("line2", 300),
        city=address.text("city", 120),
        region=address.text("region", 120),
        postal_code=address.text("postalCode", 40),
        country=address.text("country", 80),
        tax_number=r.text("taxNumber", 100),
        registration_number=r.text("registrationNumber", 100),
        default_terms_days=terms if terms is None or -1 < terms < 10_000 else None,
        default_payment_method=r.text("defaultPaymentMethod", 100),
        status=r.text("status", 40).lower(),
        modified_at=r.moment("updatedAt"),
    )


def _bill_status(r: Reader, total: Decimal, due: Decimal) -> str:
    raw = r.text("status", 40).upper()
    if raw in BILL_STATUS:
        return BILL_STATUS[raw]
    # A status the platform added later: judge by the amounts.
    if due == 0:
        return "paid"
    return "open" if due == total else "partially_paid"


def _bill(r: Reader) -> BillRecord:
    total = r.decimal("total")
    due = r.decimal("amountDue")
    issue = r.day("issueDate")
    lines = [
        BillLine(
            amount=line.decimal("amount"),
            description=line.text("description", 500),
            account_source_id=line.ident("accountId", required=False),
            tax_amount=line.decimal("taxAmount", required=False, default=Decimal(0)),
        )
        for line in r.items("lines")
    ]
    return BillRecord(
        source_id=r.ident("id"),
        supplier_source_id=r.ident("supplierId"),
        issue_date=issue,
        due_date=r.optional_day("dueDate"),
        currency=r.currency("currency"),
        total_amount=total,
        amount_due=due,
        status=_bill_status(r, total, due),
        exchange_rate=_rate(r),
        reference=r.text("number", 200),
        lines=lines,
        modified_at=r.moment("updatedAt"),
    )


def _rate(r: Reader) -> Decimal:
    rate = r.decimal("fxRate", required=False, default=Decimal(1), limit=MAX_RATE)
    if rate <= 0:
        raise Problem("fxRate must be positive")
    return rate


def _payment(r: Reader) -> BillPaymentRecord:
    when = r.day("date")
    return BillPaymentRecord(
        source_id=r.ident("id"),
        payment_date=when,
        currency=r.currency("currency"),
        amount=r.decimal("amount"),
        supplier_source_id=r.ident("supplierId", required=False),
        exchange_rate=_rate(r),
        method_raw=r.text("paymentMethod", 100),
        payment_account_source_id=r.ident("paidFromAccountId", required=False),
        payment_account_name="",  # the sync engine joins account names
        reference=r.text("reference", 500),
        allocations=[
            Allocation(bill_source_id=a.ident("billId"), amount=a.decimal("amount"))
            for a in r.items("allocations")
        ],
        modified_at=r.moment("updatedAt"),
    )


def _expense(r: Reader) -> ExpenseRecord:
    when = r.day("date")
    return ExpenseRecord(
        source_id=r.ident("id"),
        expense_date=when,
        currency=r.currency("currency"),
        amount=r.decimal("amount"),
        supplier_source_id=r.ident("supplierId", required=False),
        supplier_name=r.text("payee", 300),
        exchange_rate=_rate(r),
        method_raw=r.text("paymentMethod", 100),
        payment_account_source_id=r.ident("paidFromAccountId", required=False),
        payment_account_name="",
        reference=r.text("reference", 500),
        account_source_id=r.ident("accountId", required=False),
        modified_at=r.moment("updatedAt"),
    )


def _statement_line(r: Reader) -> StatementLineRecord:
    statement = r.text("statement", 2)
    if statement not in ("pl", "bs"):
        raise Problem("statement must be pl or bs")
    start, end = r.day("periodStart"), r.day("periodEnd")
    if end < start:
        raise Problem("periodEnd is before periodStart")
    return StatementLineRecord(
        source_id=r.ident("id"),
        statement=statement,
        period_start=start,
        period_end=end,
        account_name=r.text("accountName", 300, required=True),
        amount=r.decimal("amount"),
        currency=r.currency("currency"),
        section=r.text("section", 120),
        account_source_id=r.ident("accountId", required=False),
        modified_at=r.moment("updatedAt"),
    )


MAPPERS: dict[str, Callable[[Reader], LedgerInput]] = {
    DataType.COMPANY_INFO: _company,
    DataType.ACCOUNTS: _account,
    DataType.SUPPLIERS: _supplier,
    DataType.BILLS: _bill,
    DataType.BILL_PAYMENTS: _payment,
    DataType.EXPENSES: _expense,
    DataType.STATEMENTS: _statement_line,
}


def map_record(data_type: str, raw: Any) -> MapResult:
    """One raw sandbox record → a ledger record, a tombstone, or a problem."""
    label = DataType.LABELS.get(data_type, data_type)
    mapper = MAPPERS.get(data_type)
    if mapper is None:
        return MapResult(problem=f"unknown data type {data_type!r}")
    if not isinstance(raw, dict):
        return MapResult(problem=f"{label}: the record is not a JSON object")
    reader = Reader(raw)
    try:
        source_id = reader.ident("id")
        if raw.get("deleted") is True:
            return MapResult(
                record=Deleted(source_id=source_id, modified_at=reader.moment("updatedAt"))
            )
        return MapResult(record=mapper(reader))
    except (Problem, ValueError, TypeError, ArithmeticError) as problem:
        record_id = raw.get("id")
        named = f" {str(record_id)[:60]}" if isinstance(record_id, str | int) else ""
        return MapResult(problem=f"{label}{named}: {problem}")
