"""Spend Summary, Ongoing Insights, vendor-match rows, parameters and frames."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from ledgerlink.insights import CashbackTier, LedgerFrames, Parameters, analyse_spend, conform
from ledgerlink.insights.frames import BILLS, FrameError
from ledgerlink.insights.ongoing import ongoing_insights, quarters
from ledgerlink.insights.parameters import default_period, months_between
from ledgerlink.insights.summary import spend_summary, tiered_cashback
from ledgerlink.insights.vendor_match import (
    COMMON,
    EXTRAS,
    iso_country,
    split_emails,
    split_name,
    split_phone,
    vendor_match,
    zip_plus4,
)
from tests.insights.builders import Ledger
from tests.insights.fixtures import frames, params

D = Decimal


# --- Spend Summary ---------------------------------------------------------------------------


def test_spend_summary_of_the_fixture():
    summary = spend_summary(analyse_spend(frames(), params()))
    # Only Beta GmbH pays by a non-card method (Check): 1,022.23 over 12 months.
    assert summary.cardable_suppliers == 1
    assert summary.cardable_spend == D("1022.23")
    assert summary.cashback == D("20.44")  # 2 % of 1,022.23 = 20.4446
    assert summary.cardable_payments == D("2.00")  # P4 and E2
    assert summary.hours_saved == D("0.10")  # 2 × 3 minutes
    assert summary.time_saved_value == D("4.00")  # at 40 an hour
    assert summary.annual_card_benefits == D("24.44")
    assert summary.total_spend == D("2884.23")
    assert summary.spend_by_group == {
        "Card": D("1562.00"),
        "Non-card": D("1022.23"),
        "Unknown": D("300.00"),
    }
    # Not Credit Card, highest annual spend first: Beta (Check), Gamma (Unknown).
    top = [
        (o.name, o.annual_spend, o.common_terms_days, o.current_method)
        for o in summary.top_opportunities
    ]
    assert top == [
        ("Beta GmbH", D("1022.23"), 14, "Check"),
        ("Gamma Services", D("300.00"), 30, "Unknown"),
    ]


def test_spend_summary_annualises_a_short_period():
    book = Ledger().supplier("S1", "Slow Payer")
    book.bill("B1", "S1", "2024-10-10", "1000", due="2024-11-09")
    book.payment("P1", "S1", "2024-10-20", "1000", pays=[("B1", "1000")], method_raw="BACS")
    quarter = params(
        start=date(2024, 10, 1), end=date(2024, 12, 31), minutes_per_payment=D(6), hourly_cost=D(50)
    )
    summary = spend_summary(analyse_spend(book.frames(), quarter))
    assert summary.cardable_spend == D("4000.00")
    assert summary.cardable_payments == D("4.00")
    assert summary.hours_saved == D("0.40")
    assert summary.time_saved_value == D("20.00")
    assert summary.top_opportunities[0].annual_spend == D("4000.00")


def test_tiered_cashback():
    default = Parameters.for_generation(date(2025, 1, 1)).cashback_tiers
    assert tiered_cashback(D("1500000"), default)[0] == D("25000.00")
    assert tiered_cashback(D("999999.99"), default)[0] == D("20000.00")
    tiers = (
        CashbackTier(rate=D("0.015"), up_to=D(100)),
        CashbackTier(rate=D("0.01"), up_to=D(300)),
        CashbackTier(rate=D("0.005")),
    )
    total, slices = tiered_cashback(D(1000), tiers)
    assert [s.spend for s in slices] == [D(100), D(200), D(700)]
    assert total == D("1.50") + D("2.00") + D("3.50")
    assert tiered_cashback(D(0), tiers)[0] == D(0)


def test_parameters_are_checked():
    with pytest.raises(ValueError):
        Parameters(start=date(2024, 2, 1), end=date(2024, 1, 1), generation_date=date(2025, 1, 1))
    with pytest.raises(ValueError):
        params(cashback_tiers=(CashbackTier(rate=D("0.02")), CashbackTier(rate=D("0.01"))))
    with pytest.raises(ValueError):
        params(cashback_tiers=(CashbackTier(rate=D("0.02"), up_to=D(10)),))


def test_default_period_and_months():
    assert default_period(date(2025, 3, 10)) == (date(2024, 3, 1), date(2025, 2, 28))
    assert months_between(date(2024, 1, 1), date(2024, 12, 31)) == 12
    assert months_between(date(2024, 1, 15), date(2024, 3, 14)) == 2
    assert months_between(date(2024, 1, 1), date(2024, 1, 16)) == D("0.52")
    p = Parameters.for_generation(date(2025, 3, 10))
    assert p.card_lookback_start == date(2024, 3, 1)
    assert p.months_reviewed == 12


def test_frames_are_conformed_and_checked():
    frame = pl.DataFrame(
        {
            "company_id": [1],
            "source_id": ["B1"],
            "supplier_source_id": ["S1"],
            "issue_date": [date(2024, 1, 1)],
            "total_amount": [12.345],  # Float64 in, exact Decimal(20, 4) out
            "reference": [None],
        }
    )
    out = conform(frame, BILLS, name="bills")
    assert out.schema == pl.Schema(BILLS)
    assert out.item(0, "total_amount") == D("12.3450")
    assert out.item(0, "amount_due") == D("12.3450")  # blank amount due: the total
    assert out.item(0, "exchange_rate") == D(1)
    assert out.item(0, "reference") == ""
    assert out.item(0, "is_deleted") is False
    with pytest.raises(FrameError):
        conform(frame.drop("issue_date"), BILLS, name="bills")
    with pytest.raises(FrameError):
        LedgerFrames.build(invoices=frame)


# --- Ongoing Insights ------------------------------------------------------------------------


def _ongoing_ledger() -> Ledger:
    book = Ledger().supplier("S1", "Old Friend").supplier("S2", "Newcomer").supplier("S3", "Gone")
    book.bill("B1", "S1", "2024-08-05", "1000", due="2024-09-04")  # prior period
    book.payment("P1", "S1", "2024-08-20", "1000", pays=[("B1", "1000")], method_raw="BACS")
    book.bill("B2", "S3", "2024-09-05", "400")  # prior only
    book.payment("P2", "S3", "2024-09-05", "400", pays=[("B2", "400")], method_raw="Visa")
    book.bill("B3", "S1", "2024-11-01", "500", due="2024-12-01")  # latest
    book.payment("P3", "S1", "2024-11-05", "500", pays=[("B3", "500")], method_raw="BACS")
    book.bill("B4", "S2", "2024-12-01", "300", due="2024-12-31")  # latest, new supplier
    book.payment("P4", "S2", "2024-12-21", "300", pays=[("B4", "300")], method_raw="Cheque")
    book.expense("E1", "S2", "2024-12-10", "50", method_raw="Cheque")
    book.bill("B5", "S1", "2025-01-03", "999")  # this month: not a full month yet
    return book


def test_latest_quarter_is_the_last_three_full_months_with_data():
    window = quarters(_ongoing_ledger().frames(), date(2025, 1, 20))
    assert window is not None
    assert (window.latest_start, window.latest_end) == (date(2024, 10, 1), date(2024, 12, 31))
    assert (window.prior_start, window.prior_end) == (date(2024, 7, 1), date(2024, 9, 30))
    assert quarters(Ledger().frames(), date(2025, 1, 20)) is None


def test_ongoing_insights_new_suppliers_summary_and_shares():
    result = ongoing_insights(_ongoing_ledger().frames(), params(generation_date=date(2025, 1, 20)))
    assert result is not None
    assert result.has_prior_data is True
    assert result.new_suppliers.get_column("supplier_id").to_list() == ["S2"]
    summary = {r["metric"]: r for r in result.summary.iter_rows(named=True)}
    assert summary["Suppliers"]["new_suppliers"] == 1
    assert summary["Suppliers"]["prior_suppliers"] == 2  # S1 and S3
    assert summary["Bills amount"]["new_suppliers"] == 300.0
    assert summary["Bills amount"]["prior_suppliers"] == 1400.0
    assert summary["Expenses amount"]["new_suppliers"] == 50.0
    assert summary["Settlement days (amount-weighted)"]["new_suppliers"] == 20.0
    # prior: B1 15 days × 1,000, B2 0 days × 400 → 10.714…
    assert summary["Settlement days (amount-weighted)"]["prior_suppliers"] == pytest.approx(
        15000 / 1400
    )
    assert summary["Bills"]["change"] == 1 - 2
    shares = {r["method"]: r for r in result.spend_analysis.iter_rows(named=True)}
    assert shares["Bank Transfer"]["prior_share"] == pytest.approx(1000 / 1400)
    assert shares["Bank Transfer"]["latest_share"] == pytest.approx(500 / 800)
    assert shares["Check"]["latest_share"] == pytest.approx(300 / 800)
    assert shares["Credit Card"]["change_pp"] == pytest.approx(-400 / 1400 * 100)


def test_ongoing_insights_without_data_is_none():
    assert ongoing_insights(Ledger().frames(), params()) is None


# --- vendor match ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def analysis():
    return analyse_spend(frames(), params())


@pytest.mark.parametrize("network", ["mastercard", "visa", "wex", "paytech"])
def test_vendor_match_columns(analysis, network):
    rows = vendor_match(analysis, network)
    assert tuple(rows.columns) == COMMON + EXTRAS[network]
    assert rows.get_column("supplier_id").to_list() == ["S1", "S2", "S3"]
    s1 = rows.row(0, named=True)
    assert s1["total_spend"] == 1550.0
    assert s1["transaction_count"] == 4  # 3 payments + 1 expense
    assert s1["most_common_method"] == "Credit Card"


def test_vendor_match_network_extras(analysis):
    visa = {r["supplier_id"]: r for r in vendor_match(analysis, "visa").iter_rows(named=True)}
    assert visa["S2"]["country_iso2"] == "DE"  # "Deutschland"
    assert visa["S3"]["postal_code_zip4"] == "12345-6789"
    assert visa["S1"]["postal_code_zip4"] == "LS1 1AA"
    assert visa["S1"]["number_of_checks"] == 4
    assert visa["S1"]["total_spend_including_payments"] == 1350.0  # 1,300 + 50
    wex = vendor_match(analysis, "wex").row(0, named=True)
    assert (wex["phone_number"], wex["phone_extension"]) == ("0113 496 0001", "12")
    assert (wex["contact_first_name"], wex["contact_last_name"]) == ("Ann", "Alpha")
    assert wex["number_of_transactions"] == 3  # 2 bills + 1 expense
    mastercard = vendor_match(analysis, "mastercard").row(0, named=True)
    assert mastercard["purchase_order_count"] is None
    assert mastercard["paid_count"] == 4
    with pytest.raises(ValueError):
        vendor_match(analysis, "amex")


def test_vendor_match_lists_only_suppliers_above_the_threshold():
    analysis = analyse_spend(frames(), params(min_supplier_annual_spend=D(1000)))
    rows = vendor_match(analysis, "paytech")
    assert rows.get_column("vendor_id").to_list() == ["S1", "S2"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("GB", "GB"),
        ("gbr", "GB"),
        ("United Kingdom", "GB"),
        ("UK", "GB"),
        ("England", "GB"),
        ("U.S.A.", "US"),
        ("United States", "US"),
        ("Deutschland", "DE"),
        ("Côte d'Ivoire", "CI"),
        ("Narnia", ""),
        ("", ""),
    ],
)
def test_iso_country(text, code):
    assert iso_country(text) == code


def test_small_parsers():
    assert zip_plus4("12345", "US") == "12345"
    assert zip_plus4("12345 6789", "US") == "12345-6789"
    assert zip_plus4("1234", "US") == "1234"
    assert split_phone("+1 555 0100 x204") == ("+1 555 0100", "204")
    assert split_phone("020 7946 0000") == ("020 7946 0000", "")
    assert split_name("Dr. Jane van der Berg") == ("Jane", "van der Berg")
    assert split_name("Smith, John") == ("John", "Smith")
    assert split_name("Prince") == ("Prince", "")
    assert split_emails("a@x.test; b@x.test") == ("a@x.test", "b@x.test")
