"""The hand-written lexicon: compound endings, languages the model never saw, short/long term."""

from __future__ import annotations

from ledgerlink.financials.categorise.engine import (
    AccountInput,
    detail_words,
    named_type,
    suggest,
    term_words,
    type_words,
)
from ledgerlink.financials.categorise.text import build_keyword_index, normalise, repair_mojibake
from tests.financials.test_level2 import _rules_only


def test_an_ending_matches_a_compound_but_never_the_whole_word():
    index = build_keyword_index({"rent_and_premises": ["*miete"], "travel": ["reise*"]})
    assert index.matches(["raummiete"]) == ["rent_and_premises"]
    assert index.matches(["miete"]) == []
    assert index.matches(["reisekosten"]) == ["travel"]
    assert index.matches(["dienstreise"]) == []


def test_type_words_in_languages_the_model_was_not_trained_on():
    assert type_words("Ταξίδια") == ["expense"]
    assert type_words("Satışların maliyeti") == ["expense"]
    assert type_words("Провизионни приходи") == ["income"]
    assert type_words("Mietaufwand") == ["expense"]
    assert type_words("Kapitalrücklage") == ["equity"]
    assert type_words("Zzyzx") == []
    assert type_words("Usawa Mbalimbali") == ["equity"]  # sw: other equity
    assert "share_capital" in detail_words("Μετοχικό κεφάλαιο")


def test_long_term_and_short_term_words_decide_current_or_not():
    assert term_words("Non-current loans")[0] == "non_current"
    assert term_words("Deudas a largo plazo") == ["non_current"]
    assert term_words("Kratkoročni krediti") == ["current"]
    assert term_words("Bank charges") == []
    # Portuguese and Spanish say current by "corrente" / "corriente"; "não corrente" wins
    assert term_words("Outros financiamentos - (CORRENTE)") == ["current"]
    assert term_words("Activo corriente") == ["current"]
    assert term_words("Empréstimos (NÃO CORRENTE)")[0] == "non_current"
    assert term_words("Pasivos no corrientes")[0] == "non_current"
    chart = [
        AccountInput(name="Bankdarlehen langfristig", code="", parent_name="Verbindlichkeiten"),
        AccountInput(name="Bankdarlehen kurzfristig", code="", parent_name="Verbindlichkeiten"),
    ]
    long_loan, short_loan = suggest(chart)
    assert (long_loan.type, long_loan.subtype) == ("liability", "non_current_liability")
    assert (short_loan.type, short_loan.subtype) == ("liability", "current_liability")


def test_a_group_of_income_and_costs_names_neither_for_its_accounts():
    # Polish class 7 pairs each income with its costs under one group
    assert named_type("Przychody i koszty finansowe") == []
    assert named_type("Przychody finansowe") == ["income"]
    group = "Przychody i koszty finansowe"
    rows = [
        ("7", "Przychody i koszty", ""), ("75", group, "Przychody i koszty"),
        ("750", "Przychody finansowe", group), ("751", "Koszty finansowe", group),
        ("7512", "Odsetki zapłacone", group), ("7514", "Ujemne różnice kursowe", group),
    ]  # fmt: skip
    chart = [AccountInput(name=name, code=code, parent_name=parent) for code, name, parent in rows]
    out = {a.code: s for a, s in zip(chart, suggest(chart), strict=True)}
    # interest paid and exchange losses: the group's first word ("income") no longer decides
    assert out["7512"].type == out["7514"].type == "expense"


def test_a_type_word_inside_a_longer_type_phrase_is_not_read_again_on_its_own():
    # "eigen vermogen" is equity; "vermogen" alone (German "Vermögen") is assets
    assert type_words("Eigen vermogen") == ["equity"]
    assert type_words("Vermögen") == ["asset"]
    assert type_words("Vaste activa en eigen vermogen") == ["asset", "equity"]
    # "cost of sales" is a cost, not also "sales" (income): not a group of both
    assert type_words("Costs chargeable to cost of sales") == ["expense"]
    assert named_type("Purchases and costs chargeable to cost of sales") == ["expense"]


def test_dutch_sales_and_cost_of_sales_under_one_group():
    # "verkopen" is sales; "kostprijs verkopen" is their cost, not also sales
    assert type_words("Kostprijs verkopen") == ["expense"]
    assert detail_words("Kostprijs verkopen") == ["cost_of_sales"]
    group = "VERKOOPRESULTATEN"
    chart = [
        AccountInput(name=group),
        AccountInput(name="Verkopen handel hoog", parent_name=group),
        AccountInput(name="Verkopen fabricage laag", parent_name=group),
        AccountInput(name="Kostprijs verkopen", parent_name=group),
    ]
    out = {a.name: s for a, s in zip(chart, suggest(chart), strict=True)}
    assert out["Verkopen handel hoog"].detail == out["Verkopen fabricage laag"].detail == "revenue"
    assert out["Kostprijs verkopen"].detail == "cost_of_sales"


def test_a_chart_whose_encoding_was_misread_is_read_as_written():
    # Polish names written in ISO-8859-2 and read as Latin-1; UTF-8 read as cp1252
    assert normalise("Sprzeda¿ us³ug na kraj") == "sprzedaz usług na kraj"
    assert type_words("Sprzeda¿ produktów") == ["income"]
    assert normalise("¦rodki pieniê¿ne") == "srodki pieniezne"
    assert normalise("CrÃ©ances clients") == "creances clients"
    # text that is as written stays as it is
    assert repair_mojibake("DIVISÃO DE CAPITAL") == "DIVISÃO DE CAPITAL"
    assert repair_mojibake("Intérêts à recevoir") == "Intérêts à recevoir"
    assert repair_mojibake("¿Qué es?") == "¿Qué es?"
    assert repair_mojibake("Eau m³ à payer") == "Eau m³ à payer"  # a cubic metre
    assert repair_mojibake("Œuvres sociales") == "Œuvres sociales"


def test_polish_names_written_in_windows_cp1250_are_repaired_as_cp1250():
    # "ą" read as cp1252 is "¹", which ISO-8859-2 would make "š"
    assert repair_mojibake("Zobowi¹zania z tytu³u dostaw") == "Zobowiązania z tytułu dostaw"


def test_a_top_group_of_cost_or_income_accounts_names_its_type():
    assert type_words("Kostenrekeningen") == ["expense"]
    assert type_words("Opbrengstrekeningen") == ["income"]
    assert type_words("Ertragskonten") == ["income"]
    assert type_words("Overige inkomsten") == ["income"]
    assert type_words("Inkomsten belastingen") == ["expense"]  # a tax on income is a cost

    # "Gebouwen" (buildings) under "Afschrijvingen" under the cost accounts: a depreciation
    def buildings_under(top: str) -> str:
        chart = [
            AccountInput(name=top),
            AccountInput(name="Afschrijvingen", parent_name=top),
            AccountInput(name="Gebouwen", parent_name="Afschrijvingen"),
        ]
        return suggest(chart, model=_rules_only())[2].type

    assert buildings_under("Kostenrekeningen") == "expense"
    assert buildings_under("Diversen") == "asset"  # a top group that names no type


def test_dutch_taxes_on_the_result_are_costs_and_taxes_alone_name_no_type():
    assert type_words("Belastingen gewoon resultaat") == ["expense"]
    assert type_words("Belasting Voorgaande Jaren") == ["expense"]
    assert type_words("Belastingen") == []  # a group of tax payable too


def test_revaluation_surplus_and_other_comprehensive_income_are_equity():
    # an equity reserve, not the income its name ends with
    assert type_words("Other comprehensive income") == ["equity"]
    assert type_words("Property, plant and equipment revaluation surplus") == ["equity"]
    assert type_words("Undistributed Profits/Losses")[:1] == ["equity"]
