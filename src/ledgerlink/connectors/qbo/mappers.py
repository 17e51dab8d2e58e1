"""QuickBooks Online entities → ledger records. A bad record gives a problem, never a crash.

The raw payment-method fields are kept for inference: a BillPayment's `PayType` (`Check`
means paid from a bank account, `CreditCard` from a card account) and a Purchase's
`PaymentType` (Cash, Check, CreditCard), with the account paid from. `ExchangeRate` is
home currency per unit of the transaction's, as the ledger keeps it. CDC's deleted
entities and voided payments/purchases (zero total, "Voided" note) become tombstones; a
card credit (`Credit: true`) is a negative expense.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ledgerlink.connectors.base import MapResult
from ledgerlink.connectors.sandbox.mappers import MAX_RATE, Problem, Reader
from ledgerlink.connectors.sandbox.streams import parse_time
from ledgerlink.ledger.records import (
    AccountRecord,
    Allocation,
    BillLine,
    BillPaymentRecord,
    BillRecord,
    CompanyInfoRecord,
    Deleted,
    ExpenseRecord,
    LedgerInput,
    StatementLineRecord,
    SupplierRecord,
)

CLASSIFICATION = {
    "Asset": "asset",
    "Liability": "liability",
    "Equity": "equity",
    "Revenue": "income",
    "Expense": "expense",
}


def _modified(r: Reader) -> Any:
    return parse_time(r.obj("MetaData").raw.get("LastUpdatedTime"))


def _rate(r: Reader) -> Decimal:
    rate = r.decimal("ExchangeRate", required=False, default=Decimal(1), limit=MAX_RATE)
    if rate <= 0:
        raise Problem("ExchangeRate must be positive")
    return rate


def _voided(r: Reader) -> bool:
    note = r.text("PrivateNote", 100).lower()
    return (
        note.startswith("voided") and r.decimal("TotalAmt", required=False, default=Decimal(0)) == 0
    )


def _company(r: Reader) -> CompanyInfoRecord:
    values = {nv.text("Name", 100): nv.text("Value", 100) for nv in r.items("NameValue")}
    address = r.obj("CompanyAddr")
    base = values.get("HomeCurrency", "")
    if not base:
        raise Problem("the company's home currency is not given")
    return CompanyInfoRecord(
        source_id=r.ident("Id"),
        legal_name=r.text("LegalName", 300) or r.text("CompanyName", 300, required=True),
        base_currency=Reader({"c": base}).currency("c"),
        tax_number=r.text("EmployerId", 100),
        phone=r.obj("PrimaryPhone").text("FreeFormNumber", 100),
        website=r.obj("WebAddr").text("URI", 300),
        addresses=[
            {
                "type": "registered",
                "line1": address.text("Line1", 300),
                "line2": address.text("Line2", 300),
                "city": address.text("City", 300),
                "region": address.text("CountrySubDivisionCode", 300),
                "postalCode": address.text("PostalCode", 60),
                "country": address.text("Country", 100),
            }
        ]
        if address.raw
        else [],
        modified_at=_modified(r),
    )


def _account(r: Reader) -> AccountRecord:
    kind = r.text("AccountType", 100)
    sub = r.text("AccountSubType", 100)
    is_payment = kind in ("Bank", "Credit Card")
    payment_type = ""
    if kind == "Credit Card":
        payment_type = "credit_card"
    elif kind == "Bank":
        payment_type = "cash" if sub == "CashOnHand" else "bank"
    currency = r.obj("CurrencyRef").raw.get("value")
    return AccountRecord(
        source_id=r.ident("Id"),
        name=r.text("Name", 300, required=True),
        code=r.text("AcctNum", 60),
        type=kind,
        classification=CLASSIFICATION.get(r.text("Classification", 40), ""),
        is_payment_account=is_payment,
        payment_account_type=payment_type,
        parent_source_id=r.obj("ParentRef").ident("value", required=False),
        currency=r.obj("CurrencyRef").currency("value") if currency else "",
        is_active=r.flag("Active", True),
        modified_at=_modified(r),
    )


def _supplier(r: Reader) -> SupplierRecord:
    address = r.obj("BillAddr")
    person = " ".join(x for x in (r.text("GivenName", 100), r.text("FamilyName", 100)) if x)
    return SupplierRecord(
        source_id=r.ident("Id"),
        name=r.text("DisplayName", 300) or r.text("CompanyName", 300, required=True),
        contact_name=person[:200],
        email=r.obj("PrimaryEmailAddr").text("Address", 300),
        phone=r.obj("PrimaryPhone").text("FreeFormNumber", 100),
        address_line1=address.text("Line1", 300),
        address_line2=address.text("Line2", 300),
        city=address.text("City", 120),
        region=address.text("CountrySubDivisionCode", 120),
        postal_code=address.text("PostalCode", 40),
        country=address.text("Country", 80),
        tax_number=r.text("TaxIdentifier", 100),
        registration_number=r.text("BusinessNumber", 100),
        status="active" if r.flag("Active", True) else "inactive",
        modified_at=_modified(r),
    )


def _line_account(line: Reader) -> str:
    for detail in ("AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail"):
        found = line.obj(detail).obj("AccountRef").ident("value", required=False)
        if found:
            return found
    return ""


def _bill(r: Reader) -> BillRecord:
    total = r.decimal("TotalAmt")
    balance = r.decimal("Balance", required=False, default=total)
    status = "paid" if balance == 0 else ("open" if balance == total else "partially_paid")
    return BillRecord(
        source_id=r.ident("Id"),
        supplier_source_id=r.obj("VendorRef").ident("value"),
        issue_date=r.day("TxnDate"),
        due_date=r.optional_day("DueDate"),
        currency=r.obj("CurrencyRef").currency("value"),
        total_amount=total,
        amount_due=balance,
        status=status,
        exchange_rate=_rate(r),
        reference=r.text("DocNumber", 200),
        lines=[
            BillLine(
                amount=line.decimal("Amount", required=False, default=Decimal(0)),
                description=line.text("Description", 500),
                account_source_id=_line_account(line),
                tax_amount=line.obj("AccountBasedExpenseLineDetail").decimal(
                    "TaxAmount", required=False, default=Decimal(0)
                ),
            )
            for line in r.items("Line")
        ],
        modified_at=_modified(r),
    )


def _bill_payment(r: Reader) -> BillPaymentRecord:
    pay_type = r.text("PayType", 40)
    account = (
        r.obj("CreditCardPayment").obj("CCAccountRef")
        if pay_type == "CreditCard"
        else r.obj("CheckPayment").obj("BankAccountRef")
    )
    paid_on = r.day("TxnDate")
    allocations = [
        Allocation(
            bill_source_id=linked.ident("TxnId"),
            amount=line.decimal("Amount"),
            allocated_on=paid_on,
        )
        for line in r.items("Line")
        for linked in line.items("LinkedTxn")
        if linked.text("TxnType", 40) == "Bill"
    ]
    return BillPaymentRecord(
        source_id=r.ident("Id"),
        payment_date=paid_on,
        currency=r.obj("CurrencyRef").currency("value"),
        amount=r.decimal("TotalAmt"),
        supplier_source_id=r.obj("VendorRef").ident("value", required=False),
        exchange_rate=_rate(r),
        method_raw=pay_type,
        payment_account_source_id=account.ident("value", required=False),
        payment_account_name=account.text("name", 300),
        reference=r.text("DocNumber", 500),
        allocations=allocations,
        modified_at=_modified(r),
    )


def _expense(r: Reader) -> ExpenseRecord:
    entity = r.obj("EntityRef")
    is_vendor = entity.text("type", 40) in ("", "Vendor")
    amount = r.decimal("TotalAmt")
    if r.flag("Credit", False):
        amount = -amount  # a card refund or credit
    lines = r.items("Line")
    account = r.obj("AccountRef")
    return ExpenseRecord(
        source_id=r.ident("Id"),
        expense_date=r.day("TxnDate"),
        currency=r.obj("CurrencyRef").currency("value"),
        amount=amount,
        supplier_source_id=entity.ident("value", required=False) if is_vendor else "",
        supplier_name=entity.text("name", 300),
        exchange_rate=_rate(r),
        method_raw=r.text("PaymentType", 40),
        payment_account_source_id=account.ident("value", required=False),
        payment_account_name=account.text("name", 300),
        reference=r.text("DocNumber", 500) or r.text("PaymentRefNum", 500),
        account_source_id=_line_account(lines[0]) if lines else "",
        modified_at=_modified(r),
    )


def _statement_line(r: Reader) -> StatementLineRecord:
    kind = r.text("_kind", 2)
    label = r.obj("label")
    name = label.text("value", 300, required=True)
    account_id = label.ident("id", required=False)
    start, end = r.day("periodStart"), r.day("periodEnd")
    value = r.obj("cell").text("value", 60).replace(",", "") or "0"
    return StatementLineRecord(
        source_id=f"{kind}:{end.isoformat()}:{account_id or name}",
        statement=kind,
        period_start=start if kind == "pl" else end,
        period_end=end,
        account_name=name,
        amount=Reader({"v": value}).decimal("v"),
        currency=r.currency("currency"),
        section=r.text("section", 200),
        account_source_id=account_id,
    )


MAPPERS: dict[str, Callable[[Reader], LedgerInput]] = {
    "CompanyInfo": _company,
    "Account": _account,
    "Vendor": _supplier,
    "Bill": _bill,
    "BillPayment": _bill_payment,
    "Purchase": _expense,
    "pl": _statement_line,
    "bs": _statement_line,
}


def map_record(data_type: str, raw: Any) -> MapResult:
    if not isinstance(raw, dict):
        return MapResult(problem=f"{data_type}: the record is not a JSON object")
    kind = str(raw.get("_kind", ""))
    r = Reader(raw)
    ident = raw.get("Id", "")
    try:
        if "_malformed" in raw:
            raise Problem(f"not a record: {raw['_malformed']}")
        mapper = MAPPERS.get(kind)
        if mapper is None:
            raise Problem(f"unexpected QuickBooks record kind {kind!r}")
        record: LedgerInput
        if str(raw.get("status", "")).lower() == "deleted" or (
            kind in ("BillPayment", "Purchase") and _voided(r)
        ):
            record = Deleted(r.ident("Id"), _modified(r))
        else:
            record = mapper(r)
        return MapResult(record=record)
    except (Problem, ValueError, TypeError, ArithmeticError) as problem:
        named = f" {str(ident)[:60]}" if ident else ""
        return MapResult(problem=f"QuickBooks {kind or data_type}{named}: {problem}")
