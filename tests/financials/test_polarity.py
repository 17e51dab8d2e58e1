"""Which side an account's own name puts it on: a gain or a loss, tax to recover or to pay."""

from __future__ import annotations

import pytest

from ledgerlink.financials.categorise.engine import (
    AccountInput,
    Weights,
    detail_words,
    polarity_words,
    suggest,
    type_words,
)
from tests.financials.test_level2 import _rules_only


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Foreign Exchange Gain", "income"),
        ("Forex Gain", "income"),
        ("Ganho Cambial", "income"),
        ("Variações Cambiais Ativas", "income"),
        ("Dodatnie różnice kursowe", "income"),
        ("Otrzymane odsetki", "income"),  # interest received, though "odsetki" alone is paid
        ("Interessi attivi da banche", "income"),
        ("Gewerbesteuererstattungen Vorjahre", "income"),  # a tax refund
        ("Reversal of impairment losses", "income"),  # the reversal of a loss
        ("Reversão das Perdas Estimadas", "income"),
        ("Utilidad cambiaria", "income"),
        ("Exchange loss", "expense"),
        ("Pertes de change", "expense"),
        ("Ujemne różnice kursowe", "expense"),
        ("Kursverluste", "expense"),
        ("Wartość sprzedanych towarów", "expense"),  # the value of goods sold: their cost
        ("Andere aktivierte Eigenleistungen", "income"),  # own work capitalised
        ("Value of goods sold at retail", "expense"),
        ("(-) COFINS Sobre Receita Bruta", "expense"),  # a tax on revenue, deducted from it
        # Spanish PGC groups 8 and 9: a loss moved out of equity is income, a gain moved is expense
        ("Transferencia de pérdidas por coberturas de flujos de efectivo", "income"),
        ("Transfer of gains on cash flow hedges", "expense"),
    ],
)
def test_a_gain_or_a_loss_says_income_or_expense(name, kind):
    assert type_words(name)[:1] == [kind]


@pytest.mark.parametrize(
    ("name", "detail"),
    [
        ("VAT deductible pro-rata on purchases", "other_current_assets"),
        ("Recoverable VAT Input - Reverse Charge", "other_current_assets"),
        ("Crédit de TVA à reporter", "other_current_assets"),
        ("TVA récupérable sur immobilisations", "other_current_assets"),
        ("Btw te vorderen hoog", "other_current_assets"),
        ("IVA crédito fiscal", "other_current_assets"),
        ("Impuestos por cobrar", "other_current_assets"),
        ("Rozliczenie naliczonego VAT", "other_current_assets"),
        ("Ддс за възстановяване", "other_current_assets"),
        ("مدخلات ضريبة القيمة المضافة", "other_current_assets"),  # VAT inputs
        ("ضريبة القيمة المضافة التي تم دفعها على السلع", "other_current_assets"),  # VAT paid
        ("VAT on overheads activities with right to recover", "other_current_assets"),
        ("IVA - Reembolsos pedidos", "other_current_assets"),  # VAT refunds claimed
        ("VAT payable", "tax_liabilities"),
        ("IVA por pagar", "tax_liabilities"),
        ("TVA collectée", "tax_liabilities"),
        ("Btw af te dragen hoog", "tax_liabilities"),
        ("ضريبة القيمة المضافة مستحقة الدفع", "tax_liabilities"),  # VAT payable
        ("Zurückzuzahlende Vorsteuer", "tax_liabilities"),  # input tax to be paid back
    ],
)
def test_tax_to_recover_is_an_asset_and_tax_to_pay_a_liability(name, detail):
    assert detail_words(name)[:1] == [detail]


def test_where_the_scheme_allows_both_sides_the_tax_name_decides():
    # French class 44 holds the state's debts and claims alike
    rows = [
        ("445660", "TVA déductible sur autres biens et services"),
        ("445670", "Crédit de TVA à reporter"),
        ("445710", "TVA collectée"),
        ("445510", "TVA à décaisser"),
    ]
    chart = [AccountInput(name=name, code=code, country="FR") for code, name in rows]
    out = {a.code: s.type for a, s in zip(chart, suggest(chart, model=_rules_only()), strict=True)}
    assert (out["445660"], out["445670"]) == ("asset", "asset")
    assert (out["445710"], out["445510"]) == ("liability", "liability")


def test_where_the_scheme_says_only_profit_and_loss_gains_and_losses_decide():
    # Polish class 7 holds income and costs under one group
    group = "Przychody i koszty finansowe"
    rows = [
        ("75", group, ""),
        ("750", "Otrzymane odsetki", group),
        ("751", "Dodatnie różnice kursowe", group),
        ("752", "Ujemne różnice kursowe", group),
        ("753", "Odsetki zapłacone", group),
    ]
    chart = [AccountInput(name=n, code=c, parent_name=p, country="PL") for c, n, p in rows]
    out = {a.code: s.type for a, s in zip(chart, suggest(chart, model=_rules_only()), strict=True)}
    assert (out["750"], out["751"]) == ("income", "income")
    assert (out["752"], out["753"]) == ("expense", "expense")


def test_a_gain_named_outright_is_income_even_in_a_class_of_costs():
    # US-style charts number other income and expenses alike in the 6000s-9000s
    rows = [
        ("6100", "Office supplies"),
        ("6200", "Foreign Exchange Gain"),
        # a name of both opens the class too; its words decide, the first one first
        ("6300", "Gains/Losses on disposal of assets"),
        ("6400", "Exchange Loss/Gain"),
        ("4100", "Sales"),
        ("4200", "Exchange losses"),
    ]
    chart = [AccountInput(name=name, code=code, country="US") for code, name in rows]
    model = _rules_only()
    out = {a.code: s.type for a, s in zip(chart, suggest(chart, model=model), strict=True)}
    assert out == {"6100": "expense", "6200": "income", "6300": "income", "6400": "expense",
                   "4100": "income", "4200": "expense"}  # fmt: skip
    closed = Weights(polarity_opens_class=False)
    off = {a.code: s.type for a, s in zip(chart, suggest(chart, model, closed), strict=True)}
    assert (off["6200"], off["4200"]) == ("expense", "income")
    assert polarity_words("Foreign Exchange Gain") == ["income"]
    assert polarity_words("Gains/Losses on disposal of assets") == ["income", "expense"]
    assert polarity_words("Buitengewone lasten") == ["expense"]  # extraordinary charges
    assert polarity_words("Other income") == ["income"]
    assert polarity_words("Other income taxes") == ["expense"]  # a tax, no income
    assert polarity_words("Kostprijs verkopen A") == ["expense"]  # cost of sales among sales
    assert polarity_words("Faida za Wafanyikazi") == ["expense"]  # employee benefits, no gain


@pytest.mark.parametrize(
    ("name", "detail"),
    [
        # extraordinary income, not "außerordentliche" (extraordinary) costs
        ("Außerordentliche Erträge", "other_income"),
        ("Extraordinary profits", "other_income"),
        ("Extraordinary expenses", "other_expenses"),
        ("Erträge aus Beteiligungen", "other_income"),  # income from investments, no investment
        ("Cash Difference Gain", "other_income"),  # not cash
        ("Cash Difference Loss", "other_expenses"),
    ],
)
def test_income_named_after_what_earns_it_is_still_income(name, detail):
    assert detail_words(name)[:1] == [detail]


def test_a_gain_among_costs_is_not_outvoted_by_its_code_neighbours():
    costs = ["Office supplies", "Postage", "Printing", "Insurance", "Repairs", "Cleaning"]
    rows = [("6200", "Foreign Exchange Gain")] + [(f"62{i:02d}", n) for i, n in enumerate(costs, 1)]
    chart = [AccountInput(name=name, code=code, country="US") for code, name in rows]
    model = _rules_only()
    assert suggest(chart, model)[0].type == "income"
    # were the neighbours to count fully, six costs would outvote the name
    assert suggest(chart, model, Weights(mixed_prefix=1.0))[0].type == "expense"


def test_loss_alone_names_no_type():
    # "Loss of value of …" is an impairment allowance among the assets as often as a cost:
    # "loss" alone gives no type, only "losses" and named losses do
    assert type_words("Loss of value of libraries") == []
    assert detail_words("Loss of value of libraries") == []
    assert type_words("Exchange loss")[:1] == ["expense"]


def test_a_name_marked_as_a_deduction_is_no_income():
    # Brazilian class 3 holds the results; "(-)" marks what is deducted from them
    rows = [
        ("3.01.01.05.01.01", "Other operating income"),
        ("3.01.01.05.01.02", "Rental income"),
        ("3.01.01.05.01.03", "(-) Compensation to Managers and Board of Directors"),
        ("1.02.03.01.02", "Machinery"),
        ("1.02.03.01.03", "(-) Accumulated depreciation of machinery"),
    ]
    chart = [AccountInput(name=name, code=code, country="BR") for code, name in rows]
    model = _rules_only()
    # (its section's other accounts, all income, not counted: the mark against the prefixes)
    marked = Weights(code_section=0.0)
    out = {a.code: s.type for a, s in zip(chart, suggest(chart, model, marked), strict=True)}
    assert out["3.01.01.05.01.03"] == "expense"
    assert out["1.02.03.01.03"] == "asset"  # on the balance sheet, a contra account of its group
    off = suggest(chart, model=model, weights=Weights(code_section=0.0, deduction=0.0))
    assert off[2].type == "income"  # its neighbours' type, without the mark


@pytest.mark.parametrize(
    ("name", "kinds"),
    [
        ("PROVENTI FINANZIARI", ["income"]),  # financial income, numbered among the costs
        ("Sopravvenienze attive", ["income"]),
        ("Finanzerträge", ["income"]),
        ("Oneri finanziari vari", ["expense"]),
        ("Finance costs", ["expense"]),
        # costs transferred out are credits: income, though they name financial charges
        ("Transferts de charges financières", ["income"]),
        ("Transfer of Financial Expenses - Other Financial Expenses", ["income"]),
    ],
)
def test_financial_income_and_costs_named_outright(name, kinds):
    assert polarity_words(name) == kinds
