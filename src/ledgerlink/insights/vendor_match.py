"""Vendor-match rows for the card networks' supplier-matching files (spec, "Vendor-match files").

Every file lists the Supplier Analysis suppliers (annual spend at or above the threshold),
highest spend first, with the shared columns (`COMMON`): id, name, address, tax number,
contact, phone, email, total spend, transaction count (bill payments + expenses of the
period) and the most common inferred method. Extras per network:

- Mastercard: amount and count of bill payments + expenses; purchase-order count (empty, no
  purchase orders are kept); supplier id.
- Visa: postal code as ZIP+4 (`12345-6789`) for US suppliers; ISO 3166 alpha-2 country;
  vendor id; "number of checks" = bill payments + expenses in the 12 months to the period
  end; total spend including payments = bill payments + expenses amounts (what was paid, as
  opposed to the billed total spend).
- WEX: phone without and with its extension split out, contact first and last name, second
  email, supplier account number (the supplier's id), transactions (bills + expenses).
- PayTech: vendor id.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from importlib import resources

import polars as pl

from ledgerlink.insights.parameters import NETWORKS
from ledgerlink.insights.spend import SpendAnalysis

COMMON: tuple[str, ...] = (
    "supplier_id",
    "name",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
    "tax_number",
    "contact_name",
    "phone",
    "email",
    "total_spend",
    "transaction_count",
    "most_common_method",
)

EXTRAS: dict[str, tuple[str, ...]] = {
    "mastercard": (
        "paid_amount",
        "paid_count",
        "purchase_order_count",
        "mastercard_supplier_id",
    ),
    "visa": (
        "postal_code_zip4",
        "country_iso2",
        "vendor_id",
        "number_of_checks",
        "total_spend_including_payments",
    ),
    "wex": (
        "phone_number",
        "phone_extension",
        "contact_first_name",
        "contact_last_name",
        "email_2",
        "supplier_account_number",
        "number_of_transactions",
    ),
    "paytech": ("vendor_id",),
}

_ALIASES = {
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "united kingdom of great britain and northern ireland": "GB",
    "usa": "US",
    "u s a": "US",
    "u s": "US",
    "america": "US",
    "united states of america": "US",
    "deutschland": "DE",
    "espana": "ES",
    "nederland": "NL",
    "holland": "NL",
    "the netherlands": "NL",
    "eire": "IE",
    "republic of ireland": "IE",
    "schweiz": "CH",
    "suisse": "CH",
    "osterreich": "AT",
    "italia": "IT",
    "belgique": "BE",
    "belgie": "BE",
    "brasil": "BR",
    "mexico": "MX",
    "south korea": "KR",
    "korea": "KR",
    "russia": "RU",
    "czech republic": "CZ",
    "turkey": "TR",
    "vietnam": "VN",
    "uae": "AE",
}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", plain).strip()


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    path = resources.files("ledgerlink.insights").joinpath("data", "countries.json")
    table: dict[str, str] = {}
    for alpha2, alpha3, *names in json.loads(path.read_text(encoding="utf-8"))["countries"]:
        table[alpha2.casefold()] = alpha2
        table[alpha3.casefold()] = alpha2
        for name in names:
            table.setdefault(_fold(name), alpha2)
    for alias, alpha2 in _ALIASES.items():
        table.setdefault(alias, alpha2)
    return table


def iso_country(text: str) -> str:
    """ISO 3166 alpha-2 code for a country as written ("UK", "GBR", "Deutschland"), or ""."""
    if not text.strip():
        return ""
    table = _countries()
    raw = text.strip().casefold()
    if raw in table and len(raw) in (2, 3):
        return table[raw]
    return table.get(_fold(text), "")


def zip_plus4(postal_code: str, country: str) -> str:
    """US postal codes as `12345` or `12345-6789`; others as recorded."""
    if country != "US":
        return postal_code
    digits = re.sub(r"\D", "", postal_code)
    if len(digits) == 9:
        return f"{digits[:5]}-{digits[5:]}"
    if len(digits) == 5:
        return digits
    return postal_code


_EXTENSION = re.compile(r"\s*(?:,|;)?\s*(?:ext\.?|extension|x|#)\s*(\d{1,6})\s*$", re.IGNORECASE)


def split_phone(phone: str) -> tuple[str, str]:
    """(number, extension) from "0113 496 0000 ext. 123" and the like."""
    found = _EXTENSION.search(phone)
    if not found:
        return phone.strip(), ""
    return phone[: found.start()].strip(), found.group(1)


_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame"}


def split_name(name: str) -> tuple[str, str]:
    """(first, last) of a contact name; "Smith, Jane" is understood; titles are dropped."""
    text = " ".join(name.split())
    if "," in text:
        last, _, first = text.partition(",")
        return first.strip(), last.strip()
    words = [w for w in text.split(" ") if w]
    while len(words) > 1 and words[0].rstrip(".").casefold() in _TITLES:
        words = words[1:]
    if not words:
        return "", ""
    if len(words) == 1:
        return words[0], ""
    return words[0], " ".join(words[1:])


def split_emails(text: str) -> tuple[str, str]:
    found = [part for part in re.split(r"[\s,;]+", text) if part]
    return (found[0] if found else "", found[1] if len(found) > 1 else "")


def _mapped(
    column: str, function: Callable[[str], tuple[str, str]], index: int, frame: pl.DataFrame
) -> pl.Expr:
    distinct = frame.get_column(column).unique().to_list()
    values = [function(value or "")[index] for value in distinct]
    return pl.col(column).replace_strict(distinct, values, default="", return_dtype=pl.String())


def vendor_match(analysis: SpendAnalysis, network: str) -> pl.DataFrame:
    """The rows of one network's vendor-match file."""
    if network not in NETWORKS:
        raise ValueError(f"unknown network {network!r}; one of {', '.join(NETWORKS)}")
    d = analysis.currency_decimals
    scale = float(10**d)
    suppliers = analysis.supplier_analysis()
    base = suppliers.with_columns(
        (pl.col("n_payments") + pl.col("n_expenses")).alias("transaction_count"),
        pl.col("method").cast(pl.String()).alias("most_common_method"),
    )
    common: list[pl.Expr | pl.Series] = [pl.col(c) for c in COMMON]
    paid = (pl.col("payments_minor") + pl.col("expenses_minor")).cast(pl.Float64) / scale
    extras: list[pl.Expr | pl.Series]
    if network == "mastercard":
        extras = [
            paid.alias("paid_amount"),
            pl.col("transaction_count").alias("paid_count"),
            pl.lit(None, dtype=pl.Int64()).alias("purchase_order_count"),
            pl.col("supplier_id").alias("mastercard_supplier_id"),
        ]
    elif network == "visa":
        countries = base.get_column("country").unique().to_list()
        codes = [iso_country(value or "") for value in countries]
        base = base.with_columns(
            pl.col("country")
            .replace_strict(countries, codes, default="", return_dtype=pl.String())
            .alias("country_iso2")
        )
        zipped = [
            zip_plus4(postal or "", code or "")
            for postal, code in base.select("postal_code", "country_iso2").rows()
        ]
        extras = [
            pl.Series("postal_code_zip4", zipped, dtype=pl.String()),
            pl.col("country_iso2"),
            pl.col("supplier_id").alias("vendor_id"),
            pl.col("n_transactions_12m").alias("number_of_checks"),
            paid.alias("total_spend_including_payments"),
        ]
    elif network == "wex":
        extras = [
            _mapped("phone", split_phone, 0, base).alias("phone_number"),
            _mapped("phone", split_phone, 1, base).alias("phone_extension"),
            _mapped("contact_name", split_name, 0, base).alias("contact_first_name"),
            _mapped("contact_name", split_name, 1, base).alias("contact_last_name"),
            _mapped("email", split_emails, 1, base).alias("email_2"),
            pl.col("supplier_id").alias("supplier_account_number"),
            (pl.col("n_bills") + pl.col("n_expenses")).alias("number_of_transactions"),
        ]
    else:
        extras = [pl.col("supplier_id").alias("vendor_id")]
    return base.select(*common, *extras)
