"""Xero's records → ledger records. A bad record gives a problem, never a crash.

Xero's `CurrencyRate` is foreign units per unit of base currency; the ledger keeps the
rate that turns an amount into base currency, so it is inverted. DELETED records become
tombstones; VOIDED bills stay as void bills; voided or deleted spend disappears.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ledgerlink.connectors.base import MapResult
from ledgerlink.connectors.sandbox.mappers import ACCOUNT_CLASS, MAX_RATE, Problem, Reader
from ledgerlink.connectors.xero.streams import parse_ms
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

BILL_STATUS = {
    "DRAFT": "draft",
    "SUBMITTED": "draft",
    "AUTHORISED": "open",
    "PAID": "paid",
    "VOIDED": "void",
}
PAYMENT_ACCOUNT_TYPE = {"BANK": "bank", "CREDITCARD": "credit_card", "PAYPAL": "paypal"}
RATE_PLACES = Decimal("0.0000000001")
IDS = {
    "organisation": "OrganisationID",
    "account": "AccountID",
    "contact": "ContactID",
    "invoice": "InvoiceID",
    "payment": "PaymentID",
    "batch": "BatchPaymentID",
    "spend": "BankTransactionID",
}


def _day(r: Reader, key: str, *, required: bool = True) -> date | None:
    value = r.raw.get(key)
    if value is None or value == "":
        if required:
            raise Problem(f"{key} is missing")
        return None
    moment = parse_ms(value)
    if moment is None:
        raise Problem(f"{key} is not a date: {str(value)[:40]!r}")
    return moment.date()


def _rate(r: Reader) -> Decimal:
    rate = r.decimal("CurrencyRate", required=False, default=Decimal(1), limit=MAX_RATE)
    if rate <= 0:
        raise Problem("CurrencyRate must be positive")
    return Decimal(1) if rate == 1 else (Decimal(1) / rate).quantize(RATE_PLACES)


def _company(r: Reader) -> CompanyInfoRecord:
    addresses = [
        {
            "type": a.text("AddressType", 20).lower(),
            "line1": a.text("AddressLine1", 300),
            "line2": a.text("AddressLine2", 300),
            "city": a.text("City", 300),
            "region": a.text("Region", 300),
            "postalCode": a.text("PostalCode", 60),
            "country": a.text("Country", 100),
        }
        for a in r.items("Addresses")
    ]
    phones = r.items("Phones")
    return CompanyInfoRecord(
        source_id=r.ident("OrganisationID"),
        legal_name=r.text("LegalName", 300) or r.text("Name", 300, required=True),
        base_currency=r.currency("BaseCurrency"),
        registration_number=r.text("RegistrationNumber", 100),
        tax_number=r.text("TaxNumber", 100),
        phone=phones[0].text("PhoneNumber", 100) if phones else "",
        addresses=addresses,
    )


def _account(r: Reader) -> AccountRecord:
    kind = r.text("Type", 100).upper()
    bank_type = r.text("BankAccountType", 40).upper()
    is_payment = kind == "BANK" or bool(bank_type)
    return AccountRecord(
        source_id=r.ident("AccountID"),
        name=r.text("Name", 300, required=True),
        code=r.text("Code", 60),
        type=kind,
        classification=ACCOUNT_CLASS.get(r.text("Class", 40).upper(), ""),
        is_payment_account=is_payment,
        payment_account_type=PAYMENT_ACCOUNT_TYPE.get(bank_type, "bank") if is_payment else "",
        currency=r.currency("CurrencyCode") if r.raw.get("CurrencyCode") else "",
        is_active=r.text("Status", 20).upper() in ("", "ACTIVE"),
        modified_at=parse_ms(r.raw.get("UpdatedDateUTC")),
    )


def _supplier(r: Reader) -> SupplierRecord:
    addresses = r.items("Addresses")
    address = next((a for a in addresses if a.text("AddressType", 20) == "POBOX"), None) or (
        addresses[0] if addresses else Reader({})
    )
    phones = r.items("Phones")
    phone = next((p for p in phones if p.text("PhoneType", 20) == "DEFAULT"), None)
    bills_terms = r.obj("PaymentTerms").obj("Bills")
    terms = None
    if bills_terms.text("Type", 40) == "DAYSAFTERBILLDATE":
        day = bills_terms.raw.get("Day")
        terms = (
            day
            if isinstance(day, int) and not isinstance(day, bool) and 0 <= day < 10_000
            else None
        )
    person = " ".join(x for x in (r.text("FirstName", 100), r.text("LastName", 100)) if x)
    return SupplierRecord(
        source_id=r.ident("ContactID"),
        name=r.text("Name", 300, required=True),
        contact_name=person[:200],
        email=r.text("EmailAddress", 300),
        phone=phone.text("PhoneNumber", 100) if phone else "",
        address_line1=address.text("AddressLine1", 300),
        address_line2=address.text("AddressLine2", 300),
        city=address.text("City", 120),
        region=address.text("Region", 120),
        postal_code=address.text("PostalCode", 40),
        country=address.text("Country", 80),
        tax_number=r.text("TaxNumber", 100),
        registration_number=r.text("CompanyNumber", 100),
        default_terms_days=terms,
        status=r.text("ContactStatus", 40).lower(),
        modified_at=parse_ms(r.raw.get("UpdatedDateUTC")),
    )


def _bill(r: Reader) -> BillRecord:
    total = r.decimal("Total")
    due = r.decimal("AmountDue", required=False, default=total)
    status_raw = r.text("Status", 40).upper()
    status = BILL_STATUS.get(status_raw) or ("paid" if due == 0 else "open")
    if status == "open" and 0 < due < total:
        status = "partially_paid"
    issued = _day(r, "Date")
    assert issued is not None
    return BillRecord(
        source_id=r.ident("InvoiceID"),
        supplier_source_id=r.obj("Contact").ident("ContactID"),
        issue_date=issued,
        due_date=_day(r, "DueDate", required=False),
        currency=r.currency("CurrencyCode"),
        total_amount=total,
        amount_due=due,
        status=status,
        exchange_rate=_rate(r),
        reference=r.text("InvoiceNumber", 200) or r.text("Reference", 200),
        lines=[
            BillLine(
                amount=line.decimal("LineAmount", required=False, default=Decimal(0)),
                description=line.text("Description", 500),
                account_source_id=line.ident("AccountID", required=False),
                tax_amount=line.decimal("TaxAmount", required=False, default=Decimal(0)),
            )
            for line in r.items("LineItems")
        ],
        modified_at=parse_ms(r.raw.get("UpdatedDateUTC")),
    )


def _payment(r: Reader) -> BillPaymentRecord:
    invoice = r.obj("Invoice")
    paid_on = _day(r, "Date")
    assert paid_on is not None
    amount = r.decimal("Amount")
    account = r.obj("Account")
    return BillPaymentRecord(
        source_id=r.ident("PaymentID"),
        payment_date=paid_on,
        currency=invoice.currency("CurrencyCode"),
        amount=amount,
        supplier_source_id=invoice.obj("Contact").ident("ContactID", required=False),
        exchange_rate=_rate(r),
        method_raw="",  # Xero records no method: the account paid from tells (card or bank)
        payment_account_source_id=account.ident("AccountID", required=False),
        reference=r.text("Reference", 500),
        allocations=[
            Allocation(
                bill_source_id=invoice.ident("InvoiceID"), amount=amount, allocated_on=paid_on
            )
        ],
        modified_at=parse_ms(r.raw.get("UpdatedDateUTC")),
    )


def _batch(r: Reader) -> BillPaymentRecord:
    paid_on = _day(r, "Date")
    assert paid_on is not None
    account = r.obj("Account")
    allocations = [
        Allocation(
            bill_source_id=p.obj("Invoice").ident("InvoiceID"),
            amount=p.decimal("Amount"),
            allocated_on=paid_on,
        )
        for p in r.items("Payments")
    ]
    total = r.decimal(
        "TotalAmount", required=False, default=sum((a.amount for a in allocations), Decimal(0))
    )
    currency = account.raw.get("CurrencyCode") or r.raw.get("_currency")
    if not currency:
        raise Problem("the batch's currency is unknown")
    return BillPaymentRecord(
        source_id=r.ident("BatchPaymentID"),
        payment_date=paid_on,
        currency=str(currency).upper()[:3],
        amount=total,
        method_raw="",  # as single payments: the account paid from tells
        payment_account_source_id=account.ident("AccountID", required=False),
        reference=r.text("Reference", 500),
        allocations=allocations,
        modified_at=parse_ms(r.raw.get("UpdatedDateUTC")),
    )


def _expense(r: Reader) -> ExpenseRecord:
    spent_on = _day(r, "Date")
    assert spent_on is not None
    bank = r.obj("BankAccount")
    contact = r.obj("Contact")
    lines = r.items("LineItems")
    return ExpenseRecord(
        source_id=r.ident("BankTransactionID"),
        expense_date=spent_on,
        currency=r.currency("CurrencyCode"),
        amount=r.decimal("Total"),
        supplier_source_id=contact.ident("ContactID", required=False),
        supplier_name=contact.text("Name", 300),
        exchange_rate=_rate(r),
        method_raw="",
        payment_account_source_id=bank.ident("AccountID", required=False),
        payment_account_name=bank.text("Name", 300),
        reference=r.text("Reference", 500),
        account_source_id=lines[0].ident("AccountID", required=False) if lines else "",
        modified_at=parse_ms(r.raw.get("UpdatedDateUTC")),
    )


def _statement_line(r: Reader) -> StatementLineRecord:
    kind = r.text("_kind", 2)
    label = r.obj("label")
    cell = r.obj("cell")
    account_id = ""
    for attribute in label.items("Attributes"):
        if attribute.text("Id", 40) == "account":
            account_id = attribute.ident("Value", required=False)
    name = label.text("Value", 300, required=True)
    end = r.optional_day("periodEnd")
    if end is None:
        raise Problem("periodEnd is missing")
    start = end.replace(day=1) if kind == "pl" else end
    value = cell.text("Value", 60).replace(",", "")
    raw_amount = Reader({"Value": value or "0"})
    return StatementLineRecord(
        source_id=f"{kind}:{end.isoformat()}:{account_id or name}",
        statement=kind,
        period_start=start,
        period_end=end,
        account_name=name,
        amount=raw_amount.decimal("Value"),
        currency=r.currency("currency"),
        section=r.text("section", 200),
        account_source_id=account_id,
    )


def map_record(data_type: str, raw: Any) -> MapResult:
    if not isinstance(raw, dict):
        return MapResult(problem=f"{data_type}: the record is not a JSON object")
    kind = raw.get("_kind")
    r = Reader(raw)
    ident = raw.get(IDS.get(str(kind), ""), "")
    try:
        if "_malformed" in raw:
            raise Problem(f"not a record: {raw['_malformed']}")
        status = r.text("Status", 40).upper()
        record: LedgerInput
        if kind in ("invoice", "payment", "batch", "account") and status == "DELETED":
            record = Deleted(r.ident(IDS[str(kind)]), parse_ms(raw.get("UpdatedDateUTC")))
        elif kind == "spend" and status in ("DELETED", "VOIDED"):
            record = Deleted(r.ident(IDS["spend"]), parse_ms(raw.get("UpdatedDateUTC")))
        elif kind == "organisation":
            record = _company(r)
        elif kind == "account":
            record = _account(r)
        elif kind == "contact":
            record = _supplier(r)
        elif kind == "invoice":
            record = _bill(r)
        elif kind == "payment":
            record = _payment(r)
        elif kind == "batch":
            record = _batch(r)
        elif kind == "spend":
            record = _expense(r)
        elif kind in ("pl", "bs"):
            record = _statement_line(r)
        else:
            raise Problem(f"unexpected Xero record kind {kind!r}")
        return MapResult(record=record)
    except (Problem, ValueError, TypeError, ArithmeticError) as problem:
        named = f" {str(ident)[:60]}" if ident else ""
        return MapResult(problem=f"Xero {kind or data_type}{named}: {problem}")
