"""Suggest a taxonomy category with a confidence for every account of a chart (pure).

Evidence, combined as log-scores per type and per level-2 bucket:
1. the shipped linear model over the account's words, character n-grams, keywords, code
   shape and its parent and ancestor names (resolved within the chart);
2. the platform's own classification, account type and statement, when given (strong);
3. the numbering scheme (by country, else detected from the chart as a whole);
4. the chart's own consensus: accounts sharing a code prefix or a parent mostly share a type.
The detail inside the chosen bucket comes from multilingual keywords, else the bucket's
"other" detail. Confidence below `REVIEW_BELOW` flags the account for review.
"""

from __future__ import annotations

import array
import dataclasses
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache

import numpy as np
import numpy.typing as npt

from ledgerlink.financials.categorise import model as model_module
from ledgerlink.financials.categorise.schemes import Scheme, for_country, schemes
from ledgerlink.financials.categorise.text import (
    account_code,
    code_digits,
    code_feature_hashes,
    feature_hashes,
    keyword_index,
    normalise,
    polarity_keyword_index,
    side_keyword_index,
    term_keyword_index,
    type_keyword_index,
    words,
)
from ledgerlink.financials.taxonomy import Taxonomy, taxonomy

REVIEW_BELOW = 0.6
LANGUAGE_SHARE = 0.5
HIGH_CONFIDENCE = 0.85
TYPES = ("asset", "liability", "equity", "income", "expense")
Floats = npt.NDArray[np.float32]

# Platform account types (Xero, QuickBooks Online, sandbox) → bucket or type.
PLATFORM_TYPES: dict[str, str] = {
    "bank": "cash", "cash": "cash", "current": "current_asset", "currentasset": "current_asset",
    "othercurrentasset": "current_asset", "inventory": "current_asset",
    "prepayment": "current_asset", "accountsreceivable": "receivable", "receivable": "receivable",
    "fixed": "fixed_asset", "fixedasset": "fixed_asset", "noncurrent": "non_current_asset",
    "otherasset": "non_current_asset", "currliab": "current_liability",
    "othercurrentliability": "current_liability", "liability": "liability",
    "accountspayable": "payable", "payable": "payable", "creditcard": "credit_card",
    "termliab": "non_current_liability", "longtermliability": "non_current_liability",
    "equity": "equity", "revenue": "revenue", "sales": "revenue", "income": "revenue",
    "otherincome": "other_income", "directcosts": "cost_of_sales",
    "costofgoodssold": "cost_of_sales", "expense": "operating_expense",
    "overheads": "operating_expense", "depreciatn": "depreciation",
    "depreciation": "depreciation", "otherexpense": "other_expense",
}  # fmt: skip
CLASSIFICATIONS = {"asset": "asset", "liability": "liability", "equity": "equity",
                   "income": "income", "revenue": "income", "expense": "expense"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class AccountInput:
    name: str
    code: str = ""
    parent_name: str = ""
    platform_type: str = ""
    classification: str = ""  # asset / liability / equity / income / expense, if the source says
    statement: str = ""  # "pl" or "bs" where the account appears on a report
    balance: Decimal | None = None  # debit positive
    country: str = ""
    language: str = ""


@dataclass(frozen=True, slots=True)
class Suggestion:
    type: str
    subtype: str
    detail: str
    bucket: str
    confidence: float
    needs_review: bool
    reasons: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each kind of evidence counts (log-score units)."""

    classification: float = 8.0
    platform_type: float = 3.0
    statement: float = 5.0
    scheme: float = 32.0  # for the type
    scheme_bucket: float = 8.0  # for the level-2 bucket (a keyword such as "depreciation" wins)
    # where the value allows two types, "current_asset|current_liability" still says current:
    # for every current bucket (a creditor in Dutch 13 is a payable)
    scheme_mixed_bucket: float = 8.0
    prefix1: float = 3.0
    prefix2: float = 4.0
    prefix3: float = 3.0
    prefix4: float = 0.0
    max_lengths: int = 9  # consensus by code prefix up to this many code lengths
    scheme_after_consensus: bool = False
    siblings: float = 0.6
    code_section: float = 4.0  # accounts of the same code section ("3.01.01.05.01")
    root: float = 1.0
    keyword: float = 8.0
    term: float = 20.0  # "long-term" / "short-term" in the name or parent → level-2
    # the parent's own detail words, for the level-2 bucket only: "Buildings" under
    # "Depreciation of property, plant and equipment" is a depreciation expense
    parent_keyword: float = 3.0
    parent_alone: float = 4.0  # and this more where the account's own name has no detail words
    # a non-current class of the scheme (fixed assets, long-term debt) says non-current for
    # its accounts' other non-current buckets too (a class-2 loan receivable is no debtor);
    # "current" is not inferred alike: a US "10" (cash) is all assets in six-digit charts
    scheme_term: float = 3.0
    fixed_asset_expense: float = 6.0  # a fixed asset's words, where the account is an expense
    # what the accounts of the same two-digit code prefix that say short- or long-term say,
    # for those that do not ("21" under "Current liabilities", "22" under "Non-current …")
    term_prefix: float = 3.0
    keyword_type: float = 6.0
    # "(-) Canceled sales", "(-) Compensation to managers": a name marked as a deduction is
    # a debit among the results, never income (on the balance sheet, a contra account)
    deduction: float = 14.0
    balance_mark: float = 10.0  # "… Dr." / "… Cr.": a debit or credit balance, named
    # a gain or a loss named outright lets a scheme's income-only or cost-only class hold it
    polarity_opens_class: bool = True
    # so does equity (or an asset) named outright a liability-only or asset-only class
    side_opens_class: bool = True
    ancestor_type: float = 0.0  # the nearest ancestor that names a type
    top_ancestor_type: float = 12.0  # the top-most one (measured better)
    sign: float = 0.2
    scheme_min_agreement: float = 0.55
    code_discount: float = 1.0
    scheme_words: float = 0.5
    scheme_no_words: float = 0.03  # per share of names in the scheme's language (up to 0.2)
    scheme_full_agreement: float = 0.55  # the scheme counts fully from this agreement on
    scheme_floor: float = 1.0  # share of `scheme` at the least agreement
    # a scheme the names' own type words agree with less than with another loses this much
    # per share of them (see `_scheme_scores`)
    scheme_keywords: float = 0.5
    # and this more where the value is the plan's rule for a prefix narrower than a class
    scheme_specific: float = 16.0
    rounds: int = 2
    sharpen: float = 2.0  # confident accounts count more in the chart's consensus
    # the chart's own consensus on the level-2 bucket: what the other accounts of the same
    # two-digit code prefix, and of the same parent, hold
    bucket_prefix2: float = 2.0
    bucket_siblings: float = 1.5
    # the share of that consensus that counts by subtype: neighbours say current or
    # non-current, the name which bucket of it (trade creditors among the accruals)
    bucket_subtype: float = 0.5
    bucket_pl: float = 0.25  # share of those weights for the P&L's and equity's buckets
    mixed_prefix: float = 0.2  # code-prefix consensus where the scheme's value allows two types
    # a scheme's or platform's catch-all bucket (current liabilities) yields to the bucket of
    # the same subtype the name says (trade creditors)
    named_over_catch_all: bool = True
    parent_names_bucket: bool = True  # and the parent's, where the name says none
    # and a cost of sales named outright, where the class is the operating expenses'
    # (Mozambican 61 "Cost of goods" in a French-family class 6)
    cost_of_sales_over_catch_all: bool = True
    # stock's words, where the account is an expense: its purchase or consumption
    # ("Matières premières" among the expenses), a cost of sales
    inventory_expense: float = 6.0
    # a scheme's level-2 bucket for a prefix is not used where fewer than this share of the
    # chart's accounts under it whose names say cash, stock or a fixed asset agree with it
    # (at least `scheme_bucket_min` of them): an Argentine "1.2 Fijo" read as a UK "12" (bank)
    scheme_bucket_agreement: float = 0.5
    scheme_bucket_min: int = 4
    # a credit card is known by its name (its own, its group's) or the platform's type, never
    # by its code or neighbours alone: a short-term loan is no credit card
    unnamed_credit_card: float = 8.0


@dataclass(frozen=True, slots=True)
class _Layout:
    tax: Taxonomy
    buckets: tuple[str, ...]
    bucket_type: npt.NDArray[np.int64]
    defaults: dict[str, str]
    detail_bucket: dict[str, str]
    catch_all: frozenset[str]  # the buckets holding their type's "other …" detail
    subtypes: dict[str, str]  # bucket → subtype


@cache
def _layout() -> _Layout:
    tax = taxonomy()
    buckets: list[str] = []
    kinds: list[int] = []
    defaults: dict[str, str] = {}
    for detail in tax.details.values():
        if detail.bucket not in buckets:
            buckets.append(detail.bucket)
            kinds.append(TYPES.index(detail.type))
        current = defaults.get(detail.bucket, "")
        if not current or (detail.key.startswith("other_") and not current.startswith("other_")):
            defaults[detail.bucket] = detail.key
    return _Layout(
        tax=tax,
        buckets=tuple(buckets),
        bucket_type=np.asarray(kinds),
        defaults=defaults,
        detail_bucket={d.key: d.bucket for d in tax.details.values()},
        catch_all=frozenset(d.bucket for d in tax.details.values() if d.key.startswith("other_")),
        subtypes={d.bucket: d.subtype for d in tax.details.values()},
    )


def buckets() -> tuple[str, ...]:
    return _layout().buckets


def bucket_type(bucket: str) -> str:
    layout = _layout()
    return TYPES[int(layout.bucket_type[layout.buckets.index(bucket)])]


def ancestors_in_chart(
    accounts: Sequence[AccountInput], parents: list[int | None] | None = None
) -> list[list[str]]:
    """Each account's parent, grandparent, … names, resolved by name within the chart."""
    parents = parents if parents is not None else parent_indices(accounts)
    result: list[list[str]] = []
    for i, account in enumerate(accounts):
        chain: list[str] = []
        seen: set[int] = {i}
        parent, index = account.parent_name, parents[i]
        while parent and len(chain) < 8:
            chain.append(parent)
            if index is None or index in seen:
                break
            seen.add(index)
            parent, index = accounts[index].parent_name, parents[index]
        result.append(chain)
    return result


def parent_indices(accounts: Sequence[AccountInput]) -> list[int | None]:
    """Each account's parent within the chart, found by name. Where several accounts bear
    that name ("Buildings" under fixed assets, under depreciation, under reversals), the one
    whose code begins the account's code: the group it sits in, not a namesake elsewhere;
    where none does, the one sharing the longest beginning of the code (its neighbour)."""
    by_name: dict[str, list[int]] = defaultdict(list)
    for i, account in enumerate(accounts):
        by_name[normalise(account.name)].append(i)
    digits = [code_digits(a.code) for a in accounts]
    out: list[int | None] = []
    for i, account in enumerate(accounts):
        found = by_name.get(normalise(account.parent_name)) if account.parent_name else None
        if not found:
            out.append(None)
            continue
        best = found[0]
        if len(found) > 1 and digits[i]:
            # the longest code that begins this account's code, else the one sharing the
            # longest beginning with it (its neighbour, not a namesake in another class)
            prefixes = [
                j for j in found if j != i and digits[j] and digits[i].startswith(digits[j])
            ]
            if prefixes:
                best = max(prefixes, key=lambda j: len(digits[j]))
            else:
                shared = [(_shared_digits(digits[i], digits[j]), -k) for k, j in enumerate(found)]
                top, first = max(shared)
                if top:
                    best = found[-first]
        out.append(None if best == i else best)
    return out


def _shared_digits(a: str, b: str) -> int:
    """How many leading digits two codes share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def with_codes(accounts: Sequence[AccountInput]) -> Sequence[AccountInput]:
    """The accounts, those without a code given the one written in their name, if any."""
    if all(a.code.strip() for a in accounts):
        return accounts
    out = list(accounts)
    for i, account in enumerate(accounts):
        code = account_code(account.code, account.name)
        if code != account.code:
            out[i] = dataclasses.replace(account, code=code)
    return out


def chart_features(
    accounts: Sequence[AccountInput], chains: list[list[str]] | None = None
) -> tuple[npt.NDArray[np.uint32], list[int], list[list[str]]]:
    """Hashed features of every account (concatenated), offsets, and name keywords."""
    accounts = with_codes(accounts)
    chains = chains if chains is not None else ancestors_in_chart(accounts)
    all_hashes: list[int] = []
    offsets = [0]
    keywords: list[list[str]] = []
    for account, chain in zip(accounts, chains, strict=True):
        found = detail_words(account.name)
        keywords.append(found)
        all_hashes.extend(
            feature_hashes(account.name, account.code, account.parent_name, chain, found)
        )
        offsets.append(len(all_hashes))
    # through a C array: numpy reads that at once, where it reads a list of ints one by one
    packed = np.frombuffer(array.array("I", all_hashes), dtype=np.uintc).astype(np.uint32)
    return packed, offsets, keywords


# "Wareneingang 19 % Vorsteuer", "Erlöse 7 % USt": a tax rate before the tax's name says which
# VAT applies to a purchase or sale account; it does not make the account a tax account
_RATE_ANNOTATION = re.compile(
    r"\d+(?:[.,]\d+)?\s*%\s*(?:vorsteuer|vst|ust|umsatzsteuer|mwst|mehrwertsteuer|vat|gst|tva|iva|btw)\b",
    re.IGNORECASE,
)


# "Partners current account Dr.", "رصيد الشركاء Cr.": a debit or credit balance written after the
# name (capitalised: Croatian "i dr." is "and others")
_BALANCE_MARK = re.compile(r"(?<![\w./])(Dr|Cr)\.?\s*$")  # not "Suspense Dr/Cr": both

# "(-) Vendas canceladas", "(–)Amortización": the name marked as a deduction from its group
_DEDUCTION = re.compile(r"\s*\(\s*[-–−]\s*\)")


def _without_rates(text: str) -> str:
    return _RATE_ANNOTATION.sub(" ", text) if "%" in text else text


@lru_cache(maxsize=1 << 16)
def type_words(text: str) -> list[str]:
    """Types named by type-level words in the text (e.g. "Aufwendungen" → expense)."""
    return type_keyword_index().matches(words(_without_rates(text)))


@lru_cache(maxsize=1 << 16)
def polarity_words(text: str) -> list[str]:
    """ "income", "expense" or both where the text names a gain or a loss outright
    ("Gains/Losses on disposals" names both)."""
    return polarity_keyword_index().matches(words(_without_rates(text)))


@lru_cache(maxsize=1 << 16)
def side_words(text: str) -> list[str]:
    """ "asset", "liability" or "equity" where the text names a side of the balance sheet
    outright ("Share capital", "Called up share capital not paid")."""
    return side_keyword_index().matches(words(text))


def named_type(text: str) -> list[str]:
    """The type a group's name names, if one: "Przychody i koszty" (income and costs) is a
    group of both, and says neither."""
    kinds = type_words(text)
    if not kinds:
        return []
    if {"income", "expense"} <= set(kinds):
        return []
    return kinds[:1]


# "Darlehen <1 Jahr", "Anleihen >5 Jahre", "Kautionen 1–5 Jahre": a remaining term written with
# symbols and digits, which `words` drops
_YEARS = r"(?:jahre?|years?|ans|anos?|años?|anni|anno|godin[ae]?|år|jaar|lat)\b"
_TERM_SPAN = re.compile(
    rf"(?P<op><=?|>=?|≤|≥)\s*(?P<n>\d+)\s*{_YEARS}|(?P<range>\d+\s*[-–]\s*\d+),?\s*{_YEARS}",
    re.IGNORECASE,
)


_DIGIT = re.compile(r"\d")


def _term_span(text: str) -> str | None:
    found = _TERM_SPAN.search(text) if _DIGIT.search(text) else None
    if found is None:
        return None
    if found.group("range"):
        return "non_current"  # one to five years: beyond the next twelve months
    more, years = found.group("op")[0] in ">≥", int(found.group("n"))
    if more:
        return "non_current"
    return "current" if years <= 1 else None


@lru_cache(maxsize=1 << 16)
def term_words(text: str) -> list[str]:
    """ "non_current" or "current" where the text says long- or short-term."""
    span = _term_span(text)
    found = term_keyword_index().matches(words(text))
    return [span, *(t for t in found if t != span)] if span else found


@lru_cache(maxsize=1 << 16)
def detail_words(text: str) -> list[str]:
    """Taxonomy details whose keywords occur in the text."""
    return keyword_index().matches(words(_without_rates(text)))


def _log_softmax(x: Floats) -> Floats:
    shifted = x - x.max(axis=1, keepdims=True)
    result: Floats = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return result


def _scheme_values(
    accounts: Sequence[AccountInput],
    type_prob: Floats,
    min_agreement: float,
    weights_bonus: float = 0.3,
    absent_penalty: float = 0.0,
    keyword_weight: float = 0.0,
) -> tuple[Scheme | None, list[str | None], float]:
    """The chart's numbering scheme, each account's value in it, and how far the names agree
    with it (1.0 where the country chose the scheme)."""
    digits = chart_digits(accounts)
    if not any(digits):
        return None, [None] * len(accounts), 0.0
    countries = {a.country.strip().upper()[:2] for a in accounts if a.country.strip()}
    candidates = for_country(next(iter(countries))) if len(countries) == 1 else []
    chosen: Scheme | None = None
    best_score = 1.0
    if len(candidates) == 1:
        chosen = candidates[0]
    else:
        scores = _scheme_scores(accounts, type_prob, weights_bonus, absent_penalty, keyword_weight)
        if candidates:
            # the country's own schemes only (a German chart is SKR03 or SKR04): the one that
            # fits best, however loosely
            chosen = max(candidates, key=lambda s: scores.get(s.key, 0.0))
        else:
            best_score = max(scores.values(), default=0.0)
            if best_score >= min_agreement:
                chosen = schemes()[max(scores, key=lambda key: scores[key])]
    if chosen is None:
        return None, [None] * len(accounts), 0.0
    return chosen, [chosen.lookup(d) if d else None for d in digits], best_score


def _scheme_scores(
    accounts: Sequence[AccountInput],
    type_prob: Floats,
    weights_bonus: float = 0.3,
    absent_penalty: float = 0.0,
    keyword_weight: float = 0.0,
) -> dict[str, float]:
    """How well each scheme fits the chart: the share of coded accounts whose names' likeliest
    type the scheme allows, plus a bonus for names in the scheme's own language."""
    digits = chart_digits(accounts)
    coded = [i for i, d in enumerate(digits) if d]
    if not coded:
        return {}
    guess = type_prob.argmax(axis=1)[coded]
    # a scheme's value for a code is its value for the code's first few digits (its longest
    # prefix's): each scheme looks up each distinct beginning of the chart's codes once
    beginnings: dict[str, int] = {}
    longest = _longest_prefix()
    begins = np.asarray(
        [beginnings.setdefault(digits[i][:longest], len(beginnings)) for i in coded]
    )
    # only the names holding some scheme's words are looked at per scheme
    every_word = _every_scheme_word()
    tokens = [
        found for a in accounts if (found := every_word.intersection(normalise(a.name).split()))
    ]
    dotted = _dotted(accounts, [code_digits(a.code) for a in accounts])
    said_by = {
        key: sum(1 for t in tokens if t & s.words) / len(accounts)
        for key, s in schemes().items()
        if s.words
    }
    leading = max(said_by.values(), default=0.0)
    # the types the names' own words say ("Gain", "Aufwendungen"): unlike the model's guess,
    # free of what codes meant in the charts it learnt from
    named = [(j, TYPES.index(kinds[0])) for j, i in enumerate(coded)
             if (kinds := type_words(accounts[i].name))]  # fmt: skip
    named_begins = begins[[j for j, _kind in named]]
    named_kinds = np.asarray([kind for _j, kind in named], dtype=np.int64)
    scores: dict[str, float] = {}
    named_agreement: dict[str, float] = {}
    number, fits = _value_fits()
    for scheme in schemes().values():
        if scheme.separated and not dotted:
            continue
        if scheme.own_language and not _in_language(said_by[scheme.key], leading):
            continue
        values = np.asarray([number[scheme.lookup(beginning)] for beginning in beginnings])
        total = int(np.count_nonzero(values[begins]))
        agree = _total_in_order(fits[values[begins], guess])
        # a scheme for dotted codes maps only the balance sheet: judged where it speaks
        share = total if scheme.separated else len(coded)
        score = agree / share if total >= 0.6 * len(coded) else 0.0
        if scheme.words and score:
            # names in the scheme's own language (German names: not the Dutch RGS)
            said = said_by[scheme.key]
            # the chart's language is the one whose words it uses most: a scheme whose
            # words are far rarer (Dutch "en" in Catalan names) is not in its language
            if _in_language(said, leading):
                score += min(said, 0.2) * weights_bonus
            if said < 0.02:
                # not one name in the scheme's language: a translated chart, or another one
                score -= absent_penalty
        scores[scheme.key] = score
        if keyword_weight and named:
            said_agree = _total_in_order(fits[values[named_begins], named_kinds])
            named_agreement[scheme.key] = said_agree / len(named)
    if named_agreement:
        # a scheme the names' own words agree with less than with another counts less (a few
        # named accounts say little); this lowers scores only, so detects no scheme the
        # model's guesses alone would not
        top = max(named_agreement.values())
        trust = keyword_weight * min(1.0, len(named) / 30) if len(named) >= 10 else 0.0
        for key, agreement in named_agreement.items():
            if scores[key]:
                scores[key] -= trust * (top - agreement)
    return scores


def _matched_prefix(scheme: Scheme, digits: str) -> str:
    """The longest of the scheme's prefixes the code falls under."""
    for size in range(min(scheme.longest, len(digits)), 0, -1):
        if digits[:size] in scheme.prefixes:
            return digits[:size]
    return ""


def _in_language(said: float, leading: float) -> bool:
    """Whether the names are in a scheme's language: its words are at least half as common
    as the commonest language's (Dutch "en" in Catalan names is not Dutch)."""
    return said >= 0.02 and said >= LANGUAGE_SHARE * leading


_NON_CURRENT = frozenset({"non_current_asset", "non_current_liability"})

_SECTION = re.compile(r"\s*(\d+)[.\-\s]")


def _shared_section(accounts: Sequence[AccountInput], digits: list[str]) -> str:
    """A first code section every code of the chart shares ("0." in "0.211001"), if any."""
    coded = [a.code for a, d in zip(accounts, digits, strict=True) if d]
    if len(coded) < 20:
        return ""
    # (a code of digits alone has no section: most charts' codes, read without the pattern)
    first = {
        "" if code.isdigit() else m.group(1) if (m := _SECTION.match(code)) else ""
        for code in coded
    }
    return first.pop() if len(first) == 1 else ""


def chart_digits(accounts: Sequence[AccountInput]) -> list[str]:
    """Each account's code digits, without a first section every code of the chart shares
    ("0.211001", "0.511114": a company or ledger number before the national code)."""
    digits = [code_digits(a.code) for a in accounts]
    section = _shared_section(accounts, digits)
    if not section:
        return digits
    return [d[len(section) :] if d else d for d in digits]


def _dotted(accounts: Sequence[AccountInput], digits: list[str]) -> bool:
    """Whether most codes are written in sections ("1.01.02"), a shared first section aside:
    "0.211001" is a plain code behind a company number."""
    section = _shared_section(accounts, digits)
    coded = [a.code.strip() for a, d in zip(accounts, digits, strict=True) if d]
    if section:
        coded = [_SECTION.sub("", code, count=1) for code in coded]
    return sum(1 for code in coded if not code.isdigit()) > len(coded) / 2


def _type_of(value: str) -> str:
    return value if value in TYPES else bucket_type(value)


_STATEMENTS = {"pl": ("income", "expense"), "bs": ("asset", "liability", "equity")}
_SET_AGREEMENT = {1: 1.0, 2: 0.8, 3: 0.5, 4: 0.3, 5: 0.0}


@cache
def _longest_prefix() -> int:
    return max(s.longest for s in schemes().values())


@cache
def _agreements(value: str | None) -> tuple[float, ...]:
    """How far each type agrees with a scheme's value: a value that allows several types
    says less, so it agrees for less; none where it does not allow the type (or no value)."""
    allowed = _types_of(value) if value is not None else ()
    return tuple(_SET_AGREEMENT[len(allowed)] if kind in allowed else 0.0 for kind in TYPES)


@cache
def _value_fits() -> tuple[dict[str | None, int], npt.NDArray[np.float64]]:
    """Every value of every scheme numbered from 1 (0: no value), and each one's
    `_agreements` in its row."""
    values = dict.fromkeys(v for s in schemes().values() for v in s.prefixes.values())
    ordered: list[str | None] = [None, *values]
    number = {value: i for i, value in enumerate(ordered)}
    return number, np.asarray([_agreements(value) for value in ordered], dtype=np.float64)


def _total_in_order(values: npt.NDArray[np.float64]) -> float:
    """The sum of the values added one by one in order (bit for bit what a loop adding them
    gives: numpy's `sum` adds pairwise, its `cumsum` in order)."""
    return float(np.cumsum(values)[-1]) if len(values) else 0.0


@cache
def _every_scheme_word() -> frozenset[str]:
    return frozenset().union(*(s.words for s in schemes().values()))


@cache
def _types_of(value: str) -> tuple[str, ...]:
    """The types a scheme's value allows: one, a statement's ("pl" income or expense), or
    those of "asset|liability" (either, where the scheme mixes debit and credit balances)."""
    if value in _STATEMENTS:
        return _STATEMENTS[value]
    return tuple(dict.fromkeys(_type_of(part) for part in value.split("|")))


def _consensus(groups: list[str | None], prob: Floats) -> Floats:
    """Leave-one-out mean type probability of the other accounts in the same group."""
    return _consensus_of(_group_ids(groups), prob)


def _group_ids(groups: list[str | None]) -> npt.NDArray[np.int64]:
    """Each account's group numbered from 0 in order of appearance; -1 for none."""
    keys: dict[str, int] = {}
    return np.asarray(
        [-1 if g is None else keys.setdefault(g, len(keys)) for g in groups], dtype=np.int64
    )


def _consensus_of(ids: npt.NDArray[np.int64], prob: Floats) -> Floats:
    """`_consensus` of groups numbered by `_group_ids`."""
    out = np.full(prob.shape, 1.0 / prob.shape[1], dtype=np.float32)
    # one pass over all groups at once (a Python loop per group was a tenth of the time)
    counts = np.bincount(ids[ids >= 0], minlength=int(ids.max(initial=-1)) + 1)
    member = ids >= 0
    member[member] = counts[ids[member]] >= 2
    if not member.any():
        return out
    idx = ids[member]
    order = np.argsort(idx, kind="stable")
    ordered = idx[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    totals = np.zeros((len(counts), prob.shape[1]), dtype=np.float32)
    totals[ordered[starts]] = np.add.reduceat(prob[member][order], starts, axis=0)
    out[member] = (totals[idx] - prob[member]) / (counts[idx] - 1)[:, None]
    return out


def _sibling_groups(
    accounts: Sequence[AccountInput], parents: list[int | None]
) -> list[str | None]:
    """Each account's group of siblings: its parent account where found (two groups named
    alike are two groups), else its parent's name."""
    return [
        None
        if not a.parent_name
        else f"#{index}"
        if index is not None
        else normalise(a.parent_name)
        for a, index in zip(accounts, parents, strict=True)
    ]


def _chart_groups(
    accounts: Sequence[AccountInput],
    digits: list[str],
    weights: Weights,
    siblings: list[str | None],
    chains: list[list[str]] | None = None,
    prefix_scale: Floats | None = None,
) -> list[tuple[list[str | None], float | Floats]]:
    """Groups whose members mostly share a type: code prefixes, parents, top-level groups."""
    lengths = {len(d) for d in digits if d}
    out: list[tuple[list[str | None], float | Floats]] = []
    if any(digits) and len(lengths) <= weights.max_lengths:
        for size, weight in enumerate(
            (weights.prefix1, weights.prefix2, weights.prefix3, weights.prefix4), start=1
        ):
            if weight:
                scaled = weight if prefix_scale is None else weight * prefix_scale
                out.append(([d[:size] if len(d) > size or (size == 1 and d) else None
                             for d in digits], scaled))  # fmt: skip
    out.append((siblings, weights.siblings))
    if weights.code_section and any(digits):
        # only where the chart names no parent (its own group says more)
        sections = [None if a.parent_name else _code_section(a.code) for a in accounts]
        if any(sections):
            # finer than any prefix: a section of a mixed class is still one group
            out.append((sections, weights.code_section))
    if chains is not None and weights.root:
        # a tree's top-level group ("Assets", "Passiva") is the type of most of its accounts
        out.append(([normalise(chain[-1] if chain else a.name) for a, chain in
                     zip(accounts, chains, strict=True)], weights.root))  # fmt: skip
    return out


_LAST_SECTION = re.compile(r"^(\s*\d+(?:[.\-]\d+)+)[.\-]\d+\s*$")


def _code_section(code: str) -> str | None:
    """The section a code written in sections belongs to ("3.01.01.05.01" of
    "3.01.01.05.01.12"): the plan's own group of it, finer than any code prefix."""
    found = _LAST_SECTION.match(code) if code else None
    return found.group(1).strip() if found else None


def _chart_consensus(
    combined: Floats,
    own_rules: Floats,
    platform_rules: Floats,
    own_class: npt.NDArray[np.bool_],
    prob: Floats,
    groups: list[tuple[list[str | None], float | Floats]],
    weights: Weights,
) -> Floats:
    """Rounds of: what the other accounts of the same prefix or parent now look like."""
    numbered = [(_group_ids(members), weight) for members, weight in groups]
    for _round in range(max(1, weights.rounds)):
        type_rules = own_rules.copy()
        votes: Floats = (prob**weights.sharpen).astype(np.float32)
        votes /= votes.sum(axis=1, keepdims=True)
        for ids, weight in numbered:
            type_rules += weight * np.log(_consensus_of(ids, votes) + 0.05)
        type_rules[own_class] = platform_rules[own_class]
        prob = np.exp(_log_softmax(combined + type_rules))
    return prob


def _model_evidence(raw_type: Floats, raw_bucket: Floats, layout: _Layout) -> tuple[Floats, Floats]:
    """Type log-scores (with the bucket head's evidence for each type) and bucket log-scores."""
    type_scores = _log_softmax(raw_type)
    bucket_scores = _log_softmax(raw_bucket)
    bucket_mass = np.zeros_like(type_scores)
    exp_b = np.exp(bucket_scores)
    for t in range(len(TYPES)):
        bucket_mass[:, t] = exp_b[:, layout.bucket_type == t].sum(axis=1)
    return type_scores + np.log(bucket_mass + 0.02), bucket_scores


def suggest(
    accounts: Sequence[AccountInput],
    model: model_module.LinearModel | None = None,
    weights: Weights | None = None,
) -> list[Suggestion]:
    """A suggestion for every account of one chart, in order."""
    if not accounts:
        return []
    weights = weights or Weights()
    accounts = with_codes(accounts)
    layout = _layout()
    model = model if model is not None else model_module.shipped()
    n, nb = len(accounts), len(layout.buckets)
    parents = parent_indices(accounts)
    chains = ancestors_in_chart(accounts, parents)
    hashes, offsets, keywords = chart_features(accounts, chains)
    if model is not None:
        raw = model.all_scores(hashes, offsets)
        raw_type, raw_bucket = raw["type"], raw["bucket"]
        assert model.heads["type"].classes == TYPES
        assert model.heads["bucket"].classes == layout.buckets
    else:
        raw_type = np.zeros((n, len(TYPES)), dtype=np.float32)
        raw_bucket = np.zeros((n, nb), dtype=np.float32)
    combined, bucket_scores = _model_evidence(raw_type, raw_bucket, layout)
    type_rules = np.zeros_like(combined)
    bucket_rules = np.zeros_like(bucket_scores)
    subtypes = {d.bucket: d.subtype for d in layout.tax.details.values()}
    term_buckets = {
        term: np.asarray([subtypes[b].startswith(term) for b in layout.buckets])
        for term in ("current", "non_current")
    }
    said_terms: list[str | None] = [None] * n
    # an expense named after a fixed asset ("Buildings" among the expenses, "Depreciation of
    # motor vehicles") is that asset's depreciation; one named after stock, its cost of sales
    fixed_bucket = layout.buckets.index("fixed_asset")
    depreciation_bucket = layout.buckets.index("depreciation")
    cost_of_sales_bucket = layout.buckets.index("cost_of_sales")
    credit_card_bucket = layout.buckets.index("credit_card")
    for i, account in enumerate(accounts):
        klass = CLASSIFICATIONS.get(account.classification.strip().lower())
        if klass:
            type_rules[i, TYPES.index(klass)] += weights.classification
        platform = PLATFORM_TYPES.get(normalise(account.platform_type).replace(" ", ""))
        if platform in TYPES:
            type_rules[i, TYPES.index(platform)] += weights.platform_type
        elif platform:
            b = layout.buckets.index(platform)
            if not _named_within(platform, keywords[i][:2], layout, weights):
                bucket_rules[i, b] += weights.platform_type
            type_rules[i, layout.bucket_type[b]] += weights.platform_type
        if account.statement in ("pl", "bs"):
            off = (0, 1, 2) if account.statement == "pl" else (3, 4)
            type_rules[i, list(off)] -= weights.statement
        for detail in keywords[i][:2]:
            b = layout.buckets.index(layout.detail_bucket[detail])
            bucket_rules[i, b] += weights.keyword
            type_rules[i, layout.bucket_type[b]] += weights.keyword_type
            if b == fixed_bucket:
                bucket_rules[i, depreciation_bucket] += weights.fixed_asset_expense
            if detail == "inventory":
                bucket_rules[i, cost_of_sales_bucket] += weights.inventory_expense
        if weights.unnamed_credit_card and platform != "credit_card":
            said = [*keywords[i][:2], *detail_words(account.parent_name)[:2]]
            if "credit_cards" not in said:
                bucket_rules[i, credit_card_bucket] -= weights.unnamed_credit_card
        if account.parent_name and weights.parent_keyword:
            named = detail_words(account.parent_name)[:2]
            weight = weights.parent_keyword + (0.0 if keywords[i] else weights.parent_alone)
            for bucket in dict.fromkeys(layout.detail_bucket[d] for d in named):
                b = layout.buckets.index(bucket)
                bucket_rules[i, b] += weight
                if b == fixed_bucket:
                    bucket_rules[i, depreciation_bucket] += weight
            if "inventory" in named and weights.inventory_expense:
                bucket_rules[i, cost_of_sales_bucket] += weight
        if weights.term:
            # the account's own name, else the nearest group that says (a loan under
            # "Dettes à plus d'un an" under "Dettes")
            terms = term_words(account.name) or next(
                (
                    said
                    for ancestor in chains[i] or [account.parent_name]
                    if (said := term_words(ancestor))
                ),
                [],
            )
            if terms:
                bucket_rules[i, term_buckets[terms[0]]] += weights.term
                said_terms[i] = terms[0]
        for kind in type_words(account.name)[:1]:
            type_rules[i, TYPES.index(kind)] += weights.keyword_type
        if weights.deduction and _DEDUCTION.match(account.name):
            type_rules[i, TYPES.index("income")] -= weights.deduction
        if weights.balance_mark and (mark := _BALANCE_MARK.search(account.name)):
            # "Partners current account Dr." / "… Cr.": the side of its balance, as a sign
            debit = mark.group(1) == "Dr"
            type_rules[i, [0, 4] if debit else [1, 2, 3]] += weights.balance_mark
        typed = [kinds[0] for ancestor in chains[i] if (kinds := named_type(ancestor))]
        if typed:
            # the nearest group that names a type, and the top-most one: "Transport equipment"
            # under "Tangible fixed assets" under "Depreciation expenses" is an expense
            type_rules[i, TYPES.index(typed[0])] += weights.ancestor_type
            type_rules[i, TYPES.index(typed[-1])] += weights.top_ancestor_type
        if account.balance is not None and account.balance != 0:
            debit = account.balance > 0
            type_rules[i, [0, 4] if debit else [1, 2, 3]] += weights.sign
    first = combined + type_rules
    prob = np.exp(_log_softmax(first))
    platform_rules = type_rules.copy()
    # where the platform classified the account itself, chart-level evidence does not overrule
    own_class = np.asarray([bool(CLASSIFICATIONS.get(a.classification.strip().lower()))
                            for a in accounts])  # fmt: skip
    digits = chart_digits(accounts)
    if weights.term_prefix:
        for i, term in enumerate(_prefix_terms(said_terms, digits)):
            if term is not None:
                bucket_rules[i, term_buckets[term]] += weights.term_prefix
    siblings = _sibling_groups(accounts, parents)
    groups = _chart_groups(accounts, digits, weights, siblings, chains)
    if weights.scheme_after_consensus:
        prob = _chart_consensus(combined, type_rules, platform_rules, own_class, prob, groups,
                                weights)  # fmt: skip
    scheme, values, agreement = _scheme_values(
        accounts,
        prob,
        weights.scheme_min_agreement,
        weights.scheme_words,
        weights.scheme_no_words,
        weights.scheme_keywords,
    )
    # a scheme the names agree with only loosely counts less (it may be the wrong one)
    span = max(weights.scheme_full_agreement - weights.scheme_min_agreement, 1e-6)
    scheme_weight = weights.scheme * min(
        1.0, weights.scheme_floor + (agreement - weights.scheme_min_agreement) / span
    )
    disowned = (
        _disowned_prefixes(scheme, values, digits, keywords, layout, weights)
        if scheme is not None and weights.scheme_bucket_agreement
        else frozenset()
    )
    for i, value in enumerate(values):
        if value is None:
            continue
        allowed = _types_of(value)
        if allowed in (("income",), ("expense",)) and weights.polarity_opens_class:
            # a class of costs alone (or income alone) that holds a gain (or a loss) named
            # outright, or both ("Gains/Losses on disposals", more often income than not):
            # the class still says profit and loss, the name says which (and its
            # code neighbours, the class's costs, count less: see `mixed_prefix`)
            named = polarity_words(accounts[i].name)
            if named and named != [allowed[0]]:
                allowed, value = _STATEMENTS["pl"], "pl"
                values[i] = value
        elif allowed[0] in _STATEMENTS["bs"] and len(allowed) == 1 and weights.side_opens_class:
            # "Share capital" in a class of debts: the class still says balance sheet, the
            # name says which side (a strict class is often another country's plan misread),
            # unless it names the class's side too (members' capital "considerado pasivo")
            name = accounts[i].name
            named = side_words(name)
            if named and allowed[0] not in named and allowed[0] not in type_words(name):
                allowed, value = _STATEMENTS["bs"], "bs"
                values[i] = value
        if len(allowed) > 1:
            others = [t for t, kind in enumerate(TYPES) if kind not in allowed]
            type_rules[i, others] -= scheme_weight
            # "current_asset|current_liability" still says current, whichever the type
            parts = {subtypes.get(part) for part in value.split("|")}
            if parts <= {"current_asset", "current_liability"}:
                bucket_rules[i, term_buckets["current"]] += weights.scheme_mixed_bucket
            elif parts <= _NON_CURRENT:
                bucket_rules[i, term_buckets["non_current"]] += weights.scheme_mixed_bucket
            continue
        weight = scheme_weight
        if scheme and weights.scheme_specific and len(_matched_prefix(scheme, digits[i])) > 1:
            # a rule for a narrower prefix (Portuguese 65 impairment losses) is the plan's
            # own word on those accounts, more than a class's broad reading
            weight += weights.scheme_specific
        type_rules[i, TYPES.index(_type_of(value))] += weight
        if value in layout.buckets and (
            not disowned or scheme is None or _matched_prefix(scheme, digits[i]) not in disowned
        ):
            # the name's own detail words, else its parent's ("Supplier A" under "Trade creditors")
            said = keywords[i][:2] or (
                detail_words(accounts[i].parent_name)[:2] if weights.parent_names_bucket else []
            )
            if not _named_within(value, said, layout, weights):
                bucket_rules[i, layout.buckets.index(value)] += weights.scheme_bucket
            if subtypes[value] in _NON_CURRENT:
                bucket_rules[i, term_buckets["non_current"]] += weights.scheme_term
    if weights.code_discount and scheme is not None and model is not None:
        # the scheme now says what the codes mean in this chart: the model's code features
        # (what a first digit means across all the charts it saw) count less
        code_hashes, code_offsets = code_feature_hashes([a.code for a in accounts])
        code_part = model.all_scores(code_hashes, code_offsets, bias=False)
        cut = weights.code_discount
        combined, bucket_scores = _model_evidence(
            raw_type - cut * code_part["type"],
            raw_bucket - cut * code_part["bucket"],
            layout,
        )
    if weights.mixed_prefix != 1.0 and scheme is not None:
        # where the scheme says a prefix holds several types (French 44, Brazilian 3), its
        # accounts' neighbours by code say little about them: the names count more
        mixed = np.asarray([v is not None and len(_types_of(v)) > 1 for v in values])
        scale = np.where(mixed, weights.mixed_prefix, 1.0).astype(np.float32)[:, None]
        groups = _chart_groups(accounts, digits, weights, siblings, chains, scale)
    prob = _chart_consensus(combined, type_rules, platform_rules, own_class, prob, groups, weights)
    final_type = prob
    final_bucket_scores = _bucket_consensus(
        bucket_scores + bucket_rules, final_type, digits, siblings, weights, layout
    )
    chosen_types = final_type.argmax(axis=1)
    # the bucket within the chosen type, and its share of that type's bucket probability
    allowed = layout.bucket_type[None, :] == chosen_types[:, None]
    scores = np.where(allowed, final_bucket_scores, -np.inf)
    within = np.exp(scores - scores.max(axis=1, keepdims=True))
    within /= within.sum(axis=1, keepdims=True)
    chosen_buckets = within.argmax(axis=1)
    confidences = (
        final_type[np.arange(n), chosen_types] * within[np.arange(n), chosen_buckets]
    ).tolist()
    out: list[Suggestion] = []
    for i, account in enumerate(accounts):
        bucket = layout.buckets[int(chosen_buckets[i])]
        found = _detail(bucket, keywords[i], layout)
        if found is None and account.parent_name:
            found = _detail(bucket, detail_words(account.parent_name), layout)
        detail = found or layout.defaults[bucket]
        confidence = float(confidences[i])
        reasons = (f"scheme {scheme.key}",) if scheme is not None and values[i] else ()
        info = layout.tax.details[detail]
        out.append(
            Suggestion(
                type=info.type,
                subtype=info.subtype,
                detail=detail,
                bucket=bucket,
                confidence=round(confidence, 4),
                needs_review=confidence < REVIEW_BELOW,
                reasons=reasons,
            )
        )
    return out


def _disowned_prefixes(
    scheme: Scheme,
    values: list[str | None],
    digits: list[str],
    keywords: list[list[str]],
    layout: _Layout,
    weights: Weights,
) -> frozenset[str]:
    """The scheme's prefixes whose balance-sheet bucket the chart's own names contradict.

    A scheme detected from a chart's codes fits its types far more often than its level-2
    buckets: a Panamanian "15" is stock, not the fixed assets of a US "15". Cash, stock and
    fixed assets are current or not by nature, so names that say one of them tell whether a
    prefix's bucket holds; a name saying another bucket of the same subtype as the scheme's
    catch-all ("Bank" in a class of current assets) agrees with it."""
    votes: dict[str, list[bool]] = defaultdict(list)
    for value, d, found in zip(values, digits, keywords, strict=True):
        if value is None or value not in layout.buckets or not found:
            continue
        kind = bucket_type(value)
        if kind not in ("asset", "liability") or not any(
            k in _INHERENT_TERM and bucket_type(layout.detail_bucket[k]) == kind for k in found[:2]
        ):
            continue
        named = {b for b in _named_buckets(found[:2], layout) if bucket_type(b) == kind}
        votes[_matched_prefix(scheme, d)].append(any(_compatible(value, b, layout) for b in named))
    return frozenset(
        prefix
        for prefix, said in votes.items()
        if len(said) >= weights.scheme_bucket_min
        and sum(said) < weights.scheme_bucket_agreement * len(said)
    )


# details current or non-current by their nature: cash and stock are current, fixed assets
# (tangible or not) are not
_INHERENT_TERM = frozenset({"cash", "inventory", "fixed_assets", "intangibles"})


def _compatible(value: str, named: str, layout: _Layout) -> bool:
    """Whether a name's bucket fits the scheme's: the same, or of the same subtype where either
    is its catch-all. Stock (other current assets) thus fits a class of receivables: measured,
    where Latin-American charts' "11" mixes receivables, investments and stock, letting stock
    disown it left those accounts to weaker guesses (11 worse at level-2)."""
    if value == named:
        return True
    if value in layout.catch_all or named in layout.catch_all:
        return layout.subtypes[value] == layout.subtypes[named]
    return False


def _prefix_terms(
    terms: list[str | None], digits: list[str], size: int = 2, share: float = 0.9
) -> list[str | None]:
    """For each account that says nothing of its term, what those of its code prefix that do
    say, where at least two of them do and nearly all agree."""
    votes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for term, d in zip(terms, digits, strict=True):
        if term is not None and len(d) > size:
            votes[d[:size]][term] += 1
    out: list[str | None] = []
    for term, d in zip(terms, digits, strict=True):
        said = votes.get(d[:size]) if term is None and len(d) > size else None
        if not said:
            out.append(None)
            continue
        best = max(said, key=lambda t: said[t])
        total = sum(said.values())
        out.append(best if said[best] >= 2 and said[best] >= share * total else None)
    return out


def _bucket_consensus(
    scores: Floats,
    type_prob: Floats,
    digits: list[str],
    siblings: list[str | None],
    weights: Weights,
    layout: _Layout,
) -> Floats:
    """Bucket scores plus the log of what the other accounts of the same two-digit code
    prefix and of the same parent hold: within one chart, "Loans (long-term)" and its
    neighbours are mostly in one bucket, where the names alone say little. Part of it counts
    by subtype only: the neighbours of a trade creditor are accruals and taxes, all current
    liabilities, and that says current, not that it is no trade creditor."""
    groups: list[tuple[list[str | None], float]] = []
    if weights.bucket_prefix2 and any(digits):
        groups.append(([d[:2] if len(d) > 2 else None for d in digits], weights.bucket_prefix2))
    if weights.bucket_siblings:
        groups.append((siblings, weights.bucket_siblings))
    if not groups:
        return scores
    # each account's vote: its type's probability, shared out by that type's buckets
    within = np.exp(scores - scores.max(axis=1, keepdims=True))
    kinds = layout.bucket_type
    per_type = within @ (kinds[:, None] == np.arange(len(TYPES))[None, :]).astype(np.float32)
    votes = within / per_type[:, kinds] * type_prob[:, kinds]
    out = scores.copy()
    share = weights.bucket_subtype
    # bucket × bucket: 1 where the two share a subtype
    same = np.asarray(
        [
            [layout.subtypes[a] == layout.subtypes[b] for b in layout.buckets]
            for a in layout.buckets
        ],
        np.float32,
    )
    # the balance sheet's buckets (current or not) count in full, the P&L's less: interest
    # numbered among the overheads is still interest
    balance = np.isin(kinds, [TYPES.index("asset"), TYPES.index("liability")])
    scale = np.where(balance, 1.0, weights.bucket_pl)[None, :].astype(np.float32)
    for members, weight in groups:
        held = _consensus(members, votes)
        held = ((1 - share) * held + share * (held @ same)).astype(np.float32)
        out += weight * scale * np.log(held + 0.05)
    return out


def _named_within(
    bucket: str, found: list[str], layout: _Layout, weights: Weights | None = None
) -> bool:
    """Whether the name's own keywords say "other income/expense" where the scheme's class
    or the platform's type says operating: charts number interest and exchange differences
    among the overheads ("4-5 overheads" in Xero's, which types them "EXPENSE" like the
    rest), and they are still interest and exchange differences. Likewise where the class
    is a catch-all (current liabilities, operating expenses) and the name says which bucket
    of the same subtype: trade creditors among the current liabilities, "Buildings" among
    the operating expenses (its depreciation); and where a class of operating expenses holds
    a cost of sales or stock named outright ("Cost of goods", "Materie prime": purchases)."""
    if weights is not None and weights.named_over_catch_all and bucket in layout.catch_all:
        named = _named_buckets(found, layout)
        same = any(layout.subtypes[n] == layout.subtypes[bucket] for n in named)
        if weights.cost_of_sales_over_catch_all and bucket == "operating_expense":
            same = same or "cost_of_sales" in named or "inventory" in found
        if same and bucket not in named:
            return True
    if bucket not in ("operating_expense", "revenue"):
        return False
    other = "other_expense" if bucket == "operating_expense" else "other_income"
    return any(layout.detail_bucket[d] == other for d in found)


def _named_buckets(found: list[str], layout: _Layout) -> set[str]:
    """The buckets a name's keywords say; a fixed asset's words also say its depreciation."""
    named = {layout.detail_bucket[d] for d in found}
    return named | {"depreciation"} if "fixed_asset" in named else named


def _detail(bucket: str, found: list[str], layout: _Layout) -> str | None:
    return next((d for d in found if layout.detail_bucket[d] == bucket), None)
