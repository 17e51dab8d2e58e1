"""Numbering schemes: code parsing, national prefix rules, and detection from a whole chart."""

from __future__ import annotations

import numpy as np
import pytest

from ledgerlink.financials.categorise.engine import (
    TYPES,
    AccountInput,
    Weights,
    _dotted,
    _scheme_values,
    _types_of,
    chart_digits,
    suggest,
    term_words,
)
from ledgerlink.financials.categorise.schemes import schemes
from ledgerlink.financials.categorise.text import account_code, code_digits


def test_a_range_of_codes_is_read_as_its_first_code_and_dotted_sections_are_joined():
    assert code_digits("0010-0249") == "0010"
    assert code_digits("0675-0676+0680-0689") == "0675"
    assert code_digits("3754-3770+3790") == "3754"
    assert code_digits("1.01.02") == "10102"
    assert code_digits("4400") == "4400"


def test_a_code_written_at_the_start_of_the_name_is_used_when_the_code_is_empty():
    assert account_code("", "109-Actionnaires: Capital souscrit - non appelé") == "109"
    assert account_code("", "1-Comptes de Capitaux") == "1"
    assert account_code("", "10% ISR retenido") == ""  # a rate, not a code
    assert account_code("", "Bank charges") == ""
    assert account_code("512", "109-Actionnaires") == "512"  # the given code wins


def test_a_first_section_every_code_shares_is_dropped():
    shared = [AccountInput(name="x", code=f"0.{code}") for code in range(211001, 211031)]
    assert chart_digits(shared)[0] == "211001"
    mixed = [AccountInput(name="x", code=f"{i % 3 + 1}.{code}") for i, code in enumerate(range(30))]
    assert chart_digits(mixed)[0] == "10"
    few = [AccountInput(name="x", code=f"0.{code}") for code in range(5)]
    assert chart_digits(few)[0] == "00"  # too few codes to tell


def test_a_value_may_allow_several_types():
    assert _types_of("current_asset|current_liability") == ("asset", "liability")
    assert _types_of("liability|equity") == ("liability", "equity")
    assert _types_of("pl") == ("income", "expense")
    assert _types_of("receivable") == ("asset",)


@pytest.mark.parametrize(
    ("scheme", "code", "value"),
    [
        ("de_skr03", "1600", "payable"),
        ("de_skr03", "2650", "other_income"),  # non-operating income 2500-2799
        ("de_skr03", "2100", "other_expense"),
        ("de_skr03", "0631", "liability"),  # loans of any remaining term
        ("de_skr03", "0985", "current_asset"),  # prepaid expenses
        ("de_skr03", "7110", "current_asset"),  # inventories
        ("de_skr03", "3980", "current_asset"),  # goods in stock (Bestand) among the purchases
        ("de_skr03", "3400", "cost_of_sales"),
        ("de_skr04", "3300", "payable"),
        ("de_skr04", "7300", "other_expense"),
        ("de_skr49", "1040", "liability|equity"),  # passive side: reserves and debts
        ("de_skr49", "6000", "pl"),  # receipts and expenditure per area
        ("fr_pcg", "4457", "current_asset|current_liability"),  # VAT, both sides
        ("fr_pcg", "4091", "current_asset"),  # suppliers in debit
        ("fr_pcg", "2761", "fixed_asset"),  # financial fixed assets
        ("fr_pcg", "84", "other_income"),  # SYSCOHADA HAO products
        ("fr_pcg", "83", "other_expense"),  # SYSCOHADA HAO charges
        ("yu_kontni", "6300", "current_asset"),  # finished goods (Croatia, Slovenia)
        ("yu_kontni", "9000", "equity"),
        ("yu_kontni", "9700", "non_current_liability"),
        ("rs_kontni", "3000", "equity"),
        ("rs_kontni", "6000", "revenue"),
        ("pl_zpk", "2010", "asset|liability"),  # settlements
        ("pl_zpk", "8010", "equity"),
        ("bg_nsp", "4910", "current_asset|current_liability"),  # sundry debtors and creditors
        ("bg_nsp", "4090", "payable"),  # no French exception for suppliers in debit
        ("de_skr04", "7610", "other_expense"),  # taxes on income
        ("it_cee", "6480006", "liability"),
        ("pt_snc", "2432", "current_asset|current_liability"),  # the state: both sides
        ("nl_rgs", "0501010", "non_current_asset|equity"),  # RGS equity, decimal participations
        ("nl_rgs", "0610", "equity"),
        ("nl_rgs", "1501", "current_liability"),
        ("es_pgc", "8340", "other_expense"),  # a tax "ingreso" among expenses in equity
        ("es_pgc", "9020", "other_income"),  # income recognised in equity
        ("es_pgc", "4600", "current_asset"),  # salary advances among the staff's accounts
        ("es_pgc", "4740", "non_current_asset"),  # deferred tax assets among the state's
        ("es_pgc", "4750", "current_liability"),
        ("fr_pcg", "9210", "pl"),  # cost accounting
    ],
)
def test_national_prefix_rules(scheme, code, value):
    assert schemes()[scheme].lookup(code) == value


def _chart(rows: list[tuple[str, str]]) -> list[AccountInput]:
    return [AccountInput(name=name, code=code) for code, name in rows]


def test_a_croatian_chart_reads_class_6_as_stock_and_class_9_as_equity():
    chart = _chart([
        ("0100", "Zemljište"), ("0300", "Postrojenja i oprema"), ("1000", "Žiro račun"),
        ("1020", "Blagajna"), ("1200", "Potraživanja od kupaca"),
        ("2200", "Obveze prema dobavljačima"), ("2300", "Obveze za plaće"),
        ("3100", "Sirovine i materijal na zalihi"), ("4000", "Troškovi sirovina i materijala"),
        ("4100", "Troškovi usluga"), ("4300", "Amortizacija"),
        ("6300", "Gotovi proizvodi na skladištu"), ("6600", "Roba na skladištu"),
        ("7500", "Prihodi od prodaje robe"), ("9000", "Temeljni kapital"),
        ("9200", "Zakonske pričuve"), ("9400", "Zadržani dobitak"),
    ])  # fmt: skip
    out = {a.code: s for a, s in zip(chart, suggest(chart), strict=True)}
    assert out["6300"].reasons == ("scheme yu_kontni",)
    assert out["6300"].type == out["6600"].type == "asset"  # a French chart's 6 is expenses
    assert out["9000"].type == out["9200"].type == out["9400"].type == "equity"
    assert out["2200"].bucket == "payable"
    assert out["4300"].bucket == "depreciation"


def test_skr03_with_english_names_is_still_skr03():
    chart = _chart([
        ("0027", "Software"), ("0210", "Machinery"), ("0800", "Subscribed capital"),
        ("1000", "Cash"), ("1200", "Bank"), ("1400", "Trade receivables"),
        ("1600", "Trade payables"), ("1776", "Output VAT 19%"),
        ("3400", "Purchases of goods 19% input tax"),
        ("3736", "Cash discounts received 19% input tax"), ("4120", "Salaries"),
        ("4210", "Rent"), ("7000", "Work in progress"), ("7110", "Finished goods"),
        ("8400", "Revenue 19% VAT"), ("2650", "Other interest and similar income"),
    ])  # fmt: skip
    out = {a.code: s for a, s in zip(chart, suggest(chart), strict=True)}
    assert out["1000"].reasons == ("scheme de_skr03",)
    assert out["3400"].type == out["3736"].type == "expense"  # Dutch 3 would be stock
    assert out["7000"].type == out["7110"].type == "asset"  # Dutch 7 would be cost of sales
    assert out["2650"].type == "income"


def test_the_remaining_term_of_a_german_charts_liability_decides_current_or_not():
    assert term_words("Darlehen - Restlaufzeit bis 1 Jahr") == ["current"]
    assert term_words("Darlehen - Restlaufzeit 1 bis 5 Jahre") == ["non_current"]
    assert term_words("Darlehen - Restlaufzeit größer 5 Jahre") == ["non_current"]
    assert term_words("Loans - remaining term between 1 and 5 years") == ["non_current"]
    assert term_words("Loans - remaining term up to 1 year") == ["current"]


def test_where_the_scheme_allows_two_types_the_name_outweighs_the_code_neighbours():
    rows = [
        ("101", "Capital"), ("106", "Réserves"), ("211", "Terrains"), ("213", "Constructions"),
        ("31", "Matières premières"), ("401", "Fournisseurs"), ("411", "Clients"),
        ("421", "Personnel - rémunérations dues"), ("431", "Sécurité sociale"),
        ("4452", "TVA due intracommunautaire"),
        ("4455", "Taxes sur le chiffre d'affaires à décaisser"), ("44571", "TVA collectée"),
        ("4458", "Taxes sur le chiffre d'affaires à régulariser"),
        ("4441", "État - impôts sur les bénéfices"),
        ("44566", "TVA déductible sur autres biens et services"), ("512", "Banque"),
        ("601", "Achats de matières premières"), ("641", "Rémunérations du personnel"),
        ("701", "Ventes de produits finis"), ("706", "Prestations de services"),
    ]  # fmt: skip
    chart = [AccountInput(name=name, code=code, country="FR") for code, name in rows]
    # French 44 holds both VAT owed and VAT to recover: mostly liabilities around it
    deductible = 14
    assert rows[deductible][0] == "44566"
    assert suggest(chart)[deductible].type == "asset"
    # with the code neighbours counting fully, the lone asset of the class goes with them
    assert suggest(chart, weights=Weights(mixed_prefix=1.0))[deductible].type == "liability"


def test_interest_numbered_among_the_overheads_is_still_interest():
    # Xero's default chart: 2xx revenue, 4xx overheads; interest sits among both.
    chart = [
        ("090", "Business Current Account"),
        ("200", "Sales"),
        ("260", "Other Revenue"),
        ("270", "Interest Income"),
        ("400", "Advertising"),
        ("404", "Bank Fees"),
        ("433", "Insurance"),
        ("437", "Interest Expense"),
        ("469", "Rent"),
        ("800", "Accounts Payable"),
    ]
    suggested = suggest([AccountInput(code=c, name=n) for c, n in chart])
    out = dict(zip((n for _, n in chart), suggested, strict=True))
    assert out["Interest Expense"].detail == "interest_expense"
    assert out["Interest Income"].detail == "interest_income"
    assert out["Insurance"].subtype == "operating_expense"  # the class's own bucket elsewhere
    assert out["Sales"].subtype == "revenue"


def test_interest_typed_expense_by_the_platform_is_still_interest():
    # Xero types its default 437 Interest Expense "EXPENSE", like every overhead.
    chart = [
        ("404", "Bank Fees", "EXPENSE"),
        ("433", "Insurance", "EXPENSE"),
        ("437", "Interest Expense", "EXPENSE"),
        ("270", "Interest Income", "REVENUE"),
    ]
    suggested = suggest([AccountInput(code=c, name=n, platform_type=t) for c, n, t in chart])
    out = dict(zip((n for _, n, _ in chart), suggested, strict=True))
    assert out["Interest Expense"].detail == "interest_expense"
    assert out["Interest Income"].detail == "interest_income"
    assert out["Insurance"].subtype == "operating_expense"


def test_a_company_number_before_a_plain_code_does_not_make_the_codes_dotted():
    plain = [AccountInput(name="x", code=f"0.{code}") for code in range(111301, 111331)]
    assert not _dotted(plain, [code_digits(a.code) for a in plain])
    sections = [AccountInput(name="x", code=f"1.01.{i:02}") for i in range(30)]
    assert _dotted(sections, [code_digits(a.code) for a in sections])


def _names_say(kinds: list[str]) -> np.ndarray:
    """Type probabilities as if each account's name said its type plainly."""
    prob = np.full((len(kinds), len(TYPES)), 0.025, dtype=np.float32)
    for i, kind in enumerate(kinds):
        prob[i, TYPES.index(kind)] = 0.9
    return prob


def test_a_plain_chart_behind_a_company_number_is_not_read_as_the_brazilian_plan():
    # 1 assets, 2 liabilities, 3 equity, 4 income, 5 expenses; the names of class 5 say
    # little ("Salarios 1"), so the codes' agreement rests on classes 1-3
    rows = [(f"1{i:05}", "asset") for i in range(10)] + [
        (f"2{i:05}", "liability") for i in range(6)
    ]
    rows += [(f"3{i:05}", "equity") for i in range(4)] + [(f"5{i:05}", "asset") for i in range(8)]
    chart = [AccountInput(name="x", code=f"0.{code}") for code, _kind in rows]
    scheme, _values, _agreement = _scheme_values(
        chart, _names_say([kind for _code, kind in rows]), 0.55
    )
    assert scheme is None or scheme.key != "br_plano"  # Brazilian 3 is the P&L


def test_a_spanish_chart_in_catalan_is_read_as_the_spanish_plan():
    # classes where the French, Belgian and Spanish plans agree; the names are Catalan
    rows = [
        ("100", "Capital social", "equity"), ("112", "Reserva legal i estatutària", "equity"),
        ("211", "Construccions", "asset"), ("213", "Maquinària", "asset"),
        ("215", "Altres instal·lacions", "asset"), ("216", "Mobiliari", "asset"),
        ("217", "Equips per a processos d'informació", "asset"),
        ("218", "Elements de transport", "asset"), ("300", "Mercaderies", "asset"),
        ("600", "Compres de mercaderies", "expense"),
        ("606", "Descomptes sobre compres", "expense"),
        ("610", "Variació d'existències de mercaderies", "expense"),
        ("621", "Arrendaments i cànons", "expense"),
        ("622", "Reparacions i conservació", "expense"),
        ("623", "Serveis de professionals independents", "expense"),
        ("625", "Primes d'assegurances", "expense"),
        ("626", "Serveis bancaris i similars", "expense"),
        ("629", "Altres serveis", "expense"), ("631", "Altres tributs", "expense"),
        ("640", "Sous i salaris", "expense"), ("649", "Altres despeses socials", "expense"),
        ("662", "Interessos de deutes", "expense"),
        ("669", "Altres despeses financeres", "expense"),
        ("681", "Amortització de l'immobilitzat material", "expense"),
        ("700", "Vendes de mercaderies", "income"), ("705", "Prestacions de serveis", "income"),
        ("708", "Devolucions de vendes i operacions similars", "income"),
        ("769", "Altres ingressos financers", "income"),
        # Catalan "en" is also Dutch "and", one of the Belgian plan's words
        ("240", "Participacions a llarg termini en parts vinculades", "asset"),
        ("250", "Inversions financeres en instruments de patrimoni", "asset"),
        ("260", "Fiances constituïdes a llarg termini en efectiu", "asset"),
        ("302", "Mercaderies en trànsit", "asset"),
        ("602", "Compres en altres aprovisionaments", "expense"),
        ("607", "Treballs realitzats per altres empreses en obra", "expense"),
        ("627", "Publicitat i relacions públiques en mitjans", "expense"),
    ]  # fmt: skip
    chart = [AccountInput(name=name, code=code) for code, name, _kind in rows]
    scheme, _values, _agreement = _scheme_values(
        chart, _names_say([kind for _c, _n, kind in rows]), 0.55, 0.5, 0.03
    )
    assert scheme is not None
    assert scheme.key == "es_pgc"


def test_the_bulgarian_plan_is_told_from_the_french_one_only_by_bulgarian_names():
    rows = [
        ("101", "Основен капитал", "Share capital", "equity"),
        ("111", "Законови резерви", "Legal reserves", "equity"),
        ("122", "Непокрита загуба", "Uncovered loss", "equity"),
        ("152", "Дългосрочни заеми", "Long-term loans", "liability"),
        ("201", "Земи", "Land", "asset"), ("203", "Сгради", "Buildings", "asset"),
        ("204", "Машини и оборудване", "Machinery and equipment", "asset"),
        ("241", "Амортизация на сгради", "Depreciation of buildings", "asset"),
        ("302", "Материали", "Materials", "asset"), ("304", "Стоки", "Goods", "asset"),
        ("401", "Доставчици", "Suppliers", "liability"),
        ("409", "Други разчети с доставчици", "Other settlements with suppliers", "liability"),
        ("411", "Клиенти", "Customers", "asset"),
        ("419", "Други разчети с клиенти", "Other settlements with customers", "asset"),
        ("421", "Персонал", "Staff", "liability"),
        ("453", "Разчети за данък върху добавената стойност", "VAT", "liability"),
        ("461", "Разчети с осигурители", "Social security", "liability"),
        ("498", "Други дебитори", "Other debtors", "asset"),
        ("499", "Други кредитори", "Other creditors", "liability"),
        ("501", "Каса", "Cash", "asset"), ("503", "Разплащателна сметка", "Bank", "asset"),
        ("601", "Разходи за материали", "Materials expense", "expense"),
        ("602", "Разходи за външни услуги", "External services", "expense"),
        ("603", "Разходи за амортизации", "Depreciation", "expense"),
        ("604", "Разходи за заплати", "Salaries", "expense"),
        ("702", "Приходи от продажби на стоки", "Sales of goods", "income"),
        ("703", "Приходи от продажби на услуги", "Sales of services", "income"),
    ]  # fmt: skip
    kinds = _names_say([kind for *_names, kind in rows])
    bulgarian = [AccountInput(name=bg, code=code) for code, bg, _en, _kind in rows]
    english = [AccountInput(name=en, code=code) for code, _bg, en, _kind in rows]
    chosen, _values, _agreement = _scheme_values(bulgarian, kinds, 0.55, 0.5, 0.03)
    assert chosen is not None
    assert chosen.key == "bg_nsp"
    chosen, _values, _agreement = _scheme_values(english, kinds, 0.55, 0.5, 0.03)
    assert chosen is None or chosen.key != "bg_nsp"


def test_a_greek_chart_is_read_with_the_greek_plan():
    rows = [
        ("10.00", "Γήπεδα και οικόπεδα", "asset"), ("11.00", "Κτίρια και εγκαταστάσεις", "asset"),
        ("12.00", "Μηχανήματα", "asset"), ("20.00", "Εμπορεύματα", "asset"),
        ("30.00", "Πελάτες εσωτερικού", "asset"), ("33.00", "Χρεώστες διάφοροι", "asset"),
        ("38.00", "Ταμείο", "asset"), ("38.03", "Καταθέσεις όψεως", "asset"),
        ("40.00", "Μετοχικό κεφάλαιο", "equity"), ("41.02", "Τακτικό αποθεματικό", "equity"),
        ("42.00", "Υπόλοιπο κερδών εις νέο", "equity"),
        ("44.11", "Προβλέψεις για αποζημίωση προσωπικού", "liability"),
        ("45.12", "Μακροπρόθεσμα δάνεια τραπεζών", "liability"),
        ("50.00", "Προμηθευτές εσωτερικού", "liability"),
        ("54.00", "Υποχρεώσεις από φόρους και τέλη", "liability"),
        ("55.00", "Ασφαλιστικοί οργανισμοί", "liability"),
        ("60.00", "Αμοιβές και έξοδα προσωπικού", "expense"),
        ("62.00", "Παροχές τρίτων", "expense"),
        ("64.00", "Διάφορα έξοδα", "expense"), ("65.00", "Τόκοι και συναφή έξοδα", "expense"),
        ("66.00", "Αποσβέσεις παγίων", "expense"), ("70.00", "Πωλήσεις εμπορευμάτων", "income"),
        ("73.00", "Πωλήσεις υπηρεσιών", "income"),
        ("75.00", "Έσοδα από παρεπόμενες ασχολίες", "income"),
    ]  # fmt: skip
    chart = [AccountInput(name=name, code=code) for code, name, _kind in rows]
    chosen, values, _agreement = _scheme_values(
        chart, _names_say([kind for *_rest, kind in rows]), 0.55, 0.5, 0.03
    )
    assert chosen is not None
    assert chosen.key == "gr_egls"
    by_code = dict(zip((code for code, *_rest in rows), values, strict=True))
    assert by_code["40.00"] == "equity"
    assert by_code["50.00"] == "payable"  # French 5 would be cash
    assert by_code["38.00"] == "cash"


def test_a_turkish_chart_is_read_with_the_uniform_chart_of_accounts():
    rows = [
        ("100", "Kasa", "asset"), ("102", "Bankalar", "asset"), ("120", "Alıcılar", "asset"),
        ("153", "Ticari mallar", "asset"), ("191", "İndirilecek KDV", "asset"),
        ("252", "Binalar", "asset"), ("253", "Tesis, makine ve cihazlar", "asset"),
        ("257", "Birikmiş amortismanlar", "asset"), ("300", "Banka kredileri", "liability"),
        ("320", "Satıcılar", "liability"), ("335", "Personele borçlar", "liability"),
        ("360", "Ödenecek vergi ve fonlar", "liability"),
        ("391", "Hesaplanan KDV", "liability"), ("400", "Banka kredileri", "liability"),
        ("500", "Sermaye", "equity"), ("540", "Yasal yedekler", "equity"),
        ("570", "Geçmiş yıllar karları", "equity"), ("600", "Yurtiçi satışlar", "income"),
        ("621", "Satılan ticari mallar maliyeti", "expense"),
        ("632", "Genel yönetim giderleri", "expense"),
        ("642", "Faiz gelirleri", "income"), ("656", "Kambiyo zararları", "expense"),
        ("660", "Kısa vadeli borçlanma giderleri", "expense"),
        ("770", "Genel yönetim giderleri", "expense"),
    ]  # fmt: skip
    chart = [AccountInput(name=name, code=code) for code, name, _kind in rows]
    chosen, values, _agreement = _scheme_values(
        chart, _names_say([kind for *_rest, kind in rows]), 0.55, 0.5, 0.03
    )
    assert chosen is not None
    assert chosen.key == "tr_thp"
    by_code = dict(zip((code for code, *_rest in rows), values, strict=True))
    assert by_code["500"] == "equity"  # a Sage chart's 5 is direct costs
    assert by_code["320"] == "payable"
    assert by_code["642"] == "other_income"


def test_a_scheme_the_names_own_type_words_disagree_with_loses_to_one_they_agree_with():
    # a Dutch chart translated into German: 14-18 are debts, 3 stock, 7 the cost of sales
    # (in the German SKR03, 14 receivables, 3 purchases, 7 stock); the model's guesses, swayed
    # by what such codes meant in German charts, fit both plans about alike, and the German
    # words favour the German plan
    rows = [
        ("0100", "Gebäude", "asset", "asset"), ("0200", "Maschinen", "asset", "asset"),
        ("0600", "Eigenkapital", "equity", "equity"), ("1000", "Kasse", "asset", "asset"),
        ("1100", "Bank", "asset", "asset"),
        ("1400", "Verbindlichkeiten aus Lieferungen und Leistungen", "liability", "liability"),
        ("1410", "Verbindlichkeiten gegenüber Kreditinstituten", "liability", "liability"),
        ("1500", "Umsatzsteuer Verbindlichkeiten", "liability", "asset"),
        ("1600", "Sonstige Verbindlichkeiten", "liability", "liability"),
        ("1700", "Rückstellungen für Steuern", "liability", "liability"),
        ("3000", "Vorräte", "asset", "asset"), ("3100", "Waren", "asset", "expense"),
        ("4000", "Personalaufwand", "expense", "expense"),
        ("4100", "Aufwendungen für Miete", "expense", "expense"),
        ("4200", "Sonstige betriebliche Aufwendungen", "expense", "expense"),
        ("7000", "Kosten der verkauften Waren", "expense", "asset"),
        ("7100", "Kostprijs der Umsätze", "expense", "expense"),
        ("8000", "Umsatzerlöse", "income", "income"),
        ("8100", "Erlöse aus Verkäufen", "income", "income"),
        ("8200", "Zinserträge", "income", "income"),
    ]  # fmt: skip
    chart = [AccountInput(name=name, code=code) for code, name, _kind, _guess in rows]
    guesses = _names_say([guess for *_rest, guess in rows])
    chosen, _values, _agreement = _scheme_values(chart, guesses, 0.55, 0.5, 0.03, 0.0)
    assert chosen is not None
    assert chosen.key == "de_skr03"  # the guesses and the German words alone
    chosen, _values, _agreement = _scheme_values(chart, guesses, 0.55, 0.5, 0.03, 0.5)
    assert chosen is not None
    assert chosen.key == "nl_rgs"


def test_no_scheme_counts_english_words_as_its_own_language():
    # charts in English are numbered after every scheme; Swedish "för" is English "for"
    # once accents are dropped
    english = {"and", "for", "of", "the", "to", "on", "in", "at", "from", "with", "other"}
    for scheme in schemes().values():
        assert not scheme.words & english, scheme.key


def test_a_narrower_prefix_of_the_plan_counts_more_than_its_class():
    # Portuguese 65 (impairment losses) and 76 (reversals) subdivide by the asset concerned:
    # "Customers" under "Receivables" is an expense there, an income here, whatever it names
    from tests.financials.test_level2 import _rules_only

    chart = [
        AccountInput(name="Customers", code="6511", parent_name="Receivables", country="PT"),
        AccountInput(name="Customers", code="7611", parent_name="Receivables", country="PT"),
        AccountInput(name="Customers", code="6011", parent_name="Receivables", country="PT"),
    ]
    weak = Weights(scheme=4.0, scheme_specific=0.0)
    assert {s.type for s in suggest(chart, model=_rules_only(), weights=weak)} == {"asset"}
    out = suggest(chart, model=_rules_only(), weights=Weights(scheme=4.0, scheme_specific=16.0))
    assert [s.type for s in out] == ["expense", "income", "asset"]  # 6 alone: the class


def test_a_german_chart_is_read_with_whichever_of_skr03_and_skr04_fits_it():
    rows03 = [
        ("1200", "Bank", "asset"), ("1400", "Forderungen aus Lieferungen", "asset"),
        ("1600", "Verbindlichkeiten aus Lieferungen", "liability"),
        ("4120", "Gehälter", "expense"), ("4210", "Miete", "expense"),
        ("8400", "Erlöse 19 % USt", "income"),
    ]  # fmt: skip
    rows04 = [
        ("1800", "Bank", "asset"), ("1200", "Forderungen aus Lieferungen", "asset"),
        ("3300", "Verbindlichkeiten aus Lieferungen", "liability"),
        ("6020", "Gehälter", "expense"), ("6310", "Miete", "expense"),
        ("4400", "Erlöse 19 % USt", "income"),
    ]  # fmt: skip
    for rows, key in ((rows03, "de_skr03"), (rows04, "de_skr04")):
        chart = [AccountInput(name=name, code=code, country="DE") for code, name, _kind in rows]
        chosen, _values, agreement = _scheme_values(
            chart, _names_say([kind for *_rest, kind in rows]), 0.55
        )
        assert chosen is not None
        assert (chosen.key, agreement) == (key, 1.0)


def test_a_code_section_is_a_group_where_the_chart_names_no_parent():
    from tests.financials.test_level2 import _rules_only

    # Brazilian results: the costs' sections outnumber the other income's, whose last
    # account says nothing of itself
    costs = [(f"3.01.01.07.01.{n:02d}", name) for n, name in enumerate(
        ["Salaries", "Rent", "Electricity", "Telephone", "Insurance", "Travel", "Cleaning",
         "Postage"], start=1)]  # fmt: skip
    other_income = [
        ("3.01.01.05.01.01", "Financial income"),
        ("3.01.01.05.01.02", "Rental income"),
        ("3.01.01.05.01.03", "Interest income"),
        ("3.01.01.05.01.04", "Item 4"),
    ]
    chart = [AccountInput(name=n, code=c, country="BR") for c, n in costs + other_income]
    model = _rules_only()
    assert suggest(chart, model=model)[-1].type == "income"
    assert suggest(chart, model=model, weights=Weights(code_section=0.0))[-1].type == "expense"
