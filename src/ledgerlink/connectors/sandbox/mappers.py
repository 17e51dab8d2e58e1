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

import orjson

from ledgerlink.connectors.base import MapResult
from ledgerlink.connectors.sandbox import shapes
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
    raw = shapes.as_dict(raw)
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


# --- the fast path: raw records straight to ledger rows ---------------------------------------
#
# A sync maps hundreds of thousands of records, so records in the platform's usual shape
# skip the Reader, the dataclasses, Decimal and date objects: they become rows, lists of
# the ledger record's fields in the database's text form (see ledgerlink.ledger.services),
# checked exactly as `map_record` checks them. Amounts and dates in their canonical
# spelling are stored as sent (the text of a canonical amount is what `str(Decimal(...))`
# gives back). Anything unusual — a missing or mistyped field, another spelling of a number
# or date, a tombstone — takes `map_record`, so both ways store the same values and report
# the same problems.

# Up to 15 digits before the point (abs < MAX_MONEY) and 6 after (str(Decimal) keeps it).
MONEY_TEXT = re.compile(r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,6})?").fullmatch
RATE_TEXT = re.compile(r"(?:0|[1-9][0-9]{0,8})(?:\.[0-9]{1,6})?").fullmatch  # < MAX_RATE
MOMENT_TEXT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?Z"
).fullmatch
CURRENCY_TEXT = CURRENCY.match
_DAYS: dict[str, bool] = {}  # "YYYY-MM-DD" → is a real date (a few thousand distinct days)
_GOOD_DAYS: set[str] = set()  # the real ones
_CODES: dict[str, str] = {}  # currency codes seen in their usual spelling
_RATES: dict[Any, str] = {None: "1", "": "1"}  # fx rates seen, checked (none: 1)

BILL_FIELDS = (
    "source_id", "supplier_source_id", "issue_date", "due_date", "currency", "total_amount",
    "amount_due", "status", "exchange_rate", "reference", "lines", "modified_at",
)  # fmt: skip
PAYMENT_FIELDS = (
    "source_id", "payment_date", "currency", "amount", "supplier_source_id", "exchange_rate",
    "method_raw", "payment_account_source_id", "payment_account_name", "reference",
    "allocations", "modified_at",
)  # fmt: skip
EXPENSE_FIELDS = (
    "source_id", "expense_date", "currency", "amount", "supplier_source_id", "supplier_name",
    "exchange_rate", "method_raw", "payment_account_source_id", "payment_account_name",
    "reference", "account_source_id", "modified_at",
)  # fmt: skip
SUPPLIER_FIELDS = (
    "source_id", "name", "contact_name", "email", "phone", "address_line1", "address_line2",
    "city", "region", "postal_code", "country", "tax_number", "registration_number",
    "default_terms_days", "default_payment_method", "status", "modified_at",
)  # fmt: skip


class _Unusual(Exception):
    """The record is not in the usual shape: map it with `map_record`."""


def _is_day(value: str) -> bool:
    known = _DAYS.get(value)
    if known is None:
        known = len(value) == 10 and value[4] == "-" and value[7] == "-" and value.isascii()
        if known:
            try:
                date.fromisoformat(value)
            except ValueError:
                known = False
        if len(_DAYS) < 100_000:
            _DAYS[value] = known
            if known:
                _GOOD_DAYS.add(value)
    return known


def _day(value: Any) -> str:
    if type(value) is not str or not _is_day(value):
        raise _Unusual
    return value


def _moment(value: Any) -> str | None:
    """`Reader.moment` in text form: a malformed timestamp is dropped, not a problem."""
    if type(value) is str and MOMENT_TEXT(value) and _is_day(value[:10]):
        return value
    moment = parse_time(value)
    return None if moment is None else moment.isoformat()


def _money(value: Any) -> str:
    if type(value) is not str or not MONEY_TEXT(value):
        raise _Unusual
    return value


def _fx_rate(value: Any) -> str:
    if value is None or value == "":
        return "1"
    if type(value) is not str or not RATE_TEXT(value) or not value.strip("0."):
        raise _Unusual  # another spelling, or not positive
    return value


def _ident(value: Any) -> str:
    """A required identifier."""
    if type(value) is not str or not value:
        raise _Unusual
    text = value.strip()
    if len(text) > 200:
        raise _Unusual
    return text


def _optional_ident(value: Any) -> str:
    if value is None or value == "":
        return ""
    return _ident(value)


def _text(value: Any, limit: int) -> str:
    if value is None:
        return ""
    if type(value) is not str:
        raise _Unusual
    return value.strip()[:limit]


def _currency(value: Any) -> str:
    if type(value) is not str:
        raise _Unusual
    code = value.strip().upper()
    if not CURRENCY_TEXT(code):
        raise _Unusual
    return code


def _known_day(value: Any) -> bool:
    """`value` is a date in the usual spelling (a TypeError when it cannot even be hashed)."""
    return value in _GOOD_DAYS or (type(value) is str and _is_day(value))


def _code(value: Any) -> str:
    code = _CODES.get(value)
    if code is None:
        code = _currency(value)
        if code == value and len(_CODES) < 1000:
            _CODES[code] = code
    return code


def _rate_text(value: Any) -> str:
    rate = _RATES.get(value)
    if rate is None:
        if not RATE_TEXT(value) or not value.strip("0."):
            raise _Unusual  # another spelling, or not positive
        rate = str(value)
        if len(_RATES) < 100_000:  # a few per currency and day
            _RATES[rate] = rate
    return rate


def _line_json(description: str, account: str, amount: str, tax: str) -> str:
    """A bill line as `ledger.services` stores it: what orjson writes, when nothing needs
    escaping (the amounts are checked before the row is used)."""
    if '"' in description or "\\" in description or not description.isprintable():
        return orjson.dumps(
            {
                "description": description,
                "account_source_id": account,
                "amount": amount,
                "tax_amount": tax,
            }
        ).decode()
    if '"' in account or "\\" in account or not account.isprintable():
        raise _Unusual
    return (
        f'{{"description":"{description}","account_source_id":"{account}",'
        f'"amount":"{amount}","tax_amount":"{tax}"}}'
    )


# The hot three below inline the checks above (a call costs as much as a check), calling
# them only when a value is not one already seen (a known day, currency code or rate).
# Calling a method of a value that is not text raises AttributeError, a regex match of it
# or a lookup of an unhashable value TypeError: all send the record the slow way, like
# `_Unusual`.


def _bill_row(raw: shapes.Bill) -> list[Any]:
    source_id = raw.id.strip()
    supplier = raw.supplier_id.strip()
    if not source_id or not supplier or len(source_id) > 200 or len(supplier) > 200:
        raise _Unusual
    issue = raw.issue_date
    due_date = raw.due_date
    if issue not in _GOOD_DAYS and not _known_day(issue):
        raise _Unusual
    if due_date == "" or due_date is None:
        due_date = None
    elif due_date not in _GOOD_DAYS and not _known_day(due_date):
        raise _Unusual
    total = raw.total
    due = raw.amount_due
    if not MONEY_TEXT(total) or not MONEY_TEXT(due):
        raise _Unusual
    status = raw.status
    ledger_status = BILL_STATUS.get(status)
    if ledger_status is None:
        ledger_status = BILL_STATUS.get("" if status is None else status.strip()[:40].upper())
        if ledger_status is None:
            raise _Unusual  # judged by the amounts
    number = raw.number
    lines = raw.lines
    if type(lines) is list:
        parts: list[str] = []
        for line in lines:
            amount = line.amount
            tax = line.tax_amount
            if not MONEY_TEXT(amount):
                raise _Unusual
            if tax == "" or tax is None:
                tax = "0"
            elif not MONEY_TEXT(tax):
                raise _Unusual
            description = line.description
            account = line.account_id
            if account == "" or account is None:
                account = ""
            else:
                account = account.strip()
                if len(account) > 200:
                    raise _Unusual
            parts.append(
                _line_json(
                    "" if description is None else description.strip()[:500],
                    account,
                    amount,
                    tax,
                )
            )
        lines_json = f"[{','.join(parts)}]"
    elif lines is None:
        lines_json = "[]"
    else:
        raise _Unusual
    currency = raw.currency
    rate = raw.fx_rate
    stamp = raw.updated_at
    if not (type(stamp) is str and MOMENT_TEXT(stamp) and stamp[:10] in _GOOD_DAYS):
        stamp = _moment(stamp)
    return [
        source_id,
        supplier,
        issue,
        due_date,
        _CODES.get(currency) or _code(currency),
        total,
        due,
        ledger_status,
        _RATES.get(rate) or _rate_text(rate),
        "" if number is None else number.strip()[:200],
        lines_json,
        stamp,
    ]


def _payment_row(raw: shapes.BillPayment) -> list[Any]:
    source_id = raw.id.strip()
    if not source_id or len(source_id) > 200:
        raise _Unusual
    day = raw.date
    amount = raw.amount
    if (day not in _GOOD_DAYS and not _known_day(day)) or not MONEY_TEXT(amount):
        raise _Unusual
    supplier = raw.supplier_id
    account = raw.paid_from_account_id
    supplier = "" if supplier == "" or supplier is None else supplier.strip()
    account = "" if account == "" or account is None else account.strip()
    if len(supplier) > 200 or len(account) > 200:
        raise _Unusual
    settled = []
    allocations = raw.allocations
    if allocations is not None:
        if type(allocations) is not list:
            raise _Unusual
        for allocation in allocations:
            bill = allocation.bill_id.strip()
            part = allocation.amount
            if not bill or len(bill) > 200 or not MONEY_TEXT(part):
                raise _Unusual
            settled.append((bill, part, None))
    method = raw.payment_method
    reference = raw.reference
    currency = raw.currency
    rate = raw.fx_rate
    stamp = raw.updated_at
    if not (type(stamp) is str and MOMENT_TEXT(stamp) and stamp[:10] in _GOOD_DAYS):
        stamp = _moment(stamp)
    return [
        source_id,
        day,
        _CODES.get(currency) or _code(currency),
        amount,
        supplier,
        _RATES.get(rate) or _rate_text(rate),
        "" if method is None else method.strip()[:100],
        account,
        "",  # the sync engine joins account names
        "" if reference is None else reference.strip()[:500],
        settled,
        stamp,
    ]


def _expense_row(raw: shapes.Expense) -> list[Any]:
    source_id = raw.id.strip()
    if not source_id or len(source_id) > 200:
        raise _Unusual
    day = raw.date
    amount = raw.amount
    if (day not in _GOOD_DAYS and not _known_day(day)) or not MONEY_TEXT(amount):
        raise _Unusual
    supplier = raw.supplier_id
    account = raw.paid_from_account_id
    category = raw.account_id
    supplier = "" if supplier == "" or supplier is None else supplier.strip()
    account = "" if account == "" or account is None else account.strip()
    category = "" if category == "" or category is None else category.strip()
    if len(supplier) > 200 or len(account) > 200 or len(category) > 200:
        raise _Unusual
    payee = raw.payee
    method = raw.payment_method
    reference = raw.reference
    currency = raw.currency
    rate = raw.fx_rate
    stamp = raw.updated_at
    if not (type(stamp) is str and MOMENT_TEXT(stamp) and stamp[:10] in _GOOD_DAYS):
        stamp = _moment(stamp)
    return [
        source_id,
        day,
        _CODES.get(currency) or _code(currency),
        amount,
        supplier,
        "" if payee is None else payee.strip()[:300],
        _RATES.get(rate) or _rate_text(rate),
        "" if method is None else method.strip()[:100],
        account,
        "",
        "" if reference is None else reference.strip()[:500],
        category,
        stamp,
    ]


def _supplier_row(raw: dict[str, Any]) -> list[Any]:
    get = raw.get
    contact = get("contact")
    address = get("address")
    if contact is None:
        contact = {}
    if address is None:
        address = {}
    if type(contact) is not dict or type(address) is not dict:
        raise _Unusual
    terms = get("defaultTermsDays")
    if terms is not None and type(terms) is not int:
        raise _Unusual
    name = _text(get("name"), 300)
    if not name:
        raise _Unusual  # missing or empty: a problem
    return [
        _ident(get("id")),
        name,
        _text(contact.get("name"), 200),
        _text(contact.get("email"), 300),
        _text(contact.get("phone"), 100),
        _text(address.get("line1"), 300),
        _text(address.get("line2"), 300),
        _text(address.get("city"), 120),
        _text(address.get("region"), 120),
        _text(address.get("postalCode"), 40),
        _text(address.get("country"), 80),
        _text(get("taxNumber"), 100),
        _text(get("registrationNumber"), 100),
        terms if terms is None or -1 < terms < 10_000 else None,
        _text(get("defaultPaymentMethod"), 100),
        _text(get("status"), 40).lower(),
        _moment(get("updatedAt")),
    ]


# data type → (row fields, the fast mapper, the raw record type it takes)
ROW_MAPPERS: dict[str, tuple[tuple[str, ...], Callable[[Any], list[Any]], type]] = {
    DataType.SUPPLIERS: (SUPPLIER_FIELDS, _supplier_row, dict),
    DataType.BILLS: (BILL_FIELDS, _bill_row, shapes.Bill),
    DataType.BILL_PAYMENTS: (PAYMENT_FIELDS, _payment_row, shapes.BillPayment),
    DataType.EXPENSES: (EXPENSE_FIELDS, _expense_row, shapes.Expense),
}


def map_rows(
    data_type: str, raws: list[Any]
) -> tuple[tuple[str, ...] | None, list[Any], list[tuple[Any, str]]]:
    """A page of raw records → (row fields, rows and records, problems).

    Each item is a row (a list of the values of the row fields, see above) or, for records
    the fast way does not take, what `map_record` made of it (a ledger record or tombstone).
    Problems are (the raw record's id, the problem). Row fields are None when the data type
    has no fast way (then every item is a record).
    """
    fast = ROW_MAPPERS.get(data_type)
    kind = fast[2] if fast is not None else None
    items: list[Any] = []
    problems: list[tuple[Any, str]] = []
    append = items.append
    for raw in raws:
        if (
            fast is not None
            and type(raw) is kind
            and (raw.get("deleted") if kind is dict else raw.deleted) is not True
        ):
            try:
                append(fast[1](raw))
                continue
            except (_Unusual, ValueError, TypeError, AttributeError, ArithmeticError):
                pass  # the slow way tells what is wrong, if anything
        raw = shapes.as_dict(raw)
        result = map_record(data_type, raw)
        if result.record is None:
            problems.append((raw.get("id", "") if isinstance(raw, dict) else "", result.problem))
        else:
            append(result.record)
    return (fast[0] if fast is not None else None), items, problems
