"""A Xero organisation's books, computed deterministically in Xero's own JSON shapes
(xero_accounting.yaml): contacts, chart of accounts, ACCPAY (and a few ACCREC) invoices,
payments, batch payments, spend/receive bank transactions, and monthly reports."""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ledgerlink.fakes.collection import Collection

KINDS = {
    "tenant": 1,
    "account": 2,
    "contact": 3,
    "invoice": 4,
    "payment": 5,
    "batch": 6,
    "banktransaction": 7,
    "line": 8,
    "txline": 9,
}
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
WORDS = (
    "Harbour",
    "Copper",
    "Meadow",
    "Granite",
    "Lantern",
    "Orchard",
    "Summit",
    "Willow",
    "Beacon",
    "Thistle",
    "Falcon",
    "Juniper",
    "Quarry",
    "Saffron",
    "Tidewater",
)
# (code, name, Type, Class, BankAccountType, SystemAccount)
ACCOUNTS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("090", "Business Bank Account", "BANK", "ASSET", "BANK", ""),
    ("091", "Company Credit Card", "BANK", "ASSET", "CREDITCARD", ""),
    ("092", "PayPal", "BANK", "ASSET", "PAYPAL", ""),
    ("200", "Sales", "REVENUE", "REVENUE", "", ""),
    ("300", "Cost of Goods Sold", "DIRECTCOSTS", "EXPENSE", "", ""),
    ("400", "Advertising", "EXPENSE", "EXPENSE", "", ""),
    ("429", "General Expenses", "EXPENSE", "EXPENSE", "", ""),
    ("453", "Office Expenses", "OVERHEADS", "EXPENSE", "", ""),
    ("469", "Rent", "OVERHEADS", "EXPENSE", "", ""),
    ("610", "Accounts Receivable", "CURRENT", "ASSET", "", "DEBTORS"),
    ("800", "Accounts Payable", "CURRLIAB", "LIABILITY", "", "CREDITORS"),
    ("970", "Owner A Funds Introduced", "EQUITY", "EQUITY", "", ""),
)
EXPENSE_CODES = ("300", "400", "429", "453", "469")
PAY_FROM = ("091", "090", "090", "092")  # by index % 4: card, bank, bank, PayPal


def ms_date(moment: datetime | date) -> str:
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    return f"/Date({int(moment.timestamp() * 1000)}+0000)/"


def ms_stamp(ms: int) -> str:
    return f"/Date({ms}+0000)/"


def now_ms() -> int:
    return int(time.time() * 1000)


def money(cents: int) -> float:
    return round(cents / 100, 2)


@dataclass
class XeroOrg:
    name: str
    seed: int = 1
    suppliers: int = 12
    bills: int = 120
    expenses: int = 40
    base_currency: str = "GBP"
    country: str = "GB"
    foreign_every: int = 7  # every n-th bill, payment and expense is in a foreign currency
    tenant_id: str = ""
    malformed_bills: set[int] = field(default_factory=set)
    contacts: Collection = field(init=False)
    accounts: Collection = field(init=False)
    invoices: Collection = field(init=False)
    payments: Collection = field(init=False)
    batches: Collection = field(init=False)
    transactions: Collection = field(init=False)

    def __post_init__(self) -> None:
        name_hash = zlib.crc32(self.name.encode())
        self._prefix = f"{name_hash:08x}-{self.seed & 0xFFFF:04x}"
        self.tenant_id = self.tenant_id or self.uid("tenant", 0)
        base = int(EPOCH.timestamp() * 1000)
        supplier_count = self.suppliers
        bill_count = self.bills
        self.contacts = Collection(
            self.suppliers + 3,
            base,
            997,
            lambda i: "supplier" if i < supplier_count else "customer",
        )
        self.accounts = Collection(len(ACCOUNTS), base, 1, lambda i: "account")
        self.invoices = Collection(
            self.bills + 3, base + 5, 1000, lambda i: "ACCPAY" if i < bill_count else "ACCREC"
        )
        self.payment_bills = [i for i in range(self.bills) if i % 5 != 4]
        self.payments = Collection(
            len(self.payment_bills), base + 7, 1000, lambda i: "ACCPAYPAYMENT"
        )
        batched = [i for i in range(self.bills) if i % 5 == 3]
        self.batch_members = [batched[n : n + 4] for n in range(0, len(batched), 4)]
        self.batches = Collection(len(self.batch_members), base + 9, 4000, lambda i: "PAYBATCH")
        self.transactions = Collection(
            self.expenses, base + 3, 1000, lambda i: "RECEIVE" if i % 10 == 9 else "SPEND"
        )

    # --- identities --------------------------------------------------------------------

    def uid(self, kind: str, index: int) -> str:
        """A stable UUID-shaped id for (organisation, kind, index), cheap to compute."""
        return (
            f"{self._prefix}-4{KINDS[kind]:03x}-8{(index >> 48) & 0xFFF:03x}-"
            f"{index & 0xFFFFFFFFFFFF:012x}"
        )

    def account_id(self, code: str) -> str:
        return self.uid("account", int(code))

    def foreign(self, index: int) -> tuple[str, float]:
        if self.foreign_every and index % self.foreign_every == 0:
            return ("USD" if self.base_currency != "USD" else "EUR"), 1.25
        return self.base_currency, 1.0

    # --- records -----------------------------------------------------------------------

    def organisation(self) -> dict[str, Any]:
        return {
            "OrganisationID": self.tenant_id,
            "Name": self.name,
            "LegalName": f"{self.name} Limited",
            "PaysTax": True,
            "Version": "UK" if self.country == "GB" else "GLOBAL",
            "OrganisationType": "COMPANY",
            "BaseCurrency": self.base_currency,
            "CountryCode": self.country,
            "IsDemoCompany": False,
            "OrganisationStatus": "ACTIVE",
            "RegistrationNumber": f"{10_000_000 + self.seed}",
            "TaxNumber": f"GB{100_000_000 + self.seed}",
            "FinancialYearEndDay": 31,
            "FinancialYearEndMonth": 3,
            "CreatedDateUTC": ms_date(EPOCH),
            "Timezone": "GMTSTANDARDTIME",
            "OrganisationEntityType": "COMPANY",
            "ShortCode": f"!{self.seed:05d}",
            "Class": "STANDARD",
            "Edition": "BUSINESS",
            "Addresses": [
                {
                    "AddressType": "STREET",
                    "AddressLine1": "1 Quay Street",
                    "City": "Bristol",
                    "PostalCode": "BS1 4DJ",
                    "Country": "United Kingdom",
                }
            ],
            "Phones": [{"PhoneType": "OFFICE", "PhoneNumber": "0117 496 0000"}],
        }

    def account(self, i: int) -> dict[str, Any]:
        code, name, kind, klass, bank_type, system = ACCOUNTS[i]
        state = self.accounts.states.get(i)
        record: dict[str, Any] = {
            "AccountID": self.account_id(code),
            "Code": code,
            "Name": name + (" (renamed)" if self.accounts.revisions.get(i) else ""),
            "Type": kind,
            "Status": state or "ACTIVE",
            "Class": klass,
            "TaxType": "NONE",
            "EnablePaymentsToAccount": False,
            "ShowInExpenseClaims": False,
            "HasAttachments": False,
            "UpdatedDateUTC": ms_stamp(self.accounts.stamps[i]),
        }
        if bank_type:
            record["BankAccountType"] = bank_type
            record["CurrencyCode"] = self.base_currency
            record["BankAccountNumber"] = f"20{i:02d}00{self.seed:06d}"
        if system:
            record["SystemAccount"] = system
        return record

    def contact(self, i: int) -> dict[str, Any]:
        supplier = i < self.suppliers
        word = WORDS[(i + self.seed) % len(WORDS)]
        revision = self.contacts.revisions.get(i, 0)
        record: dict[str, Any] = {
            "ContactID": self.uid("contact", i),
            "ContactStatus": self.contacts.states.get(i)
            or ("ARCHIVED" if supplier and i % 13 == 12 else "ACTIVE"),
            "Name": f"{word} {'Supplies' if supplier else 'Customer'} {i}"
            + (f" (rev {revision})" if revision else ""),
            "FirstName": "Sam",
            "LastName": word,
            "EmailAddress": f"accounts{i}@{word.lower()}.example",
            "TaxNumber": f"GB{200_000_000 + i}",
            "CompanyNumber": f"{20_000_000 + i}",
            "Addresses": [
                {
                    "AddressType": "POBOX",
                    "AddressLine1": f"{i} {word} Road",
                    "City": "Leeds",
                    "PostalCode": "LS1 1AA",
                    "Country": "GB",
                }
            ],
            "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": f"0113 496 {i % 10000:04d}"}],
            "IsSupplier": supplier,
            "IsCustomer": not supplier,
            "UpdatedDateUTC": ms_stamp(self.contacts.stamps[i]),
            "ContactGroups": [],
            "ContactPersons": [],
            "HasAttachments": False,
        }
        if supplier:
            record["PaymentTerms"] = {"Bills": {"Day": 30, "Type": "DAYSAFTERBILLDATE"}}
        return record

    def bill_total_cents(self, i: int) -> int:
        return (
            ((i * 7919 + self.seed * 131) % 90_000)
            + 1_000
            + 100 * self.invoices.revisions.get(i, 0)
        )

    def bill_date(self, i: int) -> date:
        return EPOCH.date() + timedelta(days=i % 300)

    def bill_paid(self, i: int) -> bool:
        return i % 5 != 4 and self.payments.states.get(self._payment_of(i), "") != "DELETED"

    def _payment_of(self, bill: int) -> int:
        # payment k pays bill payment_bills[k]; payment_bills skips every fifth bill
        return bill - (bill + 1) // 5

    def invoice(self, i: int, *, lines: bool = True) -> dict[str, Any]:
        accpay = i < self.bills
        total = self.bill_total_cents(i) if accpay else 5_000 + i
        currency, rate = self.foreign(i)
        paid = accpay and self.bill_paid(i)
        status = self.invoices.states.get(i) or ("PAID" if paid else "AUTHORISED")
        first = total // 3
        code_a = EXPENSE_CODES[i % len(EXPENSE_CODES)] if accpay else "200"
        code_b = EXPENSE_CODES[(i + 2) % len(EXPENSE_CODES)] if accpay else "200"
        issued = self.bill_date(i)
        record: dict[str, Any] = {
            "Type": "ACCPAY" if accpay else "ACCREC",
            "InvoiceID": self.uid("invoice", i),
            "InvoiceNumber": f"{'BILL' if accpay else 'INV'}-{i + 1:06d}",
            "Reference": f"PO {i + 1}",
            "Contact": {
                "ContactID": self.uid("contact", i % self.suppliers if accpay else self.suppliers),
                "Name": f"Contact {i % self.suppliers}",
            },
            "Date": ms_date(issued),
            "DueDate": ms_date(issued + timedelta(days=30)),
            "LineAmountTypes": "NoTax",
            "CurrencyCode": currency,
            "CurrencyRate": rate,
            "Status": status,
            "SubTotal": money(total),
            "TotalTax": 0.0,
            "Total": money(total),
            "AmountDue": 0.0 if paid or status in ("VOIDED", "DELETED") else money(total),
            "AmountPaid": money(total) if paid else 0.0,
            "AmountCredited": 0.0,
            "UpdatedDateUTC": ms_stamp(self.invoices.stamps[i]),
            "HasAttachments": False,
            "IsDiscounted": False,
            "HasErrors": False,
        }
        if paid:
            record["FullyPaidOnDate"] = ms_date(issued + timedelta(days=10))
        if lines:
            record["LineItems"] = [
                {
                    "LineItemID": self.uid("line", 2 * i),
                    "Description": "Goods",
                    "Quantity": 1.0,
                    "UnitAmount": money(first),
                    "AccountCode": code_a,
                    "AccountID": self.account_id(code_a),
                    "TaxType": "NONE",
                    "TaxAmount": 0.0,
                    "LineAmount": money(first),
                },
                {
                    "LineItemID": self.uid("line", 2 * i + 1),
                    "Description": "Services",
                    "Quantity": 1.0,
                    "UnitAmount": money(total - first),
                    "AccountCode": code_b,
                    "AccountID": self.account_id(code_b),
                    "TaxType": "NONE",
                    "TaxAmount": 0.0,
                    "LineAmount": money(total - first),
                },
            ]
        if i in self.malformed_bills:
            del record["Contact"]
            record["Date"] = "not a date"
        return record

    def payment(self, k: int) -> dict[str, Any]:
        bill = self.payment_bills[k]
        currency, rate = self.foreign(bill)
        code = PAY_FROM[bill % 4]
        paid_on = self.bill_date(bill) + timedelta(days=10)
        record: dict[str, Any] = {
            "PaymentID": self.uid("payment", k),
            "Date": ms_date(paid_on),
            "CurrencyRate": rate,
            "Amount": money(self.bill_total_cents(bill)),
            "BankAmount": money(self.bill_total_cents(bill)),
            "Reference": f"Payment {k + 1}",
            "IsReconciled": True,
            "Status": "DELETED" if self.payments.states.get(k) == "DELETED" else "AUTHORISED",
            "PaymentType": "ACCPAYPAYMENT",
            "UpdatedDateUTC": ms_stamp(self.payments.stamps[k]),
            "HasAccount": True,
            "HasValidationErrors": False,
            "Account": {"AccountID": self.account_id(code), "Code": code},
            "Invoice": {
                "Type": "ACCPAY",
                "InvoiceID": self.uid("invoice", bill),
                "InvoiceNumber": f"BILL-{bill + 1:06d}",
                "Contact": {
                    "ContactID": self.uid("contact", bill % self.suppliers),
                    "Name": f"Contact {bill % self.suppliers}",
                },
                "CurrencyCode": currency,
            },
        }
        if bill % 5 == 3:
            batch = (bill // 5) // 4
            record["BatchPaymentID"] = self.uid("batch", batch)
        return record

    def batch(self, j: int) -> dict[str, Any]:
        members = self.batch_members[j]
        amounts = [self.bill_total_cents(b) for b in members]
        when = self.bill_date(members[0]) + timedelta(days=10)
        return {
            "Account": {"AccountID": self.account_id("090"), "Code": "090"},
            "Reference": f"Supplier run {j + 1}",
            "BatchPaymentID": self.uid("batch", j),
            "Date": ms_date(when),
            "Type": "PAYBATCH",
            "Status": self.batches.states.get(j) or "AUTHORISED",
            "TotalAmount": money(sum(amounts)),
            "UpdatedDateUTC": ms_stamp(self.batches.stamps[j]),
            "IsReconciled": True,
            "Payments": [
                {
                    "PaymentID": self.uid("payment", self._payment_of(b)),
                    "Amount": money(self.bill_total_cents(b)),
                    "BankAmount": money(self.bill_total_cents(b)),
                    "Invoice": {"InvoiceID": self.uid("invoice", b), "Type": "ACCPAY"},
                }
                for b in members
            ],
        }

    def transaction(self, i: int, *, lines: bool = True) -> dict[str, Any]:
        spend = i % 10 != 9
        currency, rate = self.foreign(i)
        cents = (
            ((i * 4099 + self.seed) % 40_000) + 500 + 100 * self.transactions.revisions.get(i, 0)
        )
        code = EXPENSE_CODES[i % len(EXPENSE_CODES)] if spend else "200"
        bank = PAY_FROM[i % 4]
        record: dict[str, Any] = {
            "BankTransactionID": self.uid("banktransaction", i),
            "Type": "SPEND" if spend else "RECEIVE",
            "Contact": {
                "ContactID": self.uid("contact", i % self.suppliers),
                "Name": f"Contact {i % self.suppliers}",
            },
            "BankAccount": {
                "AccountID": self.account_id(bank),
                "Code": bank,
                "Name": ACCOUNTS[[a[0] for a in ACCOUNTS].index(bank)][1],
            },
            "IsReconciled": True,
            "Date": ms_date(EPOCH.date() + timedelta(days=i % 300)),
            "Reference": f"Card {i + 1}" if bank == "091" else f"DD {i + 1}",
            "CurrencyCode": currency,
            "CurrencyRate": rate,
            "Status": self.transactions.states.get(i) or "AUTHORISED",
            "LineAmountTypes": "NoTax",
            "SubTotal": money(cents),
            "TotalTax": 0.0,
            "Total": money(cents),
            "UpdatedDateUTC": ms_stamp(self.transactions.stamps[i]),
            "HasAttachments": False,
            "LineItems": [],
        }
        if lines:
            record["LineItems"] = [
                {
                    "LineItemID": self.uid("txline", i),
                    "Description": "Card spend",
                    "Quantity": 1.0,
                    "UnitAmount": money(cents),
                    "AccountCode": code,
                    "AccountID": self.account_id(code),
                    "TaxType": "NONE",
                    "TaxAmount": 0.0,
                    "LineAmount": money(cents),
                }
            ]
        return record

    # --- edits (what a bookkeeper does between two syncs) -------------------------------

    def edit_bill(self, i: int) -> None:
        self.invoices.touch(i, now_ms())

    def delete_bill(self, i: int) -> None:
        self.invoices.touch(i, now_ms(), "DELETED")

    def void_bill(self, i: int) -> None:
        self.invoices.touch(i, now_ms(), "VOIDED")

    def delete_payment(self, bill: int) -> None:
        self.payments.touch(self._payment_of(bill), now_ms(), "DELETED")
        self.invoices.touch(bill, now_ms(), "AUTHORISED")

    def delete_batch(self, j: int) -> None:
        """A batch payment removed in Xero: the batch and its payments are DELETED and its
        bills are owed again."""
        now = now_ms()
        self.batches.touch(j, now, "DELETED")
        for bill in self.batch_members[j]:
            self.payments.touch(self._payment_of(bill), now, "DELETED")
            self.invoices.touch(bill, now, "AUTHORISED")

    def void_expense(self, i: int) -> None:
        self.transactions.touch(i, now_ms(), "VOIDED")

    def edit_supplier(self, i: int) -> None:
        self.contacts.touch(i, now_ms())

    def delete_expense(self, i: int) -> None:
        self.transactions.touch(i, now_ms(), "DELETED")

    def archive_account(self, i: int) -> None:
        self.accounts.touch(i, now_ms(), "ARCHIVED")
