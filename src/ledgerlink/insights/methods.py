"""Payment methods: the standard list, the ERP field's mapping, and inference from keywords.

Inferred method of a payment or expense, first rule that answers (spec, "Payment methods"):

1. the ERP method, when the platform's payment-method field maps to a standard method;
2. the account the money left from: keywords in its name, then the platform's own marking of
   the account as a credit-card (or cash, or PayPal) account, then keywords in its type;
3. keywords in the payment's note or reference;
4. `Unknown`.

A *weak* ERP value does not decide at step 1. QuickBooks records every bill payment made from
a bank account as PayType "Check", whether it went as a paper cheque, an ACH debit or an
online transfer, so "Check" is taken only when the account and the note say nothing else (an
account named "Amex" or a note "ACH 1234" win); a platform that writes "Cheque" means it.
The ERP column of the reports still shows the ERP's own answer (Check).

Keywords are data (`keywords/*.toml`, one file per language, see its README); matching is on
whole words, case-insensitive, the leftmost phrase winning and, at one position, the longer.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import polars as pl

CREDIT_CARD = "Credit Card"
DEBIT_CARD = "Debit Card"
BANK_TRANSFER = "Bank Transfer"
CHECK = "Check"
CASH = "Cash"
OTHER = "Other"
UNKNOWN = "Unknown"

METHODS: tuple[str, ...] = (CREDIT_CARD, DEBIT_CARD, BANK_TRANSFER, CHECK, CASH, OTHER, UNKNOWN)
CARD = "Card"
NON_CARD = "Non-card"
GROUPS: tuple[str, ...] = (CARD, NON_CARD, UNKNOWN)
GROUP_OF: dict[str, str] = {
    CREDIT_CARD: CARD,
    DEBIT_CARD: CARD,
    BANK_TRANSFER: NON_CARD,
    CHECK: NON_CARD,
    CASH: NON_CARD,
    OTHER: NON_CARD,
    UNKNOWN: UNKNOWN,
}
METHODS_OF: dict[str, tuple[str, ...]] = {
    group: tuple(m for m in METHODS if GROUP_OF[m] == group) for group in GROUPS
}

METHOD = pl.Enum(METHODS)
GROUP = pl.Enum(GROUPS)

# Where an inferred method came from.
SOURCE_ERP = "ERP"
SOURCE_ACCOUNT = "Account"
SOURCE_NOTE = "Note"
SOURCE_NONE = "None"
SOURCES: tuple[str, ...] = (SOURCE_ERP, SOURCE_ACCOUNT, SOURCE_NOTE, SOURCE_NONE)
SOURCE = pl.Enum(SOURCES)

# The platform's own marking of a payment account (Account.payment_account_type).
ACCOUNT_TYPE_METHOD: dict[str, str] = {"credit_card": CREDIT_CARD, "cash": CASH, "paypal": OTHER}

LANGUAGES: tuple[str, ...] = ("en", "fr", "de", "es", "nl", "pt")
IGNORE = "ignore"

_SEPARATORS = re.compile(r"[\s\-_.]+")
_EDGES = re.compile(r"^\W+|\W+$")
_ERP_SEPARATORS = re.compile(r"[\s\-_./]+")


def normalise_phrase(text: str) -> str:
    """The lookup key of a phrase or of matched text: lower case, separators removed."""
    return _SEPARATORS.sub("", _EDGES.sub("", text.lower()))


def normalise_erp(raw: str) -> str:
    return _ERP_SEPARATORS.sub("", raw.strip().lower())


class KeywordError(ValueError):
    """A keyword file names an unknown method or has the wrong shape."""


@dataclass(frozen=True, slots=True)
class Keywords:
    """The keyword lists of the chosen languages, merged."""

    # normalised phrase → method, or None for a phrase that says nothing ("cash at bank")
    phrases: Mapping[str, str | None]
    # normalised ERP value → method
    erp: Mapping[str, str]
    # normalised ERP values that do not decide on their own
    weak: frozenset[str]
    # whole-word, case-insensitive, leftmost-first; the match includes the boundary characters
    pattern: str
    # the phrases' alternation alone (for engines that spell word boundaries differently)
    alternation: str = ""

    def match(self, text: str) -> str | None:
        """The method the keywords give for one text (None: no keyword, or an ignored one)."""
        if not self.pattern or not text:
            return None
        found = _compiled(self.pattern).search(text)
        if found is None:
            return None
        return self.phrases.get(normalise_phrase(found.group(0)))

    def erp_method(self, raw: str) -> tuple[str, bool]:
        """(standard method, weak) for a platform's payment-method value."""
        key = normalise_erp(raw)
        if not key:
            return UNKNOWN, False
        if key in self.erp:
            return self.erp[key], key in self.weak
        return self.match(raw) or UNKNOWN, False


@lru_cache(maxsize=8)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _phrase_regex(phrase: str) -> str:
    parts = [re.escape(part) for part in _SEPARATORS.split(phrase.strip().lower()) if part]
    return r"[\s\-_.]*".join(parts)


def _read(language: str) -> dict[str, object]:
    path = resources.files("ledgerlink.insights").joinpath("keywords", f"{language}.toml")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeywordError(f"no keyword file for language {language!r}") from None
    return tomllib.loads(text)


def _strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise KeywordError(f"{where} must be a list of strings")
    return [item for item in value if item.strip()]


def available_languages() -> tuple[str, ...]:
    folder = resources.files("ledgerlink.insights").joinpath("keywords")
    found = sorted(
        entry.name.removesuffix(".toml")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    )
    return tuple(found)


def build_keywords(
    tables: Iterable[Mapping[str, object]],
    extra: Mapping[str, Sequence[str]] | None = None,
) -> Keywords:
    """Merge keyword tables (as read from the TOML files) and extra phrases per method."""
    phrases: dict[str, str | None] = {}
    spelled: dict[str, str] = {}
    erp: dict[str, str] = {}
    weak: set[str] = set()

    def add_phrases(method: str, items: list[str], *, override: bool = False) -> None:
        target = None if method == IGNORE else method
        for item in items:
            key = normalise_phrase(item)
            if not key:
                continue
            if override:
                phrases[key] = target
            else:
                phrases.setdefault(key, target)
            spelled.setdefault(item.strip().lower(), key)

    for table in tables:
        words = table.get("keywords", {})
        if not isinstance(words, Mapping):
            raise KeywordError("[keywords] must be a table")
        for method, items in words.items():
            if method not in METHODS and method != IGNORE:
                raise KeywordError(f"unknown method {method!r} in [keywords]")
            add_phrases(method, _strings(items, f"keywords.{method}"))
        values = table.get("erp", {})
        if not isinstance(values, Mapping):
            raise KeywordError("[erp] must be a table")
        for method, items in values.items():
            if method == "weak":
                weak.update(normalise_erp(item) for item in _strings(items, "erp.weak"))
                continue
            if method not in METHODS:
                raise KeywordError(f"unknown method {method!r} in [erp]")
            for item in _strings(items, f"erp.{method}"):
                erp.setdefault(normalise_erp(item), method)
    for method, items in (extra or {}).items():
        if method not in METHODS and method != IGNORE:
            raise KeywordError(f"unknown method {method!r} in extra keywords")
        add_phrases(method, list(items), override=True)

    # Longer phrases first, so that at one position "visa debit" beats "visa".
    ordered = sorted(spelled, key=lambda s: (-len(s), s))
    alternation = "|".join(dict.fromkeys(_phrase_regex(s) for s in ordered))
    # A whole word: not preceded or followed by a letter, digit, mark or underscore. The
    # boundary is spelled as \W rather than \b so that the regex engines stay on their fast
    # automata (Rust's lazy DFA gives up on Unicode \b in non-ASCII text); the match includes
    # the boundary characters, which `normalise_phrase` strips.
    pattern = rf"(?i)(?:^|\W)(?:{alternation})(?:\W|$)" if alternation else ""
    return Keywords(
        phrases=phrases, erp=erp, weak=frozenset(weak), pattern=pattern, alternation=alternation
    )


@lru_cache(maxsize=32)
def _load(languages: tuple[str, ...], extra: tuple[tuple[str, tuple[str, ...]], ...]) -> Keywords:
    return build_keywords((_read(lang) for lang in languages), dict(extra))


def load_keywords(
    languages: Sequence[str] | None = None,
    extra: Mapping[str, Sequence[str]] | None = None,
) -> Keywords:
    """The shipped keyword lists of `languages` (all of them by default), plus `extra`."""
    chosen = tuple(languages) if languages else available_languages()
    if "en" in chosen:  # English first: its ERP values are the platforms' own
        chosen = ("en", *(lang for lang in chosen if lang != "en"))
    extras = tuple(sorted((k, tuple(v)) for k, v in (extra or {}).items()))
    return _load(chosen, extras)


def method_group(method: str) -> str:
    return GROUP_OF[method]


# --- inference over frames -----------------------------------------------------------------


def account_method(keywords: Keywords, name: str, kind: str, payment_type: str) -> str | None:
    """Rule 2 for one account: keywords in its name, its platform marking, keywords in its type."""
    return (
        keywords.match(name)
        or ACCOUNT_TYPE_METHOD.get(payment_type.strip().lower())
        or keywords.match(kind)
    )


def company_key(column: str, single: bool) -> pl.Expr:
    """A lookup key for `column` within its company: the column itself for one company."""
    if single:
        return pl.col(column)
    return pl.concat_str([pl.col("company_id").cast(pl.String()), pl.col(column)], separator="\x1f")


def single_company(*frames: pl.DataFrame) -> bool:
    ids: set[int] = set()
    for frame in frames:
        if frame.height:
            column = frame.get_column("company_id")
            ids.update((column.min(), column.max()))  # type: ignore[arg-type]
        if len(ids) > 1:
            return False
    return True


def _chart(accounts: pl.DataFrame, keywords: Keywords, single: bool) -> pl.DataFrame:
    """Per payment account of the chart: its lookup key, name and rule-2 method code."""
    chart = (
        accounts.filter(~pl.col("is_deleted") & (pl.col("source_id") != ""))
        .unique(subset=["company_id", "source_id"], keep="first", maintain_order=True)
        .with_columns(company_key("source_id", single).alias("_key"))
    )
    codes = [
        _code(account_method(keywords, name, kind, payment_type))
        for name, kind, payment_type in chart.select("name", "type", "payment_account_type").rows()
    ]
    return chart.select("_key", "name").with_columns(pl.Series("_code", codes, dtype=pl.UInt8()))


def _text_methods(values: pl.Series, keywords: Keywords) -> tuple[list[str], list[str | None]]:
    distinct = [value for value in values.unique().to_list() if value]
    return distinct, [keywords.match(value) for value in distinct]


def _code(method: str | None) -> int | None:
    return None if method is None else CODE[method]


CODE: dict[str, int] = {method: index for index, method in enumerate(METHODS)}
UNKNOWN_CODE = CODE[UNKNOWN]
SOURCE_CODE: dict[str, int] = {source: index for index, source in enumerate(SOURCES)}


def codes_to_methods(codes: pl.Expr) -> pl.Expr:
    """Method codes (UInt8, as `infer_method_codes` gives them) as the `METHOD` enum."""
    return codes.replace_strict(
        list(range(len(METHODS))), pl.Series(METHODS, dtype=METHOD), default=None
    )


def codes_to_sources(codes: pl.Expr) -> pl.Expr:
    return codes.replace_strict(
        list(range(len(SOURCES))), pl.Series(SOURCES, dtype=SOURCE), default=None
    )


def account_names(frame: pl.DataFrame, accounts: pl.DataFrame, single: bool) -> pl.Expr:
    """The name of the account each row was paid from: the chart's, else the one recorded."""
    chart = _chart(accounts.with_columns(pl.lit("").alias("type")), EMPTY_KEYWORDS, single)
    key = company_key("payment_account_source_id", single)
    if chart.height == 0:
        return pl.col("payment_account_name")
    name = key.replace_strict(chart["_key"], chart["name"], default=None)
    return pl.coalesce(pl.when(name != "").then(name), pl.col("payment_account_name"))


def infer_method_codes(
    frame: pl.DataFrame,
    accounts: pl.DataFrame,
    keywords: Keywords,
    *,
    single: bool | None = None,
) -> pl.DataFrame:
    """Add `erp_code`, `method_code` (indexes into `METHODS`) and `source_code` (into
    `SOURCES`), all UInt8, to a frame of payments or expenses; the row order is kept.

    The frame needs `company_id`, `method_raw`, `payment_account_source_id`,
    `payment_account_name` and `reference` (the ledger's columns). Each distinct ERP value,
    account and account name is looked at once; the note's keywords are searched only in the
    rows that rules 1 and 2 leave open.
    """
    if single is None:
        single = single_company(frame, accounts)
    u8 = pl.UInt8()
    # Rule 1: the ERP field.
    raw_values = frame.get_column("method_raw").unique().to_list()
    mapped = [keywords.erp_method(value or "") for value in raw_values]
    weak_values = [value for value, (_, weak) in zip(raw_values, mapped, strict=True) if weak]
    erp = pl.col("method_raw").replace_strict(
        raw_values, [CODE[m] for m, _ in mapped], default=UNKNOWN_CODE, return_dtype=u8
    )
    # Rule 2: the account, from the chart by id; else by the name recorded on the record.
    chart = _chart(accounts, keywords, single)
    names, name_methods = _text_methods(frame.get_column("payment_account_name"), keywords)
    by_name = pl.col("payment_account_name").replace_strict(
        names, [_code(m) for m in name_methods], default=None, return_dtype=u8
    )
    if chart.height:
        key = company_key("payment_account_source_id", single)
        by_chart = key.replace_strict(chart["_key"], chart["_code"], default=None, return_dtype=u8)
        account = pl.coalesce(by_chart, by_name)
    else:
        account = by_name
    out = frame.with_columns(
        erp.alias("erp_code"),
        pl.col("method_raw").is_in(weak_values).alias("_weak"),
        account.alias("_account"),
    )
    decided = (pl.col("erp_code") != UNKNOWN_CODE) & ~pl.col("_weak")
    # Rule 3: the note, only where rules 1 and 2 gave nothing.
    if keywords.pattern:
        phrase_keys = list(keywords.phrases)
        phrase_codes = [_code(keywords.phrases[k]) for k in phrase_keys]
        open_rows = ~decided & pl.col("_account").is_null() & (pl.col("reference") != "")
        note = (
            pl.when(open_rows)
            .then(pl.col("reference"))
            .str.extract(keywords.pattern, 0)
            .str.to_lowercase()
            .str.replace_all(r"^\W+|\W+$", "")
            .str.replace_all(r"[\s\-_.]+", "")
            .replace_strict(phrase_keys, phrase_codes, default=None, return_dtype=u8)
        )
    else:
        note = pl.lit(None, dtype=u8)
    out = out.with_columns(note.alias("_note"))
    weak = pl.when(pl.col("_weak")).then(pl.col("erp_code"))
    return out.with_columns(
        pl.when(decided)
        .then(pl.col("erp_code"))
        .otherwise(pl.coalesce("_account", "_note", weak, pl.lit(UNKNOWN_CODE, dtype=u8)))
        .alias("method_code"),
        pl.when(decided)
        .then(pl.lit(SOURCE_CODE[SOURCE_ERP], dtype=u8))
        .when(pl.col("_account").is_not_null())
        .then(pl.lit(SOURCE_CODE[SOURCE_ACCOUNT], dtype=u8))
        .when(pl.col("_note").is_not_null())
        .then(pl.lit(SOURCE_CODE[SOURCE_NOTE], dtype=u8))
        .when(pl.col("_weak"))
        .then(pl.lit(SOURCE_CODE[SOURCE_ERP], dtype=u8))
        .otherwise(pl.lit(SOURCE_CODE[SOURCE_NONE], dtype=u8))
        .alias("source_code"),
    ).drop("_weak", "_account", "_note")


def infer_methods(
    frame: pl.DataFrame,
    accounts: pl.DataFrame,
    keywords: Keywords,
    *,
    single: bool | None = None,
) -> pl.DataFrame:
    """Add `erp_method`, `method`, `method_source` (enums) and `account_name` to payments or
    expenses (the readable form of `infer_method_codes`)."""
    if single is None:
        single = single_company(frame, accounts)
    out = infer_method_codes(frame, accounts, keywords, single=single)
    return out.with_columns(
        codes_to_methods(pl.col("erp_code")).alias("erp_method"),
        codes_to_methods(pl.col("method_code")).alias("method"),
        codes_to_sources(pl.col("source_code")).alias("method_source"),
        account_names(frame, accounts, single).alias("account_name"),
    ).drop("erp_code", "method_code", "source_code")


EMPTY_KEYWORDS = Keywords(phrases={}, erp={}, weak=frozenset(), pattern="")
