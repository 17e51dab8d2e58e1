"""Which side of the balance sheet an account's own name puts it on, whatever its class."""

from __future__ import annotations

import pytest

from ledgerlink.financials.categorise.engine import AccountInput, Weights, side_words, suggest
from tests.financials.test_level2 import _rules_only

_CHART = [
    ("1000", "Cash at bank"),
    ("1100", "Trade debtors"),
    ("1200", "Inventory"),
    ("2000", "Trade creditors"),
    ("2100", "VAT payable"),
    ("2200", "Accrued liabilities"),
    ("2300", "Bank loans"),
    ("4000", "Sales"),
    ("5000", "Cost of sales"),
    ("6000", "Rent"),
    ("6100", "Wages"),
]


def _types(rows, weights=None):
    chart = [AccountInput(name=name, code=code, country="SG") for code, name in rows]
    out = suggest(chart, model=_rules_only(), weights=weights or Weights())
    return {a.code: s.type for a, s in zip(chart, out, strict=True)}


def test_equity_named_outright_is_equity_even_in_a_class_of_debts():
    # numbered among the liabilities (a US-style class 2), as some charts number their equity
    rows = [*_CHART, ("2900", "Share Capital"), ("2910", "Retained Earnings"),
            ("2920", "Owner's Equity")]  # fmt: skip
    out = _types(rows)
    assert [out[c] for c in ("2900", "2910", "2920")] == ["equity"] * 3
    assert (out["2000"], out["2300"]) == ("liability", "liability")
    closed = _types(rows, Weights(side_opens_class=False))
    assert [closed[c] for c in ("2900", "2910", "2920")] == ["liability"] * 3


def test_capital_that_names_the_class_side_too_stays_there():
    # a cooperative's members' capital "considered a financial liability" is a liability
    rows = [*_CHART, ("2900", "Capital social cooperativo considerado pasivo financiero")]
    assert _types(rows)["2900"] == "liability"


def test_tax_to_recover_named_outright_is_an_asset_even_in_a_class_of_debts():
    # Gulf charts number VAT receivable and VAT input beside VAT payable, in class 2
    rows = [*_CHART, ("2101", "VAT Receivable"), ("2102", "VAT Input"), ("2103", "GST Paid")]
    out = _types(rows)
    assert [out[c] for c in ("2101", "2102", "2103")] == ["asset"] * 3
    assert out["2100"] == "liability"
    closed = _types(rows, Weights(side_opens_class=False))
    assert [closed[c] for c in ("2101", "2102", "2103")] == ["liability"] * 3


@pytest.mark.parametrize(
    ("name", "sides"),
    [
        ("Share Capital", ["equity"]),
        ("Partner's Equity", ["equity"]),
        ("Utile d'esercizio", ["equity"]),  # profit for the year
        ("Gezeichnetes Kapital", ["equity"]),
        ("Kommandit-Kapital", ["equity"]),  # limited partners' capital
        ("Preferred Shares", ["equity"]),
        # holdings in another company's equity, and what is still to pay on them, are assets:
        # a name of both sides does not open a class of assets
        ("Desembolsos pendientes sobre participaciones en el patrimonio neto", ["asset", "equity"]),
        ("Unpaid called contributions to limited partner capital", ["asset", "equity"]),
        # capital called up and unpaid is a claim on the owners, an asset
        ("Associés - capital appelé non versé", ["asset"]),
        ("Called up share capital not paid", ["asset"]),
        ("Produits à recevoir", ["asset"]),  # income accrued, to be received
        ("Tax Receivable", ["asset"]),
        # Dutch input VAT is numbered among the VAT payable it reduces: no side word
        ("Voorbelasting hoog", []),
        ("Trade creditors", ["liability"]),
        ("Emprunts courants liés au cycle d'exploitation", ["liability"]),  # borrowings
        ("Produits constatés d'avance", ["liability"]),  # deferred income
        ("Personnel, avances", ["asset"]),  # advances to the staff
        # a name of both sides names both ("Taxes payable/receivable")
        ("Taxes payable/receivable", ["liability", "asset"]),
    ],
)
def test_side_words(name, sides):
    assert side_words(name) == sides


def test_a_name_of_both_sides_leaves_the_class_its_own():
    # numbered among the fixed assets: a holding in another company's equity stays an asset
    rows = [
        ("2100", "Land"),
        ("2110", "Buildings"),
        ("2500", "Participaciones a largo plazo en empresas del grupo"),
        ("2510", "Desembolsos pendientes sobre participaciones en el patrimonio neto"),
    ]
    chart = [AccountInput(name=name, code=code, country="ES") for code, name in rows]
    out = suggest(chart, model=_rules_only())
    assert out[3].type == "asset"
    assert side_words(rows[3][1]) == ["asset", "equity"]


def test_loans_granted_are_claims_even_among_the_debts():
    rows = [*_CHART, ("2400", "Loans granted - Mother company"), ("2410", "Empréstimos concedidos")]
    out = _types(rows)
    assert (out["2400"], out["2410"]) == ("asset", "asset")
    assert out["2300"] == "liability"  # loans alone are debt
    assert side_words("Udzielone pożyczki") == ["asset"]


def test_income_to_receive_and_capital_called_up_unpaid_name_the_asset_side():
    assert side_words("Social security - Accrued income") == ["asset"]
    assert side_words("Partners/associates - Capital called up, unpaid") == ["asset"]


def test_receivables_are_named_in_many_languages():
    for name in ("الحسابات الشخصية المستحقة القبض", "Należności krótkoterminowe",
                 "Crediti verso clienti", "Vorderingen op handelsdebiteuren"):  # fmt: skip
        assert side_words(name) == ["asset"], name
    # deferred income "on the basis of receivables" is no receivable: not a side word here
    assert side_words("Razgraničeni prihodi po osnovu potraživanja") == []


def test_a_balance_written_after_the_name_says_its_side():
    # partners' current accounts in a class of both sides: debit balances are claims
    rows = [*_CHART, ("4510", "Partners - mother companies Dr."),
            ("4511", "Partners - mother companies Cr.")]  # fmt: skip
    chart = [AccountInput(name=name, code=code, country="FR") for code, name in rows]
    out = {a.code: s.type for a, s in zip(chart, suggest(chart, model=_rules_only()), strict=True)}
    assert (out["4510"], out["4511"]) == ("asset", "liability")
    # Croatian "i dr." (and others) says no balance
    croatian = [AccountInput(name="Dobavljači zadruge, ustanove i dr.", code="2206", country="HR")]
    marked = suggest(croatian, model=_rules_only())[0]
    unmarked = suggest(croatian, model=_rules_only(), weights=Weights(balance_mark=0.0))[0]
    assert marked.confidence == unmarked.confidence
    # a clearing account of either balance says neither
    suspense = [AccountInput(name="Suspense Dr/Cr", code="4710", country="FR")]
    marked = suggest(suspense, model=_rules_only())[0]
    unmarked = suggest(suspense, model=_rules_only(), weights=Weights(balance_mark=0.0))[0]
    assert marked.confidence == unmarked.confidence


def test_debts_named_outright_are_liabilities_even_in_a_class_of_assets():
    # an Ethiopian chart's liabilities in its class 3, a Tunisian one's borrowings in class 50:
    # numbered where another plan keeps its assets
    rows = [*_CHART, ("1300", "Salary payable"), ("1310", "Trade Creditors"),
            ("1320", "Deferred income")]  # fmt: skip
    out = _types(rows)
    assert [out[c] for c in ("1300", "1310", "1320")] == ["liability"] * 3
    assert (out["1100"], out["1200"]) == ("asset", "asset")
    closed = _types(rows, Weights(side_opens_class=False))
    assert [closed[c] for c in ("1300", "1310", "1320")] == ["asset"] * 3


def test_advances_to_the_staff_are_claims_even_among_the_debts():
    rows = [*_CHART, ("2400", "Staff advances"), ("2410", "Salary advances")]
    out = _types(rows)
    assert (out["2400"], out["2410"]) == ("asset", "asset")
