"""Every validation rule of the template: the exact message, sheet, row and column."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from ledgerlink.imports.parse import parse_upload
from ledgerlink.ledger.records import DataType

from .helpers import csv_zip, only_message, triples, valid_rows, with_cell, xlsx


def test_valid_workbook_reads_into_records():
    result = parse_upload(xlsx(), "filled.xlsx")
    assert result.ok, [str(p) for p in result.problems]
    assert result.counts == {
        DataType.COMPANY_INFO: 1,
        DataType.SUPPLIERS: 3,
        DataType.BILLS: 3,
        DataType.BILL_PAYMENTS: 2,
        DataType.EXPENSES: 2,
    }
    company = result.records[DataType.COMPANY_INFO][0]
    assert (company.legal_name, company.base_currency) == ("Acme Trading Ltd", "GBP")
    assert company.addresses == [{"type": "main", "line1": "1 High Street, London"}]
    s1, _, s3 = result.records[DataType.SUPPLIERS]
    assert (s1.default_terms_days, s1.status, s1.email) == (30, "active", "sam@office.example")
    assert s3.status == "archived"
    b1, b2, b3 = result.records[DataType.BILLS]
    assert (b1.issue_date, b1.due_date, b1.status) == (date(2024, 1, 5), date(2024, 2, 4), "paid")
    assert (b2.issue_date, b2.due_date, b2.status) == (date(2024, 1, 10), None, "partially_paid")
    assert (b2.total_amount, b2.amount_due) == (Decimal("200.5"), Decimal("50.5"))
    assert (b3.currency, b3.exchange_rate, b1.exchange_rate) == ("EUR", Decimal("0.86"), 1)
    p1, p2 = result.records[DataType.BILL_PAYMENTS]
    assert p1.amount == Decimal("275")
    assert [(a.bill_source_id, a.amount) for a in p1.allocations] == [
        ("B1", Decimal("100")),
        ("B2", Decimal("150")),
    ]
    assert (p1.reference, p1.method_raw, p1.payment_account_name) == (
        "Jan",
        "Bank transfer",
        "Current",
    )
    assert (p2.amount, p2.allocations, p2.exchange_rate) == (Decimal("40"), [], Decimal("0.86"))
    e1, e2 = result.records[DataType.EXPENSES]
    assert (e1.supplier_source_id, e1.supplier_name, e1.amount) == (
        "",
        "Rail Travel Ltd",
        Decimal("86.4"),
    )
    assert e2.supplier_source_id == "S2"


def test_spec_example_message_for_an_impossible_date():
    data = xlsx(with_cell("Bills", 3, 4, "2024-02-30"))
    assert triples(data) == [
        ("Bills", 3, "Due date", "Due date 2024-02-30 is not a date: use YYYY-MM-DD")
    ]
    assert parse_upload(data, "x.xlsx").problems[0].value == "2024-02-30"


@pytest.mark.parametrize(
    ("sheet", "row", "column", "value", "header", "message"),
    [
        (
            "Bills",
            2,
            3,
            "05/01/2024",
            "Issue date",
            "Issue date 05/01/2024 is not a date: use YYYY-MM-DD",
        ),
        (
            "Bills",
            2,
            3,
            45321,
            "Issue date",
            "Issue date 45321 is a number, not a date: type the date as YYYY-MM-DD or format the "
            "cell as a date",
        ),
        (
            "Bills",
            2,
            3,
            "1850-01-01",
            "Issue date",
            "Issue date 1850-01-01 is outside the years 1900 to 2100: check the year",
        ),
        ("Bills", 4, 1, None, "Bill ID", "Bill ID is required: fill it in"),
        (
            "Bills",
            2,
            7,
            "1,234.56",
            "Total amount",
            "Total amount 1,234.56 uses a thousands separator: write the number without "
            "separators, e.g. 1234.56",
        ),
        (
            "Bills",
            2,
            7,
            "1.234,56",
            "Total amount",
            "Total amount 1.234,56 uses a thousands separator: write the number without "
            "separators, e.g. 1234.56",
        ),
        (
            "Bills",
            2,
            7,
            "1 234.56",
            "Total amount",
            "Total amount 1 234.56 uses a thousands separator: write the number without "
            "separators, e.g. 1234.56",
        ),
        (
            "Bills",
            2,
            7,
            "12,5",
            "Total amount",
            "Total amount 12,5 uses a comma as the decimal separator: use a point, e.g. 1234.56",
        ),
        (
            "Bills",
            2,
            7,
            "£100",
            "Total amount",
            "Total amount £100 is not a number: write a plain number such as 1234.56, without "
            "currency symbols, letters or spaces",
        ),
        (
            "Bills",
            2,
            7,
            100.12345,
            "Total amount",
            "Total amount 100.12345 has more than 4 decimal places: round it to 4",
        ),
        (
            "Bills",
            2,
            7,
            -5,
            "Total amount",
            "Total amount -5 is negative: enter the bill's total as 0 or more",
        ),
        (
            "Bills",
            2,
            7,
            1e17,
            "Total amount",
            "Total amount 100000000000000000 is too large: check the number",
        ),
        (
            "Bills",
            2,
            5,
            "XYZ",
            "Currency",
            "Currency XYZ is not an ISO 4217 currency code: use a 3-letter code such as GBP, EUR "
            "or USD",
        ),
        (
            "Bills",
            2,
            5,
            "pounds",
            "Currency",
            "Currency pounds is not an ISO 4217 currency code: use a 3-letter code such as GBP, "
            "EUR or USD",
        ),
        (
            "Bills",
            2,
            9,
            "Settled",
            "Status",
            "Status Settled is not one of Open, Partially paid, Paid, Void or Draft: use one of "
            "those",
        ),
        (
            "Suppliers",
            3,
            6,
            "not-an-email",
            "Email",
            "Email not-an-email is not an email address: enter one such as name@example.com, or "
            "leave it blank",
        ),
        (
            "Suppliers",
            3,
            14,
            "30 days",
            "Default payment terms (days)",
            "Default payment terms (days) 30 days is not a whole number of days from 0 to 3650: "
            "enter e.g. 30",
        ),
        (
            "Suppliers",
            3,
            16,
            "Gone",
            "Status",
            "Status Gone is not one of Active or Archived: use one of those",
        ),
        (
            "Suppliers",
            3,
            2,
            "x" * 301,
            "Supplier name",
            "Supplier name is 301 characters long, more than the 300 allowed: shorten it",
        ),
        (
            "Payments",
            2,
            7,
            0,
            "Amount",
            "Amount 0 must be more than 0: enter the part of the payment that went to this bill",
        ),
        (
            "Bills",
            4,
            6,
            0,
            "Exchange rate",
            "Exchange rate 0 must be more than 0: enter how many units of the base currency one "
            "unit of this currency is worth",
        ),
    ],
)
def test_cell_rules(sheet, row, column, value, header, message):
    found = triples(xlsx(with_cell(sheet, row, column, value)))
    assert found == [(sheet, row, header, message)]


def test_excel_date_and_datetime_cells_are_accepted():
    rows = with_cell("Bills", 2, 3, datetime(2024, 1, 5, 0, 0))
    rows["Bills"][1][3] = datetime(2024, 2, 9, 14, 30)
    result = parse_upload(xlsx(rows), "x.xlsx")
    assert result.ok, [str(p) for p in result.problems]
    b1, b2, _ = result.records[DataType.BILLS]
    assert (b1.issue_date, b2.due_date) == (date(2024, 1, 5), date(2024, 2, 9))


def test_lowercase_currency_and_status_are_understood():
    rows = with_cell("Bills", 2, 5, "gbp")
    rows["Bills"][0][8] = "partially PAID"
    rows["Bills"][0][7] = 50
    result = parse_upload(xlsx(rows), "x.xlsx")
    assert result.ok, [str(p) for p in result.problems]
    bill = result.records[DataType.BILLS][0]
    assert (bill.currency, bill.status) == ("GBP", "partially_paid")


def test_exchange_rate_rules():
    rows = with_cell("Bills", 2, 6, 1.2)  # GBP bill in a GBP company
    rows["Bills"][2][5] = None  # EUR bill without a rate
    assert triples(xlsx(rows)) == [
        (
            "Bills",
            2,
            "Exchange rate",
            "Exchange rate 1.2 must be 1 when the currency is the "
            "base currency GBP: enter 1 or leave it blank",
        ),
        (
            "Bills",
            4,
            "Exchange rate",
            "Exchange rate is required when the currency (EUR) is "
            "not the base currency (GBP): enter how many GBP one EUR is worth",
        ),
    ]


def test_amount_due_cannot_exceed_total():
    assert triples(xlsx(with_cell("Bills", 3, 8, 300))) == [
        (
            "Bills",
            3,
            "Amount due",
            "Amount due 300 is more than the total amount 200.5: the "
            "amount due can be at most the total",
        ),
    ]


def test_ids_are_unique_within_a_sheet():
    rows = valid_rows()
    rows["Suppliers"].append(["S2", "Travel Co again"])
    rows["Bills"].append(["B1", "S1", "2024-01-05", None, "GBP", None, 1, 1])
    rows["Expenses"].append(["E1", None, "Cafe", "2024-01-05", "GBP", None, 3])
    assert triples(xlsx(rows)) == [
        (
            "Suppliers",
            5,
            "Supplier ID",
            "Supplier ID S2 is also on row 3: IDs must be unique on the Suppliers sheet",
        ),
        (
            "Bills",
            5,
            "Bill ID",
            "Bill ID B1 is also on row 2: IDs must be unique on the Bills sheet",
        ),
        (
            "Expenses",
            4,
            "Expense ID",
            "Expense ID E1 is also on row 2: IDs must be unique on the Expenses sheet",
        ),
    ]


def test_referential_rules():
    rows = valid_rows()
    rows["Bills"].append(["B4", "S9", "2024-01-05", None, "GBP", None, 10, 10])
    rows["Payments"] += [
        ["P3", "S1", "B404", "2024-02-01", "GBP", None, 5],
        ["P4", "S2", "B1", "2024-02-01", "GBP", None, 5],
        ["P5", "S3", "B3", "2024-02-01", "GBP", None, 5],
        ["P6", "S8", None, "2024-02-01", "GBP", None, 5],
    ]
    rows["Expenses"].append(["E3", "S7", None, "2024-01-05", "GBP", None, 3])
    assert triples(xlsx(rows)) == [
        (
            "Bills",
            5,
            "Supplier ID",
            "Supplier ID S9 is not on the Suppliers sheet: add the "
            "supplier there or correct the ID",
        ),
        (
            "Payments",
            6,
            "Bill ID",
            "Bill ID B404 is not on the Bills sheet: add the bill "
            "there, correct the ID, or leave it blank for a payment not allocated to a bill",
        ),
        (
            "Payments",
            7,
            "Bill ID",
            "Bill ID B1 belongs to supplier S1, not S2: correct the Bill ID or the Supplier ID",
        ),
        (
            "Payments",
            8,
            "Currency",
            "Currency GBP differs from the currency of bill B3 (EUR): "
            "record the payment in the bill's currency",
        ),
        (
            "Payments",
            9,
            "Supplier ID",
            "Supplier ID S8 is not on the Suppliers sheet: add the "
            "supplier there or correct the ID",
        ),
        (
            "Expenses",
            4,
            "Supplier ID",
            "Supplier ID S7 is not on the Suppliers sheet: add the "
            "supplier there, or leave Supplier ID blank and fill in Supplier name",
        ),
    ]


def test_allocations_cannot_overpay_a_bill():
    rows = valid_rows()
    rows["Payments"].append(["P3", "S1", "B2", "2024-02-01", "GBP", None, 50])  # 150+50 <= 200.5
    rows["Payments"].append(["P4", "S1", "B2", "2024-02-02", "GBP", None, 1])  # 201 > 200.5
    rows["Payments"].append(["P5", "S1", "B2", "2024-02-03", "GBP", None, 1])  # same bill: once
    assert triples(xlsx(rows)) == [
        (
            "Payments",
            7,
            "Amount",
            "Amount 1 overpays bill B2: the payments allocated to it add "
            "up to 201, more than its total amount 200.5",
        ),
    ]


def test_split_payment_rows_must_agree_and_not_repeat_a_bill():
    rows = valid_rows()
    rows["Payments"][1][3] = "2024-01-21"  # second row of P1: another date
    rows["Payments"].append(
        ["P1", "S1", "B1", date(2024, 1, 20), "GBP", None, 1, "Bank transfer", "Current"]
    )
    rows["Payments"].append(
        ["P1", "S1", None, date(2024, 1, 20), "GBP", None, 1, "Bank transfer", "Current"]
    )
    assert triples(xlsx(rows)) == [
        (
            "Payments",
            3,
            "Payment date",
            "Payment date 2024-01-21 differs from row 2 of the same "
            "payment (2024-01-20): every row of payment P1 must have the same Payment date",
        ),
        (
            "Payments",
            6,
            "Bill ID",
            "Payment P1 is already allocated to bill B1 on row 2: put each bill once per payment",
        ),
        (
            "Payments",
            7,
            "Bill ID",
            "Payment P1 already has an unallocated row (row 4): put the "
            "unallocated part on one row",
        ),
    ]


def test_formula_cells_are_problems_and_formula_text_is_just_text():
    rows = with_cell("Bills", 2, 10, '=HYPERLINK("http://evil.example","click")')
    rows["Bills"][1][6] = "=SUM(1,2)"
    assert triples(xlsx(rows)) == [
        (
            "Bills",
            2,
            "Reference",
            "Reference contains a formula: paste values only (copy, then Paste Special > Values)",
        ),
        (
            "Bills",
            3,
            "Total amount",
            "Total amount contains a formula: paste values only "
            "(copy, then Paste Special > Values)",
        ),
    ]
    text = parse_upload(
        xlsx(with_cell("Bills", 2, 10, '=HYPERLINK("http://evil.example")'), text_cells=True),
        "x.xlsx",
    )
    assert text.ok
    assert text.records[DataType.BILLS][0].reference == '=HYPERLINK("http://evil.example")'


def test_headers_match_any_case_spacing_and_order_and_unknown_columns_warn():
    def edit(book):
        ws = book["Bills"]
        ws["A1"], ws["B1"] = "supplier  id", " BILL ID "
        for row in range(2, 5):  # swap the first two columns' values too
            a, b = ws.cell(row, 1).value, ws.cell(row, 2).value
            ws.cell(row, 1).value, ws.cell(row, 2).value = b, a
        ws["G1"] = "total amount (incl. tax)"
        ws["K1"] = "Notes"
        ws["K2"] = "ignored"

    result = parse_upload(xlsx(edit=edit), "x.xlsx")
    assert result.ok, [str(p) for p in result.problems]
    assert result.records[DataType.BILLS][0].source_id == "B1"
    assert result.records[DataType.BILLS][0].supplier_source_id == "S1"
    assert [(w.sheet, w.row, w.message) for w in result.warnings] == [
        ("Bills", 1, "The column “Notes” is not part of the template and was ignored."),
    ]


def test_missing_and_duplicated_columns_are_file_problems_listed_first():
    def edit(book):
        book["Bills"].delete_cols(5)  # Currency*
        book["Expenses"]["K1"] = "Amount"  # a second Amount column
        book["Payments"]["G3"] = "lots"  # a row problem elsewhere
        del book["Suppliers"]

    found = triples(xlsx(edit=edit))
    assert found == [
        (
            "Suppliers",
            None,
            "",
            "The Suppliers sheet is missing: copy it back from the template "
            "(with its header row; leave it empty if there is nothing to list).",
        ),
        (
            "Bills",
            1,
            "Currency",
            "The required column Currency* is missing from the Bills "
            "sheet: add it to the header row (row 1).",
        ),
        (
            "Expenses",
            1,
            "Amount",
            "The column Amount appears twice (columns G and K): keep only one.",
        ),
        (
            "Payments",
            3,
            "Amount",
            "Amount lots is not a number: write a plain number such as "
            "1234.56, without currency symbols, letters or spaces",
        ),
    ]


def test_company_sheet_takes_one_row_and_must_not_be_empty():
    rows = valid_rows()
    rows["Company"].append(["Other Ltd", "EUR"])
    assert triples(xlsx(rows)) == [
        (
            "Company",
            3,
            "",
            "The Company sheet takes exactly one row, and row 2 is already the "
            "company: remove this row",
        ),
    ]
    rows = valid_rows()
    rows["Company"] = []
    assert triples(xlsx(rows)) == [
        (
            "Company",
            None,
            "",
            "The Company sheet is empty: fill in one row with the company name and base currency.",
        ),
    ]


def test_company_alone_is_not_enough():
    rows = {name: [] for name in valid_rows()}
    rows["Company"] = valid_rows()["Company"]
    assert only_message(xlsx(rows)) == (
        "The file has no suppliers, bills, payments or expenses: fill in at least one of those "
        "sheets, then upload it again."
    )


def test_blank_rows_are_skipped_and_row_numbers_stay_excel_numbers():
    rows = valid_rows()
    rows["Bills"].insert(1, [None] * 10)
    rows["Bills"].insert(2, ["  ", "", None])
    rows["Bills"][3][3] = "someday"  # B2, now on Excel row 5
    assert triples(xlsx(rows)) == [
        ("Bills", 5, "Due date", "Due date someday is not a date: use YYYY-MM-DD"),
    ]


def test_problem_list_is_capped_but_counted():
    rows = valid_rows()
    rows["Expenses"] += [[f"X{i}", None, None, "bad", "GBP", None, 1] for i in range(30)]
    result = parse_upload(xlsx(rows), "x.xlsx", max_problems=5)
    assert result.problem_count == 30
    assert [p.row for p in result.problems[:5]] == [4, 5, 6, 7, 8]
    assert result.problems[5].message == (
        "… and 25 more problems not listed here: fix these and upload the file again to see "
        "the rest."
    )


def test_csv_zip_reads_like_the_workbook_with_or_without_bom():
    for bom in (False, True):
        result = parse_upload(csv_zip(bom=bom), "spend.zip")
        assert result.ok, [str(p) for p in result.problems]
        reference = parse_upload(xlsx(), "x.xlsx")
        for data_type in reference.records:
            assert result.records[data_type] == reference.records[data_type], data_type


def test_csv_amounts_and_dates_follow_the_same_rules():
    rows = with_cell("Bills", 2, 7, "1,234.50")
    rows["Bills"][1][2] = "10/01/2024"
    assert triples(csv_zip(rows), "spend.zip") == [
        (
            "Bills",
            2,
            "Total amount",
            "Total amount 1,234.50 uses a thousands separator: write "
            "the number without separators, e.g. 1234.56",
        ),
        ("Bills", 3, "Issue date", "Issue date 10/01/2024 is not a date: use YYYY-MM-DD"),
    ]


def test_csv_zip_file_level_problems():
    assert triples(csv_zip(leave_out=("expenses.csv",)), "spend.zip") == [
        (
            "Expenses",
            None,
            "",
            "The .zip has no expenses.csv: add it (the header row alone is "
            "enough when there is nothing to list).",
        ),
    ]
    assert only_message(
        csv_zip(raw={"bills.csv": b"Bill ID;Supplier ID\nB1;S1\n"}), "spend.zip"
    ) == (
        "bills.csv separates values with semicolons: save it as “CSV UTF-8 (Comma delimited)” "
        "so values are separated by commas."
    )
    assert only_message(
        csv_zip(raw={"bills.csv": "Bill ID*,Supplier ID*\nCafé,S1\n".encode("latin-1")}),
        "spend.zip",
    ) == (
        "bills.csv is not UTF-8 text (line 2): save it as “CSV UTF-8 (Comma delimited)” and zip "
        "it again."
    )
    assert only_message(
        csv_zip(raw={"bills.csv": "Bill ID*\nB1\n".encode("utf-16")}), "spend.zip"
    ) == (
        "bills.csv contains NUL bytes, so it is not UTF-8 text (it may be UTF-16): save it as "
        "“CSV UTF-8 (Comma delimited)” and zip it again."
    )
    huge = ('Bill ID*\n"' + "x" * 40_000 + '"\n').encode()
    assert only_message(csv_zip(raw={"bills.csv": huge}), "spend.zip") == (
        "bills.csv line 2 has a value longer than 32,767 characters: shorten it."
    )


def test_csv_zip_extra_files_warn_and_a_renamed_workbook_is_recognised():
    result = parse_upload(
        csv_zip(extra={"notes.txt": b"hello", "__MACOSX/._bills.csv": b"x"}), "spend.zip"
    )
    assert result.ok
    assert [w.message for w in result.warnings] == [
        "The file “notes.txt” in the .zip is not part of the template and was ignored."
    ]
    assert only_message(xlsx(), "renamed.zip") == (
        "This .zip is an Excel workbook: rename it to .xlsx and upload it again."
    )


def test_short_csv_rows_are_padded():
    text = "Expense ID*,Supplier ID,Supplier name,Date*,Currency*,Exchange rate,Amount*\r\n"
    text += "E1,,Cafe,2024-01-05,GBP,,3.50\r\nE2,,Cafe\r\n"
    found = triples(csv_zip(raw={"expenses.csv": text.encode()}), "spend.zip")
    assert found == [
        ("Expenses", 3, "Date", "Date is required: fill it in"),
        ("Expenses", 3, "Currency", "Currency is required: fill it in"),
        ("Expenses", 3, "Amount", "Amount is required: fill it in"),
    ]
