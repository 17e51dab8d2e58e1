"""Payment-method inference: ERP field → account → note → Unknown, keywords as whole words."""

from __future__ import annotations

import polars as pl
import pytest

from ledgerlink.insights.methods import (
    LANGUAGES,
    KeywordError,
    available_languages,
    build_keywords,
    infer_methods,
    load_keywords,
)
from tests.insights.builders import Ledger


@pytest.fixture(scope="module")
def words():
    return load_keywords()


@pytest.mark.parametrize(
    ("text", "method"),
    [
        ("ACH 123456", "Bank Transfer"),
        ("Coach hire 123", None),  # "ach" is not a word of "coach"
        ("Checkout 0042", None),  # nor "check" of "checkout"
        ("Cashback on order", None),
        ("Check no. 1001", "Check"),
        ("Chq 000123", "Check"),
        ("BACS 991", "Bank Transfer"),
        ("FPS transfer", "Bank Transfer"),
        ("Faster Payment", "Bank Transfer"),
        ("Paid by card", "Credit Card"),
        ("CREDIT-CARD refund", "Credit Card"),
        ("creditcard", "Credit Card"),
        ("Visa Debit 4417", "Debit Card"),  # the longer phrase wins where both start
        ("Barclaycard Visa 4417", "Credit Card"),
        ("Amex Business Card 1003", "Credit Card"),
        ("Petty Cash", "Cash"),
        ("Cash at bank", None),  # says nothing about the method
        ("Paid by BACS, not by card", "Bank Transfer"),  # the first phrase from the left
        ("Virement SEPA 12", "Bank Transfer"),
        ("Chèque n° 551", "Check"),
        ("Überweisung 77", "Bank Transfer"),
        ("Firmenkreditkarte", "Credit Card"),
        ("Pago en efectivo", "Cash"),
        ("Tarjeta de crédito", "Credit Card"),
        ("Automatische incasso", "Bank Transfer"),
        ("Pinbetaling", "Debit Card"),
        ("Transferência bancária", "Bank Transfer"),
        ("Caixa Geral de Depósitos", None),
        ("", None),
        ("INV-2041", None),
    ],
)
def test_keywords_match_whole_words(words, text, method):
    assert words.match(text) == method


def test_every_language_ships_and_is_used_by_default():
    assert set(LANGUAGES) <= set(available_languages())
    english = load_keywords(["en"])
    assert english.match("Überweisung") is None
    assert load_keywords().match("Überweisung") == "Bank Transfer"


def test_keyword_lists_are_extendable():
    words = load_keywords(["en"], extra={"Credit Card": ["corporate plastic"], "ignore": ["bacs"]})
    assert words.match("Corporate Plastic 9") == "Credit Card"
    assert words.match("BACS 123") is None


def test_a_keyword_file_naming_an_unknown_method_is_refused():
    with pytest.raises(KeywordError):
        build_keywords([{"keywords": {"Crypto": ["btc"]}}])
    with pytest.raises(KeywordError):
        build_keywords([{"erp": {"Credit Card": "visa"}}])


@pytest.mark.parametrize(
    ("raw", "method", "weak"),
    [
        ("CreditCard", "Credit Card", False),  # QuickBooks
        ("Credit Card", "Credit Card", False),
        ("Check", "Check", True),  # QuickBooks: any payment from a bank account
        ("Cheque", "Check", False),
        ("Cash", "Cash", False),
        ("BACS", "Bank Transfer", False),
        ("ACH", "Bank Transfer", False),
        ("Direct debit", "Bank Transfer", False),
        ("bank_transfer", "Bank Transfer", False),
        ("Debit Card", "Debit Card", False),
        ("Other", "Other", False),
        ("Visa ending 1234", "Credit Card", False),  # not a known value: its keywords
        ("Company account", "Unknown", False),
        ("", "Unknown", False),
    ],
)
def test_erp_values_map_to_standard_methods(words, raw, method, weak):
    assert words.erp_method(raw) == (method, weak)


def _infer(book: Ledger) -> pl.DataFrame:
    frames = book.frames()
    out = infer_methods(frames.bill_payments, frames.accounts, load_keywords())
    return out.select("source_id", "erp_method", "method", "method_source", "account_name")


def test_inference_takes_the_first_rule_that_answers():
    book = Ledger()
    book.account("A1", "Business Current Account", type="BANK", payment_account_type="bank")
    book.account("A2", "Company Card", type="BANK", payment_account_type="credit_card")
    book.account("A3", "Operating", type="Credit Card")  # QuickBooks-style account type
    book.account("A4", "Amex 1003", type="BANK", payment_account_type="bank")
    rows = [
        ("P1", dict(method_raw="Cash", account_id="A2", reference="BACS")),  # ERP decides
        ("P2", dict(account_id="A2", reference="BACS 1")),  # platform marks a card account
        ("P3", dict(account_id="A3")),  # the account's type says credit card
        ("P4", dict(account_id="A1", reference="Chq 000123")),  # the note
        ("P5", dict(account_id="A1", reference="Coach hire")),  # nothing: Unknown
        ("P6", dict(method_raw="Check", account_id="A4")),  # weak Check, the account wins
        ("P7", dict(method_raw="Check", account_id="A1", reference="ACH 77")),  # the note wins
        ("P8", dict(method_raw="Check", account_id="A1")),  # nothing else: Check
        ("P9", dict(account_name="Visa Business", reference="BACS")),  # name recorded, no id
        ("P10", dict(method_raw="Cheque", account_id="A2")),  # "Cheque" is not weak
    ]
    for source_id, values in rows:
        book.payment(source_id, "S1", "2024-02-01", "10", **values)  # type: ignore[arg-type]
    result = {r[0]: r[1:] for r in _infer(book).rows()}
    assert result["P1"][1:3] == ("Cash", "ERP")
    assert result["P2"][1:3] == ("Credit Card", "Account")
    assert result["P3"][1:3] == ("Credit Card", "Account")
    assert result["P4"][1:3] == ("Check", "Note")
    assert result["P5"][1:3] == ("Unknown", "None")
    assert result["P6"] == ("Check", "Credit Card", "Account", "Amex 1003")
    assert result["P7"][:3] == ("Check", "Bank Transfer", "Note")
    assert result["P8"][:3] == ("Check", "Check", "ERP")
    assert result["P9"] == ("Unknown", "Credit Card", "Account", "Visa Business")
    assert result["P10"][1:3] == ("Check", "ERP")


def test_the_charts_account_name_is_used_over_the_recorded_one():
    book = Ledger()
    book.account("A1", "Petty Cash")
    book.payment("P1", "S1", "2024-02-01", "10", account_id="A1", account_name="stale name")
    out = _infer(book).row(0)
    assert out[2:] == ("Cash", "Account", "Petty Cash")


def test_accounts_are_matched_within_their_company():
    book = Ledger(company_id=1)
    book.account("A1", "Amex", company_id=1)
    book.account("A1", "Petty Cash", company_id=2)
    book.payment("P1", "S1", "2024-02-01", "10", account_id="A1", company_id=1)
    book.payment("P2", "S1", "2024-02-01", "10", account_id="A1", company_id=2)
    result = {r[0]: r[2] for r in _infer(book).rows()}
    assert result == {"P1": "Credit Card", "P2": "Cash"}


def test_every_method_our_own_sources_write_is_understood(words):
    """The template's payment-method list and the sandbox platform's values all map."""
    from ledgerlink.imports.schema import PAYMENT_METHODS
    from ledgerlink.sandbox import pools

    expected = {
        "Bank transfer": "Bank Transfer",
        "Card": "Credit Card",
        "Direct debit": "Bank Transfer",
        "Cheque": "Check",
        "Cash": "Cash",
        "Other": "Other",
    }
    assert {raw: words.erp_method(raw)[0] for raw in PAYMENT_METHODS} == expected
    for raw in (pools.CARD, pools.BANK_TRANSFER, pools.CHEQUE, pools.CASH):
        assert words.erp_method(raw)[0] != "Unknown", raw
