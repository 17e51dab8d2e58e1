"""Level-2 evidence: current or non-current, and the bucket within the type."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ledgerlink.financials.categorise.engine import (
    TYPES,
    AccountInput,
    Weights,
    _prefix_terms,
    buckets,
    detail_words,
    suggest,
    term_words,
)
from ledgerlink.financials.categorise.model import Head, LinearModel
from ledgerlink.financials.categorise.schemes import schemes


def _rules_only() -> LinearModel:
    """A model that knows no feature: only the rules speak (not the shipped model, which a
    retraining may change)."""
    none = np.zeros(0, dtype=np.uint32)
    heads = {
        name: Head(
            classes, np.zeros((0, len(classes)), np.float32), np.zeros(len(classes), np.float32)
        )
        for name, classes in (("type", TYPES), ("bucket", buckets()))
    }
    return LinearModel(keys=none, heads=heads)


@pytest.mark.parametrize(
    ("name", "term"),
    [
        ("Darlehen <1 Jahr", "current"),
        ("Kautionen <= 1 Jahr", "current"),
        ("Darlehen >1 Jahr", "non_current"),
        ("Wechselverbindlichkeiten >5 Jahre", "non_current"),
        ("Partiarische Darlehen 1–5 Jahre", "non_current"),
        ("Anleihen 1-5, Jahre konvertibel", "non_current"),
        ("Forderungen gegen Gesellschafter - Restlaufzeit größer 1 Jahr", "non_current"),
        ("Receivables from shareholders - remaining term greater than 1 year", "non_current"),
        ("Current portion of long-term debt", "current"),
        ("Long-term debt, current portion", "current"),
    ],
)
def test_a_remaining_term_written_with_symbols_or_digits_decides_current_or_not(
    name: str, term: str
) -> None:
    assert term_words(name)[0] == term


def test_a_rate_or_an_amount_of_years_beyond_one_below_a_bound_says_nothing() -> None:
    assert term_words("Wareneingang 19 % Vorsteuer") == []
    assert term_words("Darlehen <5 Jahre") == []  # up to five years: either
    assert term_words("Forderungen >1 an Mitarbeiter") == []  # German "an" is no year


def test_deferred_taxes_and_pensions_are_long_term_by_nature() -> None:
    assert term_words("Passive latente Steuern") == ["non_current"]
    assert term_words("Deferred tax assets") == ["non_current"]
    assert term_words("Rückstellungen für Pensionen und ähnliche Verpflichtungen") == [
        "non_current"
    ]
    assert term_words("End of Service Provision") == ["non_current"]


def test_a_mixed_class_of_the_scheme_still_says_current() -> None:
    """French 47 and 48 hold debit and credit balances, both of them current: a name that
    sounds long-term ("Participations", "Emprunts") does not make them non-current."""
    rows = [
        ("101", "Capital"), ("211", "Terrains"), ("401", "Fournisseurs"), ("411", "Clients"),
        ("4452", "TVA due"), ("4711", "Compte d'attente"), ("4712", "Participations"),
        ("4561", "Associés - capital appelé"), ("4762", "Emprunts en devises"),
        ("4863", "Dépôts versés"), ("4871", "Emprunts reçus d'avance"), ("512", "Banque"),
        ("601", "Achats"), ("701", "Ventes"),
    ]  # fmt: skip
    chart = [AccountInput(name=name, code=code, country="FR") for code, name in rows]
    model = _rules_only()
    out = {a.code: s for a, s in zip(chart, suggest(chart, model=model), strict=True)}
    assert out["4712"].subtype == "current_asset"
    assert out["4871"].subtype == "current_liability"
    off = suggest(chart, model=model, weights=Weights(scheme_mixed_bucket=0.0))
    without = {a.code: s for a, s in zip(chart, off, strict=True)}
    assert without["4712"].subtype == "non_current_asset"
    assert without["4871"].subtype == "non_current_liability"


def test_the_parents_detail_words_count_for_the_childs_bucket() -> None:
    root = "Application of Funds (Assets)"
    chart = [
        AccountInput(name=root),
        AccountInput(name="Current Assets", parent_name=root),
        AccountInput(name="Cash", parent_name="Current Assets"),
        AccountInput(name="Intangible Assets", parent_name=root),
        AccountInput(name="Trademarks and Patents", parent_name="Intangible Assets"),
        AccountInput(name="Franchise rights", parent_name="Intangible Assets"),
    ]
    model = _rules_only()
    sure = suggest(chart, model=model)[-1]
    unsure = suggest(chart, model=model, weights=Weights(parent_keyword=0.0))[-1]
    assert sure.bucket == "fixed_asset"
    assert sure.confidence > 0.95 > unsure.confidence


@pytest.mark.parametrize(
    ("name", "detail"),
    [
        ("Depreciacion acumulada muebles y enseres", "accumulated_depreciation"),
        ("Office Equip Accum Dep", "accumulated_depreciation"),
        ("Muebles y enseres", "fixed_assets"),
        ("Construction in progress", "fixed_assets"),
        ("Máquinas e Equipamentos", "fixed_assets"),
        ("Gasto por depreciación", "depreciation"),
        ("Costo de ventas", "cost_of_sales"),
        ("Caja chica", "cash"),
        ("Verbindlichkeiten aus L&L ohne Vorsteuerabzug", "accounts_payable"),
        ("Forderungen aus LuL", "accounts_receivable"),
        ("Hutang Dagang", "accounts_payable"),
        ("Cuentas y Documentos por Pagar", "accounts_payable"),
        ("Gläubiger", "accounts_payable"),
        ("Rozrachunki z dostawcami", "accounts_payable"),
        ("Comptes créditeurs - Autres comptes commerciaux", "accounts_payable"),
        ("Marcas y Patentes", "intangibles"),
        ("Licencias y Programas Informáticos", "intangibles"),
        ("Imóveis", "fixed_assets"),
        ("Máquinas, Equipamentos e Instalações Industriais", "fixed_assets"),
        ("(-) Exaustão Acumulada - Imobilizado", "accumulated_depreciation"),
        ("Popravek vrednosti zgradb zaradi amortiziranja", "accumulated_depreciation"),
        ("Wareneinsatz 19 % Vorsteuer", "cost_of_sales"),
        ("Inkoopkosten / Hardware", "cost_of_sales"),
        ("Deposits redeemable at sight", "cash"),
    ],
)
def test_level2_words_of_spanish_portuguese_and_abbreviated_english_charts(
    name: str, detail: str
) -> None:
    assert detail in detail_words(name)


def test_accounts_of_a_code_prefix_take_the_term_its_other_accounts_say() -> None:
    terms: list[str | None] = ["current", "current", None, "non_current", "non_current", None]
    digits = ["2101", "2102", "2103", "2201", "2202", "2203"]
    assert _prefix_terms(terms, digits) == [None, None, "current", None, None, "non_current"]
    # one account alone, or a prefix whose accounts disagree, says nothing
    assert _prefix_terms(["current", None], ["2101", "2102"]) == [None, None]
    split = ["current", "current", "non_current", None]
    assert _prefix_terms(split, ["2101", "2102", "2103", "2104"])[-1] is None


def test_us_style_codes_12_13_22_23_say_only_asset_or_liability() -> None:
    """A 12 or 22 is current in some charts numbered 1 assets, 2 liabilities and non-current
    in others (11 current, 12 non-current): the names decide."""
    us = schemes()["us_gaap"]
    assert us.lookup("1205") == us.lookup("1310") == "asset"
    assert us.lookup("2205") == us.lookup("2310") == "liability"
    assert us.lookup("1010") == "cash"
    assert us.lookup("1510") == "fixed_asset"


def test_an_expense_named_after_a_fixed_asset_is_its_depreciation() -> None:
    rows = [
        ("1000", "Cash"), ("1500", "Motor vehicles"), ("2000", "Accounts payable"),
        ("3000", "Share capital"), ("4000", "Sales"), ("6000", "Rent"), ("6100", "Wages"),
        ("6200", "Depreciation Of Motor Vehicles"),
        ("6300", "Depreciation of Furniture & Office Equipment"), ("6400", "Telephone"),
    ]  # fmt: skip
    chart = [AccountInput(name=name, code=code) for code, name in rows]
    model = _rules_only()
    out = suggest(chart, model=model)
    assert [s.bucket for s in out[7:9]] == ["depreciation", "depreciation"]
    assert out[1].bucket == "fixed_asset"  # the asset itself stays an asset
    off = suggest(chart, model=model, weights=Weights(fixed_asset_expense=0.0))
    assert "depreciation" not in {s.bucket for s in off[7:9]}


def test_a_receivable_in_the_schemes_fixed_asset_class_is_no_debtor() -> None:
    """French class 27 (other financial fixed assets): loans granted, receivables from the
    State due beyond the year, not the trade receivables of class 41."""
    rows = [
        ("211", "Land"), ("213", "Buildings"), ("2761", "Loans receivable"),
        ("2763", "Receivables from the State"), ("2766", "Finance lease receivables"),
        ("2782", "Miscellaneous receivables"), ("401", "Suppliers"), ("411", "Customers"),
        ("512", "Bank"), ("601", "Purchases"), ("701", "Sales"), ("101", "Share capital"),
    ]  # fmt: skip
    chart = [AccountInput(name=name, code=code, country="FR") for code, name in rows]
    model = _rules_only()
    out = suggest(chart, model=model)
    assert {s.bucket for s in out[2:6]} == {"fixed_asset"}
    assert out[7].bucket == "receivable"
    off = suggest(chart, model=model, weights=Weights(scheme_term=0.0))
    assert {s.bucket for s in off[2:6]} == {"receivable"}


def test_the_parent_counts_more_where_the_name_has_no_detail_words() -> None:
    chart = [
        AccountInput(name="Assets"),
        AccountInput(name="Cash", parent_name="Assets"),
        AccountInput(name="Petty cash", parent_name="Cash"),
        AccountInput(name="Letters of credit", parent_name="Cash"),
    ]
    model = _rules_only()
    alone = suggest(chart, model=model)[-1]
    same = suggest(chart, model=model, weights=Weights(parent_alone=0.0))[-1]
    assert alone.bucket == same.bucket == "cash"
    assert alone.confidence > same.confidence


@pytest.mark.parametrize(
    ("name", "detail"),
    [
        ("Goods in transit", "inventory"),
        ("Work in process inventories", "inventory"),
        ("Productos elaborados", "inventory"),
        ("Advance to supplier", "prepayments"),
    ],
)
def test_stock_and_advances_words(name: str, detail: str) -> None:
    assert detail in detail_words(name)


def test_assets_held_for_sale_are_current() -> None:
    assert term_words("Non-current assets held for sale")[0] == "current"


def test_a_catch_all_class_yields_to_the_bucket_the_name_says() -> None:
    """SKR04's class 3 holds all the liabilities, its 35-38 the "other" ones: trade creditors
    numbered there are still trade creditors; and in a class of operating expenses an
    expense named after a fixed asset is its depreciation (the Dutch 48 "Afschrijvingen")."""
    rows = [
        ("0200", "Grundstücke"), ("1200", "Forderungen aus Lieferungen und Leistungen"),
        ("1800", "Bank"), ("2000", "Gezeichnetes Kapital"),
        ("3500", "Sonstige Verbindlichkeiten"),
        ("3510", "Verbindlichkeiten aus Lieferungen und Leistungen gegenüber Gesellschaftern"),
        ("3790", "Lohn- und Gehaltsverrechnung"), ("4000", "Umsatzerlöse"),
        ("6000", "Löhne und Gehälter"), ("6310", "Miete"), ("6330", "Gebäude"),
    ]  # fmt: skip
    chart = [AccountInput(name=name, code=code) for code, name in rows]
    model = _rules_only()
    out = {a.code: s for a, s in zip(chart, suggest(chart, model=model), strict=True)}
    assert out["3510"].reasons == ("scheme de_skr04",)
    assert out["3510"].bucket == "payable"
    assert out["6330"].bucket == "depreciation"
    assert out["3500"].bucket == "current_liability"
    off = suggest(chart, model=model, weights=Weights(named_over_catch_all=False))
    without = {a.code: s for a, s in zip(chart, off, strict=True)}
    assert without["3510"].bucket == "current_liability"
    assert without["6330"].bucket == "operating_expense"


def test_a_name_without_detail_words_takes_its_parents_bucket_over_the_catch_all() -> None:
    trade = "Verbindlichkeiten aus Lieferungen und Leistungen"
    rows = [
        ("0200", "Grundstücke", ""), ("1800", "Bank", ""), ("2000", "Gezeichnetes Kapital", ""),
        ("3500", "Sonstige Verbindlichkeiten", ""), ("3510", trade, ""),
        ("3511", "Müller GmbH", trade), ("3512", "Schmidt KG", trade),
        ("3790", "Lohn- und Gehaltsverrechnung", ""), ("4000", "Umsatzerlöse", ""),
        ("6000", "Löhne und Gehälter", ""), ("6310", "Miete", ""),
    ]  # fmt: skip
    chart = [AccountInput(name=n, code=c, parent_name=p) for c, n, p in rows]
    model = _rules_only()
    out = {a.code: s for a, s in zip(chart, suggest(chart, model=model), strict=True)}
    assert out["3511"].bucket == out["3512"].bucket == "payable"
    off = suggest(chart, model=model, weights=Weights(parent_names_bucket=False))
    assert {s.bucket for a, s in zip(chart, off, strict=True) if a.parent_name} == {
        "current_liability"
    }


def test_the_neighbours_say_current_or_not_more_than_the_bucket() -> None:
    """Measured: level-2 0.8231 -> 0.8270 with the consensus at prefix 2.0, siblings 1.5,
    half of it by subtype."""
    parent = "Current liabilities"
    names = ["Accrued expenses", "Accruals", "Provisions", "Deferred income", "Trade creditors"]
    chart = [AccountInput(name="Liabilities"), AccountInput(name=parent, parent_name="Liabilities")]
    chart += [AccountInput(name=name, parent_name=parent) for name in names]
    model = _rules_only()
    strong = Weights(bucket_siblings=4.0)
    assert suggest(chart, model=model, weights=strong)[-1].bucket == "payable"
    exact = dataclasses.replace(strong, bucket_subtype=0.0)
    assert suggest(chart, model=model, weights=exact)[-1].bucket == "current_liability"


def test_a_schemes_bucket_the_charts_own_names_contradict_is_not_used() -> None:
    """A US "15" holds fixed assets; a chart numbered alike whose 15 holds its stock keeps
    the scheme's word on the type (asset), not on the bucket."""
    rows = [
        ("1000", "Cash"), ("1100", "Accounts receivable"), ("1500", "Raw materials"),
        ("1510", "Finished goods"), ("1520", "Work in progress"), ("1530", "Merchandise"),
        ("1700", "Buildings"), ("2000", "Accounts payable"), ("3000", "Share capital"),
        ("4000", "Sales"), ("6000", "Rent"),
    ]  # fmt: skip
    chart = [AccountInput(name=name, code=code, country="US") for code, name in rows]
    model = _rules_only()
    out = {a.code: s for a, s in zip(chart, suggest(chart, model=model), strict=True)}
    assert {out[c].bucket for c in ("1500", "1510", "1520", "1530")} == {"current_asset"}
    assert out["1700"].bucket == "fixed_asset"
    off = suggest(chart, model=model, weights=Weights(scheme_bucket_agreement=0.0))
    assert {s.bucket for a, s in zip(chart, off, strict=True) if a.code[:2] == "15"} == {
        "fixed_asset"
    }


def test_a_scheme_whose_names_agree_or_are_too_few_to_tell_keeps_its_bucket() -> None:
    rows = [
        ("1000", "Cash"), ("1500", "Machinery"), ("1510", "Vehicles"), ("1520", "Raw materials"),
        ("1530", "Computers"), ("1540", "Furniture"), ("2000", "Accounts payable"),
        ("3000", "Share capital"), ("4000", "Sales"),
    ]  # fmt: skip
    chart = [AccountInput(name=name, code=code, country="US") for code, name in rows]
    out = suggest(chart, model=_rules_only())
    assert out[3].bucket == "fixed_asset"  # one name of five says stock: the scheme holds


def test_stock_or_a_cost_of_sales_named_among_operating_expenses_is_a_cost_of_sales() -> None:
    rows = [
        ("1000", "Cash"), ("2000", "Accounts payable"), ("3000", "Share capital"),
        ("4000", "Sales"), ("6000", "Rent"), ("6100", "Raw materials"),
        ("6200", "Cost of goods sold"), ("6300", "Telephone"),
    ]  # fmt: skip
    chart = [AccountInput(name=name, code=code, country="US") for code, name in rows]
    model = _rules_only()
    out = suggest(chart, model=model)
    assert [s.bucket for s in out[5:8]] == ["cost_of_sales", "cost_of_sales", "operating_expense"]
    off = suggest(
        chart,
        model=model,
        weights=Weights(inventory_expense=0.0, cost_of_sales_over_catch_all=False),
    )
    assert [s.bucket for s in off[5:7]] == ["operating_expense", "operating_expense"]


def test_only_a_name_or_the_platform_makes_a_credit_card() -> None:
    credit_card = buckets().index("credit_card")
    model = _rules_only()
    # a model that learnt the codes of one chart's credit cards and says it of any account
    weights = np.zeros((0, len(buckets())), np.float32)
    bias = np.zeros(len(buckets()), np.float32)
    bias[credit_card] = 12.0
    biased = LinearModel(
        keys=model.keys, heads={**model.heads, "bucket": Head(buckets(), weights, bias)}
    )
    chart = [
        AccountInput(name="Facility A", code="2100"),
        AccountInput(name="Amex business card", code="2110"),
        AccountInput(name="Company card 1", code="2120", parent_name="Credit cards"),
        AccountInput(name="Card 2", code="2130", platform_type="CREDITCARD"),
    ]
    out = suggest(chart, model=biased)
    assert out[0].bucket != "credit_card"
    assert [s.bucket for s in out[1:]] == ["credit_card"] * 3
    off = suggest(chart, model=biased, weights=Weights(unnamed_credit_card=0.0))
    assert off[0].bucket == "credit_card"
