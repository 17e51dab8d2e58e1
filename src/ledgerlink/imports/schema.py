"""The supplier information template: its sheets and columns, in one place.

The template workbook (`template.py`), its Instructions sheet and the parser (`parse.py`)
all read these definitions, so what the template says is exactly what the importer checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ledgerlink.ledger.records import DataType


class Kind:
    """How a column's cells are read."""

    TEXT = "text"
    ID = "id"
    DATE = "date"
    AMOUNT = "amount"
    RATE = "rate"
    CURRENCY = "currency"
    DAYS = "days"
    CHOICE = "choice"
    EMAIL = "email"


BILL_STATUSES: dict[str, str] = {
    # what users type (any case) -> ledger BillStatus value
    "Open": "open",
    "Partially paid": "partially_paid",
    "Paid": "paid",
    "Void": "void",
    "Draft": "draft",
}
SUPPLIER_STATUSES: dict[str, str] = {"Active": "active", "Archived": "archived"}
PAYMENT_METHODS = (
    "Bank transfer",
    "Card",
    "Direct debit",
    "Cheque",
    "Cash",
    "Other",
)


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    required: bool
    kind: str
    meaning: str
    accepted: str
    example: str
    max_length: int = 0
    choices: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    # Values the template's drop-down offers; other values are accepted too.
    suggestions: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """The header cell as written in the template: required columns end with `*`."""
        return f"{self.header}*" if self.required else self.header


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    csv_name: str
    data_type: str
    purpose: str
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def normalise_header(text: str) -> str:
    """`Exchange rate (to base)*` -> `exchangerate`: case, spaces, `*` and notes ignored."""
    text = re.sub(r"\([^)]*\)", "", text)
    return re.sub(r"[\s*_]+", "", text).casefold()


ISO_DATE = "A date: YYYY-MM-DD (e.g. 2024-03-31) or a real Excel date"
PLAIN_AMOUNT = "A plain number with . as the decimal separator, no thousands separator"
CURRENCY = "ISO 4217 code, 3 letters (GBP, EUR, USD, ...)"
RATE = (
    "How many units of the base currency one unit of this currency is worth. "
    "Blank or 1 when the currency is the base currency; required otherwise"
)


def _id(key: str, header: str, meaning: str, example: str, *, required: bool = True) -> Column:
    return Column(
        key,
        header,
        required,
        Kind.ID,
        meaning,
        "Text or number, up to 200 characters",
        example,
        max_length=200,
    )


def _text(
    key: str,
    header: str,
    meaning: str,
    example: str,
    max_length: int,
    *,
    required: bool = False,
    aliases: tuple[str, ...] = (),
) -> Column:
    return Column(
        key,
        header,
        required,
        Kind.TEXT,
        meaning,
        f"Text, up to {max_length} characters",
        example,
        max_length=max_length,
        aliases=aliases,
    )


def _money(key: str, header: str, meaning: str, example: str, accepted: str = "") -> Column:
    return Column(key, header, True, Kind.AMOUNT, meaning, accepted or PLAIN_AMOUNT, example)


def _currency(meaning: str, example: str = "GBP") -> Column:
    return Column("currency", "Currency", True, Kind.CURRENCY, meaning, CURRENCY, example)


def _rate(example: str = "1") -> Column:
    return Column(
        "exchange_rate",
        "Exchange rate",
        False,
        Kind.RATE,
        "Exchange rate to the company's base currency",
        RATE,
        example,
    )


def _method(key: str, header: str, meaning: str) -> Column:
    return Column(
        key,
        header,
        False,
        Kind.TEXT,
        meaning,
        "Text, up to 100 characters; the list offers " + ", ".join(PAYMENT_METHODS),
        "Bank transfer",
        max_length=100,
        suggestions=PAYMENT_METHODS,
    )


COMPANY = Sheet(
    "Company",
    "company.csv",
    DataType.COMPANY_INFO,
    "The company whose books these are: exactly one row.",
    (
        _text(
            "legal_name",
            "Company name",
            "Legal name of the company",
            "Acme Trading Ltd",
            300,
            required=True,
        ),
        Column(
            "base_currency",
            "Base currency",
            True,
            Kind.CURRENCY,
            "The currency the books are kept in",
            CURRENCY,
            "GBP",
        ),
        _text(
            "registration_number",
            "Registration number",
            "Company registration number",
            "01234567",
            100,
        ),
        _text("tax_number", "Tax number", "VAT or other tax number", "GB123456789", 100),
        _text("phone", "Phone", "Main phone number", "+44 20 7946 0000", 100),
        _text(
            "address",
            "Address",
            "Registered or main address, on one line",
            "1 High Street, London, EC1A 1AA",
            1000,
        ),
        _text("website", "Website", "Web site address", "https://acme.example", 300),
    ),
)

SUPPLIERS = Sheet(
    "Suppliers",
    "suppliers.csv",
    DataType.SUPPLIERS,
    "One row per supplier. Bills, payments and expenses refer to suppliers by Supplier ID.",
    (
        _id(
            "source_id",
            "Supplier ID",
            "Your own ID for the supplier, unique on this sheet",
            "SUP-001",
        ),
        _text(
            "name",
            "Supplier name",
            "Name of the supplier",
            "Office Supplies Co",
            300,
            required=True,
        ),
        _text(
            "registration_number",
            "Registration number",
            "Supplier's company registration number",
            "09876543",
            100,
        ),
        _text("tax_number", "Tax number", "Supplier's VAT or other tax number", "GB987654321", 100),
        _text(
            "contact_name", "Contact name", "Person to contact at the supplier", "Sam Jones", 200
        ),
        Column(
            "email",
            "Email",
            False,
            Kind.EMAIL,
            "Supplier's email address",
            "An email address",
            "accounts@officesupplies.example",
            max_length=300,
        ),
        _text("phone", "Phone", "Supplier's phone number", "+44 161 496 0000", 100),
        _text(
            "address_line1", "Address line 1", "First line of the address", "10 Market Street", 300
        ),
        _text("address_line2", "Address line 2", "Second line of the address", "Unit 4", 300),
        _text("city", "City", "Town or city", "Manchester", 120),
        _text("region", "Region", "County, state or region", "Greater Manchester", 120),
        _text("postal_code", "Postal code", "Postcode or ZIP code", "M1 1AA", 40),
        _text("country", "Country", "Country", "United Kingdom", 80),
        Column(
            "default_terms_days",
            "Default payment terms (days)",
            False,
            Kind.DAYS,
            "Usual number of days between a bill and its due date",
            "A whole number of days from 0 to 3650",
            "30",
            aliases=("paymentterms", "terms", "termsdays"),
        ),
        _method(
            "default_payment_method", "Default payment method", "How this supplier is usually paid"
        ),
        Column(
            "status",
            "Status",
            False,
            Kind.CHOICE,
            "Whether the supplier is in use",
            "Active or Archived",
            "Active",
            choices=SUPPLIER_STATUSES,
        ),
    ),
)

BILLS = Sheet(
    "Bills",
    "bills.csv",
    DataType.BILLS,
    "One row per supplier bill (invoice received).",
    (
        _id("source_id", "Bill ID", "Your own ID for the bill, unique on this sheet", "BILL-1001"),
        _id(
            "supplier_source_id",
            "Supplier ID",
            "The supplier's ID from the Suppliers sheet",
            "SUP-001",
        ),
        Column(
            "issue_date", "Issue date", True, Kind.DATE, "Date of the bill", ISO_DATE, "2024-03-01"
        ),
        Column(
            "due_date", "Due date", False, Kind.DATE, "Date the bill is due", ISO_DATE, "2024-03-31"
        ),
        _currency("Currency of the bill"),
        _rate(),
        _money(
            "total_amount",
            "Total amount",
            "Total of the bill, tax included",
            "1200.00",
            PLAIN_AMOUNT + "; not negative",
        ),
        _money(
            "amount_due",
            "Amount due",
            "What is still unpaid on the bill",
            "200.00",
            PLAIN_AMOUNT + "; from 0 up to the total amount",
        ),
        Column(
            "status",
            "Status",
            False,
            Kind.CHOICE,
            "State of the bill",
            ", ".join(BILL_STATUSES) + "; when blank it follows from the amount due",
            "Partially paid",
            choices=BILL_STATUSES,
        ),
        _text(
            "reference",
            "Reference",
            "The supplier's invoice number or your reference",
            "INV-55012",
            200,
        ),
    ),
)

PAYMENTS = Sheet(
    "Payments",
    "payments.csv",
    DataType.BILL_PAYMENTS,
    "One row per part of a payment to a supplier: the part allocated to one bill. Repeat the "
    "Payment ID on several rows to split one payment over several bills; leave Bill ID blank "
    "for a part not allocated to any bill.",
    (
        _id(
            "source_id",
            "Payment ID",
            "Your own ID for the payment; repeat it on every row of the same payment",
            "PAY-501",
        ),
        _id(
            "supplier_source_id",
            "Supplier ID",
            "The supplier's ID from the Suppliers sheet",
            "SUP-001",
        ),
        _id(
            "bill_source_id",
            "Bill ID",
            "The bill this part pays, from the Bills sheet; blank = not allocated to a bill",
            "BILL-1001",
            required=False,
        ),
        Column(
            "payment_date",
            "Payment date",
            True,
            Kind.DATE,
            "Date the payment was made",
            ISO_DATE,
            "2024-03-15",
        ),
        _currency("Currency of the payment; the same as the bill's currency"),
        _rate(),
        _money(
            "amount",
            "Amount",
            "The part of this payment allocated to that bill",
            "1000.00",
            PLAIN_AMOUNT + "; more than 0",
        ),
        _method("method_raw", "Payment method", "How the payment was made"),
        _text(
            "payment_account_name",
            "Paid from account",
            "Bank or card account the money came from",
            "Business current account",
            300,
        ),
        _text(
            "reference",
            "Reference / note",
            "Payment reference or note",
            "March run",
            500,
            aliases=("reference", "note"),
        ),
    ),
)

EXPENSES = Sheet(
    "Expenses",
    "expenses.csv",
    DataType.EXPENSES,
    "One row per direct cost paid without a bill (card spend, cash, direct debits, ...).",
    (
        _id(
            "source_id", "Expense ID", "Your own ID for the expense, unique on this sheet", "EXP-77"
        ),
        _id(
            "supplier_source_id",
            "Supplier ID",
            "The supplier's ID from the Suppliers sheet, if the supplier is there",
            "SUP-002",
            required=False,
        ),
        _text(
            "supplier_name",
            "Supplier name",
            "Who was paid, when there is no Supplier ID",
            "Rail Travel Ltd",
            300,
        ),
        Column(
            "expense_date", "Date", True, Kind.DATE, "Date of the expense", ISO_DATE, "2024-03-20"
        ),
        _currency("Currency of the expense", "EUR"),
        _rate("0.86"),
        _money("amount", "Amount", "Amount paid, tax included (negative for a refund)", "86.40"),
        _method("method_raw", "Payment method", "How the expense was paid"),
        _text(
            "payment_account_name",
            "Paid from account",
            "Bank or card account the money came from",
            "Company card",
            300,
        ),
        _text(
            "reference",
            "Reference / note",
            "Receipt number or note",
            "Train to Leeds",
            500,
            aliases=("reference", "note"),
        ),
    ),
)

SHEETS: tuple[Sheet, ...] = (COMPANY, SUPPLIERS, BILLS, PAYMENTS, EXPENSES)
INSTRUCTIONS = "Instructions"
