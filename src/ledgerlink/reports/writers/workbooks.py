"""The Excel reports: Spend Analysis, Ongoing Insights and the vendor-match files."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import polars as pl

from ledgerlink.insights.ongoing import OngoingInsights, quarter_label
from ledgerlink.insights.spend import CustomerFacts, SpendAnalysis
from ledgerlink.insights.vendor_match import vendor_match
from ledgerlink.reports.writers import columns as C
from ledgerlink.reports.writers.xlsx import EXCEL_MAX_ROWS, Book, Col, Kind, Target

NETWORK_TITLES = {
    "mastercard": "Mastercard",
    "visa": "Visa",
    "wex": "WEX",
    "paytech": "PayTech",
}


def _rows(frame: pl.DataFrame, columns: Sequence[Col]) -> list[list[object]]:
    keys = [c.key for c in columns]
    return [list(row) for row in frame.select(keys).iter_rows()]


def _customer_rows(facts: CustomerFacts) -> list[tuple[str, object, Kind]]:
    currency = f" ({facts.base_currency})" if facts.base_currency else ""
    addresses = "; ".join(facts.addresses)
    return [
        ("Company", facts.company_name, Kind.TEXT),
        ("Legal name", facts.legal_name, Kind.TEXT),
        ("Registration number", facts.registration_number, Kind.TEXT),
        ("Tax number", facts.tax_number, Kind.TEXT),
        ("Phone", facts.phone, Kind.TEXT),
        ("Addresses", addresses, Kind.TEXT),
        ("Website", facts.website, Kind.TEXT),
        ("Base currency", facts.base_currency, Kind.TEXT),
        ("Period start", facts.start, Kind.DATE),
        ("Period end", facts.end, Kind.DATE),
        ("Months reviewed", facts.months_reviewed, Kind.DAYS),
        (f"Minimum supplier annual spend{currency}", facts.min_supplier_annual_spend, Kind.MONEY),
        ("Suppliers", facts.suppliers_count, Kind.INT),
        ("Bills", facts.bills_count, Kind.INT),
        (f"Bills amount{currency}", facts.bills_amount, Kind.MONEY),
        ("Bill payments", facts.payments_count, Kind.INT),
        (f"Bill payments amount{currency}", facts.payments_amount, Kind.MONEY),
        ("Expenses", facts.expenses_count, Kind.INT),
        (f"Expenses amount{currency}", facts.expenses_amount, Kind.MONEY),
        (f"Total spend{currency}", facts.total_spend, Kind.MONEY),
    ]


def _number(value: object) -> object:
    return float(value) if isinstance(value, Decimal) else value


def _customer_sheet(book: Book, facts: CustomerFacts) -> None:
    sheet = book.add_sheet("Customer")
    book.write(sheet, 0, 0, f"Spend Analysis: {facts.company_name}", Kind.TEXT)
    sheet.set_row(0, 22, book.formats["title"])
    columns = (Col("field", "Field", Kind.TEXT, 36), Col("value", "Value", Kind.TEXT, 48))
    sheet.add_table(
        2,
        0,
        2 + len(_customer_rows(facts)),
        1,
        {
            "name": "Customer",
            "style": "Table Style Light 9",
            "columns": [
                {"header": c.header, "header_format": book.formats["header"]} for c in columns
            ],
        },
    )
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 1, 48)
    for index, (label, value, kind) in enumerate(_customer_rows(facts)):
        book.write(sheet, 3 + index, 0, label, Kind.TEXT, bold=True)
        book.write(sheet, 3 + index, 1, _number(value), kind)
    sheet.freeze_panes(3, 0)


def _spend_analysis_sheet(book: Book, analysis: SpendAnalysis, currency: str) -> None:
    sheet = book.add_sheet("Spend Analysis")
    facts = analysis.customer
    title = f"Spend by payment method, {facts.start:%d %b %Y} to {facts.end:%d %b %Y}"
    book.write(sheet, 0, 0, title, Kind.TEXT)
    sheet.set_row(0, 22, book.formats["title"])
    columns = C.spend_analysis_columns(currency)
    methods = analysis.methods.with_columns(
        pl.col("group").cast(pl.String()).fill_null(""),
    )
    bold = {i for i, level in enumerate(methods.get_column("level").to_list()) if level != "Method"}
    book.small_table(
        sheet, 2, columns, _rows(methods, columns), name="SpendAnalysis", bold_rows=bold
    )
    sheet.set_row(2, 45)
    sheet.freeze_panes(3, 2)
    note = (
        "Each supplier is counted in the row of its most common inferred payment method, with "
        "all its bills, payments and expenses; an expense or payment with no supplier in the "
        "row of its own method. Covers every supplier, whatever the spend threshold."
    )
    book.write(sheet, 4 + methods.height, 0, note, Kind.TEXT)


def _entity_sheet(book: Book, entities: pl.DataFrame, currency: str) -> None:
    sheet = book.add_sheet("Entity Spend Breakdown")
    columns = C.entity_columns(currency)
    rows = _rows(entities, columns)
    totals = entities.select(
        pl.col("bills_amount").sum(), pl.col("expenses_amount").sum(), pl.col("total_spend").sum()
    ).row(0)
    rows.append([None, "Total", *totals])
    book.small_table(sheet, 0, columns, rows, name="EntitySpend", bold_rows={len(rows) - 1})
    sheet.freeze_panes(1, 0)


def write_spend_analysis(
    analysis: SpendAnalysis,
    target: Target,
    *,
    max_rows: int = EXCEL_MAX_ROWS,
    compression: int = 1,
) -> None:
    """The Spend Analysis workbook: Customer, [Entity Spend Breakdown,] Spend Analysis,
    Supplier Analysis, Bills, Bill Payments, Expenses."""
    currency = analysis.customer.base_currency
    multi = analysis.multi_entity
    with Book(target, max_rows=max_rows, compression=compression) as book:
        _customer_sheet(book, analysis.customer)
        if analysis.entities is not None:
            _entity_sheet(book, analysis.entities, currency)
        _spend_analysis_sheet(book, analysis, currency)
        supplier_cols, sections = C.supplier_columns(currency, multi)
        book.table(
            "Supplier Analysis",
            analysis.supplier_analysis(),
            supplier_cols,
            sections=sections,
            freeze_cols=3 if multi else 1,
        )
        book.table("Bills", analysis.bills_tab(), C.bills_columns(currency, multi))
        book.table(
            "Bill Payments", analysis.bill_payments_tab(), C.bill_payments_columns(currency, multi)
        )
        book.table("Expenses", analysis.expenses_tab(), C.expenses_columns(currency, multi))


def write_ongoing_insights(
    insights: OngoingInsights, target: Target, *, max_rows: int = EXCEL_MAX_ROWS
) -> None:
    """The Ongoing Insights workbook: Summary, Spend Analysis, New Suppliers."""
    latest = insights.latest
    currency = latest.customer.base_currency
    q = insights.quarters
    with Book(target, max_rows=max_rows) as book:
        sheet = book.add_sheet("Summary")
        book.write(sheet, 0, 0, f"Ongoing Insights: {latest.customer.company_name}", Kind.TEXT)
        sheet.set_row(0, 22, book.formats["title"])
        facts = [
            ("Latest quarter", quarter_label(q.latest_start, q.latest_end)),
            ("Prior period", quarter_label(q.prior_start, q.prior_end)),
            ("New suppliers", insights.new_suppliers.height),
            ("Data in the prior period", insights.has_prior_data),
        ]
        for index, (label, value) in enumerate(facts):
            book.write(sheet, 2 + index, 0, label, Kind.TEXT, bold=True)
            kind = Kind.INT if isinstance(value, int) and not isinstance(value, bool) else Kind.TEXT
            book.write(sheet, 2 + index, 1, value, kind)
        money = {"Bills amount", "Bill payments amount", "Expenses amount"}
        columns = (
            Col("metric", "Figure", Kind.TEXT, 34),
            Col("new_suppliers", "New suppliers (latest quarter)", Kind.DAYS, 18),
            Col("prior_suppliers", "Prior-period suppliers (prior period)", Kind.DAYS, 18),
            Col("change", "Change", Kind.DAYS, 14),
        )
        start = 3 + len(facts)
        sheet.add_table(
            start,
            0,
            start + insights.summary.height,
            len(columns) - 1,
            {
                "name": "Summary",
                "style": "Table Style Medium 2",
                "columns": [
                    {"header": c.header, "header_format": book.formats["header"]} for c in columns
                ],
            },
        )
        for index, column in enumerate(columns):
            sheet.set_column(index, index, column.width)
        for r, row in enumerate(insights.summary.iter_rows(named=True)):
            label = str(row["metric"])
            kind = Kind.MONEY if label in money else Kind.DAYS if "days" in label else Kind.INT
            if label in money and currency:
                label = f"{label} ({currency})"
            book.write(sheet, start + 1 + r, 0, label, Kind.TEXT)
            for c, key in enumerate(("new_suppliers", "prior_suppliers", "change"), start=1):
                book.write(sheet, start + 1 + r, c, row[key], kind)

        sheet = book.add_sheet("Spend Analysis")
        shares = insights.spend_analysis
        columns = (
            Col("method", "Payment method", Kind.TEXT, 18),
            Col(
                "prior_share",
                f"% of bills by amount, {quarter_label(q.prior_start, q.prior_end)}",
                Kind.PERCENT,
                22,
            ),
            Col(
                "latest_share",
                f"% of bills by amount, {quarter_label(q.latest_start, q.latest_end)}",
                Kind.PERCENT,
                22,
            ),
            Col("change_pp", "Change (percentage points)", Kind.DAYS, 16),
        )
        bold = {
            i for i, level in enumerate(shares.get_column("level").to_list()) if level != "Method"
        }
        book.small_table(sheet, 0, columns, _rows(shares, columns), name="Shares", bold_rows=bold)
        sheet.set_row(0, 45)
        sheet.freeze_panes(1, 1)

        supplier_cols, sections = C.supplier_columns(currency, latest.multi_entity)
        book.table(
            "New Suppliers",
            insights.new_suppliers,
            supplier_cols,
            sections=sections,
            freeze_cols=3 if latest.multi_entity else 1,
        )


def write_vendor_match(
    analysis: SpendAnalysis,
    network: str,
    target: Target,
    *,
    max_rows: int = EXCEL_MAX_ROWS,
) -> None:
    """One network's vendor-match file: a single table of the suppliers to match."""
    rows = vendor_match(analysis, network)
    columns = C.vendor_columns(rows.columns, analysis.customer.base_currency)
    with Book(target, max_rows=max_rows) as book:
        book.table(f"{NETWORK_TITLES[network]} suppliers", rows, columns, freeze_cols=2)
