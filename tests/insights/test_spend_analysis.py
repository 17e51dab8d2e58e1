"""Spend Analysis figures against the hand-computed fixture (see fixtures.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from ledgerlink.insights import analyse_spend
from ledgerlink.insights.spend import SpendAnalysis
from tests.insights.builders import Ledger
from tests.insights.fixtures import frames, params

approx = pytest.approx


@pytest.fixture(scope="module")
def analysis() -> SpendAnalysis:
    return analyse_spend(frames(), params())


def row(analysis: SpendAnalysis, label: str, level: str = "Method") -> dict[str, object]:
    found = analysis.methods.filter((pl.col("method") == label) & (pl.col("level") == level))
    assert found.height == 1, label
    return found.row(0, named=True)


def supplier(analysis: SpendAnalysis, supplier_id: str) -> dict[str, object]:
    found = analysis.suppliers.filter(pl.col("supplier_id") == supplier_id)
    assert found.height == 1, supplier_id
    return found.row(0, named=True)


def test_method_rows_are_in_the_standard_order_with_group_subtotals(analysis):
    labels = analysis.methods.select("level", "method").rows()
    assert labels == [
        ("Method", "Credit Card"),
        ("Method", "Debit Card"),
        ("Group", "Card"),
        ("Method", "Bank Transfer"),
        ("Method", "Check"),
        ("Method", "Cash"),
        ("Method", "Other"),
        ("Group", "Non-card"),
        ("Method", "Unknown"),
        ("Group", "Unknown"),
        ("Total", "Total"),
    ]


def test_credit_card_row_every_column(analysis):
    cc = row(analysis, "Credit Card")
    expected = {
        "n_suppliers": 1,
        "pct_suppliers": 1 / 3,
        "pct_bills_count": 2 / 5,
        "pct_bills_amount": 1500 / 2822,
        "total_spend": 1562.00,  # 1,500 bills + 50 (Alpha) + 12 (Corner Shop, no supplier)
        "n_bills": 2,
        "n_bills_outstanding": 1,
        "bills_amount": 1500.00,
        "bills_outstanding_amount": 200.00,
        "pct_outstanding": 200 / 1500,
        "n_bills_paid_late": 1,
        "bills_paid_late_amount": 1000.00,
        "pct_paid_late": 1000 / 1500,
        "n_payments": 3,
        "payments_amount": 1300.00,
        "avg_payment_amount": 1300 / 3,
        "avg_payment_terms": 30.0,
        "avg_settlement_days": 41.0,
        "pct_expenses_count": 2 / 3,
        "pct_expenses_amount": 62 / 62.23,
        "n_expenses": 2,
        "expenses_amount": 62.00,
    }
    for column, value in expected.items():
        assert cc[column] == approx(value), column


def test_check_row_every_column(analysis):
    check = row(analysis, "Check")
    expected = {
        "n_suppliers": 1,
        "pct_suppliers": 1 / 3,
        "pct_bills_count": 2 / 5,
        "pct_bills_amount": 1022 / 2822,
        "total_spend": 1022.23,
        "n_bills": 2,
        "n_bills_outstanding": 1,
        "bills_amount": 1022.00,
        "bills_outstanding_amount": 172.00,
        "pct_outstanding": 172 / 1022,
        "n_bills_paid_late": 0,
        "bills_paid_late_amount": 0.0,
        "pct_paid_late": 0.0,
        "n_payments": 1,
        "payments_amount": 935.00,
        "avg_payment_amount": 935.00,
        "avg_payment_terms": (850 * 14 + 172 * 60) / 1022,
        "avg_settlement_days": 9.0,
        "pct_expenses_count": 1 / 3,
        "pct_expenses_amount": 0.23 / 62.23,
        "n_expenses": 1,
        "expenses_amount": 0.23,
    }
    for column, value in expected.items():
        assert check[column] == approx(value), column


def test_unknown_row_and_empty_rows(analysis):
    unknown = row(analysis, "Unknown")
    assert unknown["n_suppliers"] == 1
    assert unknown["n_bills"] == 1
    assert unknown["bills_amount"] == 300.0
    assert unknown["pct_outstanding"] == 1.0
    assert unknown["n_payments"] == 0
    assert unknown["avg_payment_amount"] is None
    assert unknown["avg_settlement_days"] is None
    assert unknown["avg_payment_terms"] == 30.0
    debit = row(analysis, "Debit Card")
    assert debit["n_suppliers"] == 0 and debit["total_spend"] == 0.0
    assert debit["pct_outstanding"] is None  # 0 of 0
    assert debit["pct_bills_amount"] == 0.0


def test_group_and_total_rows(analysis):
    card = row(analysis, "Card", "Group")
    assert card["total_spend"] == approx(1562.00)
    assert card["n_suppliers"] == 1
    non_card = row(analysis, "Non-card", "Group")
    assert non_card["total_spend"] == approx(1022.23)
    total = row(analysis, "Total", "Total")
    expected = {
        "n_suppliers": 3,
        "pct_suppliers": 1.0,
        "total_spend": 2884.23,
        "n_bills": 5,
        "bills_amount": 2822.00,
        "n_bills_outstanding": 3,
        "bills_outstanding_amount": 672.00,
        "n_bills_paid_late": 1,
        "bills_paid_late_amount": 1000.00,
        "n_payments": 4,
        "payments_amount": 2235.00,
        "avg_payment_amount": 558.75,
        "avg_payment_terms": (1500 * 30 + 850 * 14 + 172 * 60 + 300 * 30) / 2822,
        "avg_settlement_days": (1000 * 41 + 850 * 9) / 1850,
        "n_expenses": 3,
        "expenses_amount": 62.23,
        "pct_expenses_count": 1.0,
        "pct_bills_amount": 1.0,
    }
    for column, value in expected.items():
        assert total[column] == approx(value), column
    # The subtotals add up to the total.
    groups = analysis.methods.filter(pl.col("level") == "Group")
    for column in ("n_suppliers", "n_bills", "bills_minor", "payments_minor", "expenses_minor"):
        assert groups.get_column(column).sum() == total[column]


def test_supplier_rows(analysis):
    alpha = supplier(analysis, "S1")
    assert alpha["name"] == "Alpha Ltd"
    assert alpha["method"] == "Credit Card"
    assert alpha["method_erp"] == "Credit Card"  # only E1 had an ERP method
    assert alpha["card_accepted_12m"] is True
    assert alpha["imported_date"] == date(2024, 1, 5)
    assert alpha["total_spend"] == approx(1550.00)
    assert alpha["last_bill_date"] == date(2024, 3, 1)
    assert alpha["last_expense_date"] == date(2024, 4, 1)
    assert alpha["common_terms_days"] == 30
    assert alpha["n_payments"] == 3 and alpha["payments_amount"] == approx(1300.0)
    assert alpha["contact_name"] == "Ann Alpha"
    beta = supplier(analysis, "S2")
    assert beta["method"] == "Check"
    assert beta["method_erp"] == "Check"
    assert beta["card_accepted_12m"] is False
    assert beta["common_terms_days"] == 14
    gamma = supplier(analysis, "S3")
    assert gamma["method"] == "Unknown"
    assert gamma["method_erp"] is None
    # Sorted by total spend, highest first; the dormant supplier is not listed.
    assert analysis.suppliers.get_column("supplier_id").to_list() == ["S1", "S2", "S3"]


def test_customer_facts(analysis):
    facts = analysis.customer
    assert facts.legal_name == "Acme Trading Limited"
    assert facts.company_name == "Acme Trading Ltd"
    assert facts.addresses == ("1 High Street, Leeds LS1 1AA, GB",)
    assert facts.months_reviewed == Decimal(12)
    assert facts.suppliers_count == 3
    assert (facts.bills_count, facts.bills_amount) == (5, Decimal("2822.00"))
    assert (facts.payments_count, facts.payments_amount) == (4, Decimal("2235.00"))
    assert (facts.expenses_count, facts.expenses_amount) == (3, Decimal("62.23"))
    assert facts.total_spend == Decimal("2884.23")
    assert analysis.entities is None


def test_partial_and_split_payments(analysis):
    bills = analysis.bills_tab()
    b1 = bills.filter(pl.col("bill_id") == "B1").row(0, named=True)
    assert b1["settlement_date"] == date(2024, 2, 20)  # the second part brought it to zero
    assert b1["settlement_days"] == 41
    assert b1["paid_late"] is True
    b2 = bills.filter(pl.col("bill_id") == "B2").row(0, named=True)
    assert b2["outstanding"] is True
    assert b2["settlement_date"] is None
    assert b2["amount_due_base"] == 200.0


def test_overpayment_settles_the_bill_and_counts_in_full(analysis):
    b3 = analysis.bills_tab().filter(pl.col("bill_id") == "B3").row(0, named=True)
    assert b3["settlement_date"] == date(2024, 5, 10)
    assert b3["paid_late"] is False
    p4 = analysis.bill_payments_tab().filter(pl.col("payment_id") == "P4").row(0, named=True)
    assert p4["amount_base"] == 935.0  # EUR 1,100 at 0.85, all of it


def test_multi_currency_uses_each_records_rate_and_rounds_exactly(analysis):
    bills = analysis.bills_tab()
    assert bills.filter(pl.col("bill_id") == "B3").item(0, "total_base") == 850.0
    assert bills.filter(pl.col("bill_id") == "B4").item(0, "total_base") == 172.0
    e2 = analysis.expenses_tab().filter(pl.col("expense_id") == "E2").row(0, named=True)
    assert e2["amount_base"] == 0.23  # 0.75 × 0.3 = 0.225, half away from zero
    assert 0.75 * 0.3 * 100 < 22.5  # in doubles it would round down


def test_void_draft_deleted_and_out_of_period_bills_are_left_out(analysis):
    ids = set(analysis.bills_tab().get_column("bill_id").to_list())
    assert ids == {"B1", "B2", "B3", "B4", "B5"}


def test_refunds_and_out_of_period_expenses_are_left_out(analysis):
    ids = set(analysis.expenses_tab().get_column("expense_id").to_list())
    assert ids == {"E1", "E2", "E3"}
    assert set(analysis.bill_payments_tab().get_column("payment_id").to_list()) == {
        "P1",
        "P2",
        "P3",
        "P4",
    }


def test_expense_with_no_supplier_goes_to_its_own_methods_row(analysis):
    e3 = analysis.expenses_tab().filter(pl.col("expense_id") == "E3").row(0, named=True)
    assert e3["supplier_id"] == ""
    assert e3["method"] == "Credit Card"
    assert e3["method_source"] == "Account"
    assert e3["spend_analysis_row"] == "Credit Card"
    assert row(analysis, "Credit Card")["n_suppliers"] == 1  # not a supplier


def test_raw_tabs_reconcile_to_the_cent(analysis):
    def cents(frame: pl.DataFrame, column: str) -> Decimal:
        return sum((Decimal(str(v)) for v in frame.get_column(column).to_list()), Decimal(0))

    total = row(analysis, "Total", "Total")
    assert cents(analysis.bills_tab(), "total_base") == Decimal("2822.00")
    assert cents(analysis.bill_payments_tab(), "amount_base") == Decimal("2235.00")
    assert cents(analysis.expenses_tab(), "amount_base") == Decimal("62.23")
    assert total["bills_minor"] == 282200
    for tab in (analysis.bills_tab(), analysis.bill_payments_tab(), analysis.expenses_tab()):
        by_row = tab.group_by("spend_analysis_row").len()
        assert by_row.get_column("len").sum() == tab.height


def test_supplier_with_no_payments_is_unknown():
    book = Ledger().supplier("S1", "Only Bills")
    book.bill("B1", "S1", "2024-02-01", "100", amount_due="100", status="open")
    result = analyse_spend(book.frames(), params())
    assert result.suppliers.item(0, "method") == "Unknown"
    assert row(result, "Unknown")["n_bills"] == 1
    assert result.suppliers.item(0, "avg_payment_amount") is None


def test_ties_in_most_common_method_go_to_the_higher_amount():
    book = Ledger().supplier("S1", "Tied")
    book.payment("P1", "S1", "2024-02-01", "100", method_raw="BACS")
    book.payment("P2", "S1", "2024-02-02", "250", method_raw="Cash")
    book.expense("E1", "S1", "2024-02-03", "30", method_raw="Visa")
    book.expense("E2", "S1", "2024-02-04", "40", method_raw="BACS")
    book.expense("E3", "S1", "2024-02-05", "20", method_raw="Cash")
    # Bank Transfer 2 (140), Cash 2 (270), Credit Card 1: Cash wins on amount.
    result = analyse_spend(book.frames(), params())
    assert result.suppliers.item(0, "method") == "Cash"
    assert result.suppliers.item(0, "method_erp") == "Cash"


def test_ties_in_common_terms_go_to_the_higher_amount_then_fewer_days():
    book = Ledger().supplier("S1", "Terms").supplier("S2", "Even")
    book.bill("B1", "S1", "2024-02-01", "100", due="2024-03-02")  # 30 days
    book.bill("B2", "S1", "2024-02-01", "300", due="2024-03-17")  # 45 days
    book.bill("B3", "S2", "2024-02-01", "200", due="2024-03-02")  # 30 days
    book.bill("B4", "S2", "2024-02-01", "200", due="2024-03-17")  # 45 days
    book.bill("B5", "S2", "2024-02-01", "50", due="2024-02-15")  # 14 days, once
    book.bill("B6", "S2", "2024-02-01", "60", due="2024-02-15")  # 14 days, twice, less money
    result = analyse_spend(book.frames(), params())
    terms = dict(result.suppliers.select("supplier_id", "common_terms_days").rows())
    assert terms["S1"] == 45  # one each: the higher amount
    # S2: 14 days twice (110), 30 once (200), 45 once (200) → count first: 14.
    assert terms["S2"] == 14
    book.bill("B7", "S2", "2024-02-01", "200", due="2024-03-17")  # 45 twice (400)
    book.bill("B8", "S2", "2024-02-01", "200", due="2024-03-02")  # 30 twice (400)
    result = analyse_spend(book.frames(), params())
    terms = dict(result.suppliers.select("supplier_id", "common_terms_days").rows())
    assert terms["S2"] == 30  # 30 and 45 tie on count and amount: fewer days


def test_period_with_no_data():
    book = Ledger().supplier("S1", "Old")
    book.bill("B1", "S1", "2020-01-01", "100")
    result = analyse_spend(book.frames(), params())
    assert result.suppliers.height == 0
    total = row(result, "Total", "Total")
    assert total["n_bills"] == 0 and total["total_spend"] == 0.0
    assert total["pct_suppliers"] is None and total["avg_payment_terms"] is None
    assert result.customer.total_spend == Decimal("0.00")
    assert result.bills_tab().height == 0
    empty = analyse_spend(Ledger().frames(), params())
    assert empty.methods.height == 11
    assert empty.customer.suppliers_count == 0


def test_multi_entity_parent():
    book = Ledger(company_id=10, company_name="Parent plc")
    book.company(legal_name="Parent Group plc", base_currency="GBP")
    book.company(company_id=11, company_name="Child Ltd", legal_name="Child Limited")
    book.supplier("S1", "Shared Name Ltd")
    book.supplier("S1", "Child's Own S1", company_id=11)  # same id, other entity
    book.bill("B1", "S1", "2024-02-01", "100")
    book.bill("B1", "S1", "2024-02-01", "250", company_id=11)
    book.payment("P1", "S1", "2024-02-05", "100", pays=[("B1", "100")], method_raw="BACS")
    book.payment(
        "P1", "S1", "2024-02-06", "250", pays=[("B1", "250")], method_raw="Visa", company_id=11
    )
    book.expense("E1", "", "2024-03-01", "30", method_raw="Cash", company_id=11)
    result = analyse_spend(book.frames(), params(company_id=10))
    assert result.customer.legal_name == "Parent Group plc"
    assert result.entities is not None
    entities = {r["company_id"]: r for r in result.entities.iter_rows(named=True)}
    assert entities[10]["company_name"] == "Parent plc"
    assert entities[10]["total_spend"] == 100.0
    assert entities[11]["bills_amount"] == 250.0
    assert entities[11]["expenses_amount"] == 30.0
    assert entities[11]["total_spend"] == 280.0
    suppliers = {r["company_id"]: r for r in result.suppliers.iter_rows(named=True)}
    assert suppliers[10]["method"] == "Bank Transfer"
    assert suppliers[11]["method"] == "Credit Card"
    assert suppliers[11]["name"] == "Child's Own S1"
    b1 = result.bills_tab().filter(pl.col("company_id") == 11).row(0, named=True)
    assert b1["settlement_date"] == date(2024, 2, 6)  # allocations matched within the entity
    assert result.customer.total_spend == Decimal("380.00")


def test_payment_without_supplier_takes_its_bills_supplier():
    book = Ledger().supplier("S1", "Alpha").supplier("S2", "Beta")
    book.bill("B1", "S1", "2024-02-01", "100")
    book.bill("B2", "S2", "2023-11-01", "500")  # outside the period, still names the supplier
    book.payment("P1", "", "2024-02-03", "100", pays=[("B1", "100")], method_raw="BACS")
    book.payment("P2", "", "2024-02-04", "500", pays=[("B2", "500")], method_raw="BACS")
    book.payment("P3", "", "2024-02-05", "5", method_raw="BACS")  # no allocation at all
    result = analyse_spend(book.frames(), params())
    payments = dict(result.bill_payments_tab().select("payment_id", "supplier_id").rows())
    assert payments == {"P1": "S1", "P2": "S2", "P3": ""}
    assert row(result, "Bank Transfer")["n_payments"] == 3
    assert row(result, "Bank Transfer")["n_suppliers"] == 2


def test_expense_payee_name_matches_a_supplier():
    book = Ledger().supplier("S1", "Rail  Travel Ltd").supplier("S2", "Twin").supplier("S3", "twin")
    book.expense("E1", "", "2024-02-01", "10", supplier_name="rail travel ltd")
    book.expense("E2", "", "2024-02-01", "10", supplier_name="Twin")  # ambiguous: no match
    result = analyse_spend(book.frames(), params())
    found = dict(result.expenses_tab().select("expense_id", "supplier_id").rows())
    assert found == {"E1": "S1", "E2": ""}
    off = analyse_spend(book.frames(), params(match_expense_payees=False))
    assert set(off.expenses_tab().get_column("supplier_id").to_list()) == {""}


def test_supplier_id_missing_from_suppliers_still_counts():
    book = Ledger()
    book.bill("B1", "GHOST", "2024-02-01", "100")
    result = analyse_spend(book.frames(), params())
    assert result.suppliers.get_column("name").to_list() == ["GHOST"]
    assert result.customer.bills_amount == Decimal("100.00")


def test_card_accepted_looks_back_twelve_months_from_the_period_end():
    book = Ledger().supplier("S1", "Alpha")
    book.bill("B1", "S1", "2024-11-01", "100")
    book.payment("P0", "S1", "2024-03-01", "40", method_raw="Visa")  # before a short period
    book.payment("P1", "S1", "2024-11-02", "100", method_raw="BACS")
    short = params(start=date(2024, 10, 1), end=date(2024, 12, 31))
    result = analyse_spend(book.frames(), short)
    alpha = result.suppliers.row(0, named=True)
    assert alpha["card_accepted_12m"] is True
    assert alpha["method"] == "Bank Transfer"  # only the period votes
    assert alpha["n_transactions_12m"] == 2
    assert alpha["n_payments"] == 1


def test_threshold_compares_annual_spend():
    book = Ledger().supplier("S1", "Big").supplier("S2", "Small")
    book.bill("B1", "S1", "2024-10-05", "3000")
    book.bill("B2", "S2", "2024-10-05", "2000")
    # A 3-month period: annual spend is 4× the total.
    quarter = params(
        start=date(2024, 10, 1), end=date(2024, 12, 31), min_supplier_annual_spend=Decimal(10000)
    )
    result = analyse_spend(book.frames(), quarter)
    assert result.supplier_analysis().get_column("supplier_id").to_list() == ["S1"]
    assert result.suppliers.filter(pl.col("supplier_id") == "S1").item(0, "annual_spend") == 12000
    assert result.suppliers.height == 2  # the Spend Analysis tab still has both
