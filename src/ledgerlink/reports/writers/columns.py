"""Which result columns each table shows, under which header, in which format."""

from __future__ import annotations

from ledgerlink.reports.writers.xlsx import Col, Kind, Section

T, N, M, P, D, DT, R, YN = (
    Kind.TEXT,
    Kind.INT,
    Kind.MONEY,
    Kind.PERCENT,
    Kind.DAYS,
    Kind.DATE,
    Kind.RATE,
    Kind.YES_NO,
)

COMPANY = (Col("company_id", "Company ID", N, 11), Col("company_name", "Company", T))


def _cur(label: str, currency: str) -> str:
    return f"{label} ({currency or 'base currency'})"


def spend_analysis_columns(currency: str) -> tuple[Col, ...]:
    """The Spend Analysis tab (one row per method, group subtotal and total)."""
    return (
        Col("group", "Group", T, 11),
        Col("method", "Payment method", T, 16),
        Col("n_suppliers", "# suppliers", N),
        Col("pct_suppliers", "% of suppliers", P),
        Col("pct_bills_count", "% of bills by count", P),
        Col("pct_bills_amount", "% of bills by amount", P),
        Col("total_spend", _cur("Total spend", currency), M),
        Col("n_bills", "# bills", N),
        Col("n_bills_outstanding", "# bills outstanding", N),
        Col("bills_amount", _cur("Bills amount", currency), M),
        Col("bills_outstanding_amount", _cur("Bills outstanding amount", currency), M),
        Col("pct_outstanding", "% outstanding by amount", P),
        Col("n_bills_paid_late", "# bills paid late", N),
        Col("bills_paid_late_amount", _cur("Bills paid late amount", currency), M),
        Col("pct_paid_late", "% paid late by amount", P),
        Col("n_payments", "# payments", N),
        Col("payments_amount", _cur("Payments amount", currency), M),
        Col("avg_payment_amount", _cur("Average payment amount", currency), M),
        Col("avg_payment_terms", "Average payment terms (days)", D),
        Col("avg_settlement_days", "Average settlement period (days)", D),
        Col("pct_expenses_count", "% of expenses by count", P),
        Col("pct_expenses_amount", "% of expenses by amount", P),
        Col("n_expenses", "# expenses", N),
        Col("expenses_amount", _cur("Expenses amount", currency), M),
    )


def supplier_columns(
    currency: str, multi_entity: bool
) -> tuple[tuple[Col, ...], tuple[Section, ...]]:
    """The Supplier Analysis tab (also New Suppliers), with its section labels."""
    groups: list[tuple[str, tuple[Col, ...]]] = [
        (
            "Supplier",
            (
                *(COMPANY if multi_entity else ()),
                Col("name", "Supplier", T, 30),
                Col("method_erp", "Most common method (ERP)", T, 16),
                Col("method", "Most common method (inferred)", T, 16),
                Col("card_accepted_12m", "Accepted credit card in last 12 months", YN, 13),
                Col("imported_date", "Imported", DT),
            ),
        ),
        ("Spend", (Col("total_spend", _cur("Total spend", currency), M),)),
        (
            "Bills",
            (
                Col("n_bills", "# bills", N),
                Col("n_bills_outstanding", "# bills outstanding", N),
                Col("bills_amount", _cur("Bills amount", currency), M),
                Col("bills_outstanding_amount", _cur("Outstanding amount", currency), M),
                Col("pct_outstanding", "% outstanding", P),
                Col("n_bills_paid_late", "# paid late", N),
                Col("bills_paid_late_amount", _cur("Paid late amount", currency), M),
                Col("pct_paid_late", "% paid late", P),
                Col("last_bill_date", "Most recent bill", DT),
            ),
        ),
        (
            "Payments",
            (
                Col("n_payments", "# payments", N),
                Col("payments_amount", _cur("Payments amount", currency), M),
                Col("avg_payment_amount", _cur("Average payment", currency), M),
            ),
        ),
        (
            "Terms",
            (
                Col("avg_payment_terms", "Average payment terms (days)", D),
                Col("common_terms_days", "Most common terms (days)", N),
                Col("avg_settlement_days", "Average settlement period (days)", D),
            ),
        ),
        (
            "Expenses",
            (
                Col("n_expenses", "# expenses", N),
                Col("expenses_amount", _cur("Expenses amount", currency), M),
                Col("last_expense_date", "Most recent expense", DT),
            ),
        ),
        (
            "Supplier details (as recorded)",
            (
                Col("supplier_id", "Supplier ID", T),
                Col("contact_name", "Contact", T),
                Col("email", "Email", T),
                Col("phone", "Phone", T),
                Col("address_line1", "Address line 1", T),
                Col("address_line2", "Address line 2", T),
                Col("city", "City", T),
                Col("region", "Region", T),
                Col("postal_code", "Postal code", T),
                Col("country", "Country", T),
                Col("tax_number", "Tax number", T),
                Col("registration_number", "Registration number", T),
                Col("status", "Status", T),
            ),
        ),
    ]
    columns: list[Col] = []
    sections: list[Section] = []
    for title, cols in groups:
        sections.append(Section(title, len(columns), len(columns) + len(cols) - 1))
        columns.extend(cols)
    return tuple(columns), tuple(sections)


def bills_columns(currency: str, multi_entity: bool) -> tuple[Col, ...]:
    return (
        *(COMPANY if multi_entity else ()),
        Col("bill_id", "Bill ID", T),
        Col("reference", "Reference", T),
        Col("supplier_id", "Supplier ID", T),
        Col("supplier_name", "Supplier", T, 30),
        Col("issue_date", "Issue date", DT),
        Col("due_date", "Due date", DT),
        Col("status", "Status", T, 12),
        Col("currency", "Currency", T, 9),
        Col("exchange_rate", "Exchange rate", R),
        Col("total_amount", "Total", M),
        Col("amount_due", "Amount due", M),
        Col("total_base", _cur("Total", currency), M),
        Col("amount_due_base", _cur("Amount due", currency), M),
        Col("outstanding", "Outstanding", YN, 12),
        Col("terms_days", "Payment terms (days)", N),
        Col("settlement_date", "Settlement date", DT),
        Col("settlement_days", "Settlement period (days)", N),
        Col("paid_late", "Paid late", YN),
        Col("spend_analysis_row", "Spend Analysis row", T, 16),
    )


def _method_columns(currency: str) -> tuple[Col, ...]:
    return (
        Col("currency", "Currency", T, 9),
        Col("exchange_rate", "Exchange rate", R),
        Col("amount", "Amount", M),
        Col("amount_base", _cur("Amount", currency), M),
        Col("method_raw", "Payment method (as recorded)", T, 16),
        Col("erp_method", "ERP method", T, 14),
        Col("account_name", "Paid from account", T, 24),
        Col("reference", "Reference / note", T, 24),
        Col("method", "Inferred method", T, 14),
        Col("method_source", "Inferred from", T, 10),
    )


def bill_payments_columns(currency: str, multi_entity: bool) -> tuple[Col, ...]:
    return (
        *(COMPANY if multi_entity else ()),
        Col("payment_id", "Payment ID", T),
        Col("supplier_id", "Supplier ID", T),
        Col("supplier_name", "Supplier", T, 30),
        Col("payment_date", "Date", DT),
        *_method_columns(currency),
        Col("bills_paid", "Bills paid", T, 20),
        Col("spend_analysis_row", "Spend Analysis row", T, 16),
    )


def expenses_columns(currency: str, multi_entity: bool) -> tuple[Col, ...]:
    return (
        *(COMPANY if multi_entity else ()),
        Col("expense_id", "Expense ID", T),
        Col("supplier_id", "Supplier ID", T),
        Col("supplier_name", "Supplier / payee", T, 30),
        Col("expense_date", "Date", DT),
        *_method_columns(currency),
        Col("spend_analysis_row", "Spend Analysis row", T, 16),
    )


def entity_columns(currency: str) -> tuple[Col, ...]:
    return (
        Col("company_id", "Entity ID", N, 11),
        Col("company_name", "Entity", T, 30),
        Col("bills_amount", _cur("Bills amount", currency), M),
        Col("expenses_amount", _cur("Expenses amount", currency), M),
        Col("total_spend", _cur("Total spend", currency), M),
    )


VENDOR_HEADERS: dict[str, tuple[str, Kind]] = {
    "supplier_id": ("Supplier ID", T),
    "name": ("Supplier name", T),
    "address_line1": ("Address line 1", T),
    "address_line2": ("Address line 2", T),
    "city": ("City", T),
    "region": ("State / region", T),
    "postal_code": ("Postal code", T),
    "country": ("Country", T),
    "tax_number": ("Tax ID", T),
    "contact_name": ("Contact name", T),
    "phone": ("Phone", T),
    "email": ("Email", T),
    "total_spend": ("Total spend", M),
    "transaction_count": ("Transaction count", N),
    "most_common_method": ("Most common payment method", T),
    # Mastercard
    "paid_amount": ("Bill payments + expenses amount", M),
    "paid_count": ("Bill payments + expenses count", N),
    "purchase_order_count": ("Purchase order count", N),
    "mastercard_supplier_id": ("Buyer supplier ID", T),
    # Visa
    "postal_code_zip4": ("ZIP+4", T),
    "country_iso2": ("Country code (ISO 3166-1 alpha-2)", T),
    "vendor_id": ("Vendor ID", T),
    "number_of_checks": ("Number of checks (12 months)", N),
    "total_spend_including_payments": ("Total spend including payments", M),
    # WEX
    "phone_number": ("Phone number", T),
    "phone_extension": ("Phone extension", T),
    "contact_first_name": ("Contact first name", T),
    "contact_last_name": ("Contact last name", T),
    "email_2": ("Email 2", T),
    "supplier_account_number": ("Supplier account number", T),
    "number_of_transactions": ("Number of transactions", N),
}


def vendor_columns(keys: list[str], currency: str) -> tuple[Col, ...]:
    out: list[Col] = []
    for key in keys:
        header, kind = VENDOR_HEADERS[key]
        if kind == M:
            header = _cur(header, currency)
        out.append(Col(key, header, kind))
    return tuple(out)
