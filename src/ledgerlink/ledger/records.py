"""Plain records that connectors' mappers and file importers produce, before they are stored.

They carry no Django: a mapper turns one platform record into one of these; the ledger
services store them. `Deleted` is a tombstone for a record the source deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any


class DataType:
    COMPANY_INFO = "company_info"
    ACCOUNTS = "accounts"
    SUPPLIERS = "suppliers"
    BILLS = "bills"
    BILL_PAYMENTS = "bill_payments"
    EXPENSES = "expenses"
    STATEMENTS = "financial_statements"

    # Sync order: accounts and suppliers before what refers to them.
    ALL = (COMPANY_INFO, ACCOUNTS, SUPPLIERS, BILLS, BILL_PAYMENTS, EXPENSES, STATEMENTS)
    SPEND = (COMPANY_INFO, ACCOUNTS, SUPPLIERS, BILLS, BILL_PAYMENTS, EXPENSES)
    FINANCIALS = (COMPANY_INFO, ACCOUNTS, STATEMENTS)

    LABELS = {
        COMPANY_INFO: "Company information",
        ACCOUNTS: "Chart of accounts",
        SUPPLIERS: "Suppliers",
        BILLS: "Bills",
        BILL_PAYMENTS: "Bill payments",
        EXPENSES: "Expenses",
        STATEMENTS: "Financial statements",
    }


@dataclass(frozen=True, slots=True)
class Deleted:
    source_id: str
    modified_at: datetime | None = None


@dataclass(slots=True)
class CompanyInfoRecord:
    source_id: str
    legal_name: str
    base_currency: str
    registration_number: str = ""
    tax_number: str = ""
    phone: str = ""
    website: str = ""
    addresses: list[dict[str, Any]] = field(default_factory=list)
    modified_at: datetime | None = None


@dataclass(slots=True)
class AccountRecord:
    source_id: str
    name: str
    code: str = ""
    type: str = ""
    classification: str = ""
    is_payment_account: bool = False
    payment_account_type: str = ""
    parent_source_id: str = ""
    currency: str = ""
    is_active: bool = True
    modified_at: datetime | None = None


@dataclass(slots=True)
class SupplierRecord:
    source_id: str
    name: str
    contact_name: str = ""
    email: str = ""
    phone: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    tax_number: str = ""
    registration_number: str = ""
    default_terms_days: int | None = None
    default_payment_method: str = ""
    status: str = ""
    modified_at: datetime | None = None


@dataclass(slots=True)
class BillLine:
    amount: Decimal
    description: str = ""
    account_source_id: str = ""
    tax_amount: Decimal = Decimal(0)


@dataclass(slots=True)
class BillRecord:
    source_id: str
    supplier_source_id: str
    issue_date: date
    currency: str
    total_amount: Decimal
    amount_due: Decimal
    status: str
    due_date: date | None = None
    exchange_rate: Decimal = Decimal(1)
    reference: str = ""
    lines: list[BillLine] = field(default_factory=list)
    modified_at: datetime | None = None


@dataclass(slots=True)
class Allocation:
    bill_source_id: str
    amount: Decimal
    allocated_on: date | None = None


@dataclass(slots=True)
class BillPaymentRecord:
    source_id: str
    payment_date: date
    currency: str
    amount: Decimal
    supplier_source_id: str = ""
    exchange_rate: Decimal = Decimal(1)
    method_raw: str = ""
    payment_account_source_id: str = ""
    payment_account_name: str = ""
    reference: str = ""
    allocations: list[Allocation] = field(default_factory=list)
    modified_at: datetime | None = None


@dataclass(slots=True)
class ExpenseRecord:
    source_id: str
    expense_date: date
    currency: str
    amount: Decimal
    supplier_source_id: str = ""
    supplier_name: str = ""
    exchange_rate: Decimal = Decimal(1)
    method_raw: str = ""
    payment_account_source_id: str = ""
    payment_account_name: str = ""
    reference: str = ""
    account_source_id: str = ""
    modified_at: datetime | None = None


@dataclass(slots=True)
class StatementLineRecord:
    source_id: str
    statement: str  # "pl" or "bs"
    period_start: date
    period_end: date
    account_name: str
    amount: Decimal
    currency: str
    section: str = ""
    account_source_id: str = ""
    modified_at: datetime | None = None


LedgerInput = (
    CompanyInfoRecord
    | AccountRecord
    | SupplierRecord
    | BillRecord
    | BillPaymentRecord
    | ExpenseRecord
    | StatementLineRecord
    | Deleted
)
