"""Spend analysis: per supplier and per payment method, as the Spend Analysis workbook shows it.

Every definition is the spec's (`specs/reports.md`, "Common definitions" and "Spend
Analysis"). Choices the spec leaves open, made here:

- A supplier *active in the period* (counted in "# suppliers" and listed) is one with a bill,
  a bill payment or an expense in the period; suppliers with no activity are left out.
- A bill payment that names no supplier belongs to the supplier of the bill it settles (the
  largest allocation's); an expense that names none, to the company's supplier with the same
  name (`Parameters.match_expense_payees`). Payments and expenses left without a supplier go
  to the row of their own inferred method; a bill without a supplier id to `Unknown`.
- A supplier, payment or expense id that the suppliers frame lacks still makes a supplier
  (named by its id), so that every record is counted.
- Settlement date: allocations of the bill in date order (then payment id); the date of the
  one that brings the cumulative amount to the bill's total. A bill with no amount due whose
  allocations never reach its total (the rest settled by a credit note) takes the date of its
  last allocation; a settled bill with no allocation has no settlement date.
- Weighted averages are over the bills that have the value (a due date; a settlement date);
  "average payment amount" is payments amount / # payments.
- Most common method: ties in count go to the higher amount, then to the earlier method in
  the standard order. Most common terms: count, then higher bill amount, then fewer days.
- "Has accepted credit card in the last 12 months": a bill payment or expense of the supplier
  with inferred method Credit Card dated in the 12 months that end on the period end.
- The Supplier Analysis threshold compares the supplier's *annual* spend (total spend × 12 /
  months reviewed) with `min_supplier_annual_spend` (the same thing for a 12-month period).
- Entities with different base currencies are not converted to the parent's: amounts are
  added as recorded in each entity's base currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import polars as pl

from ledgerlink.insights.frames import LedgerFrames
from ledgerlink.insights.methods import (
    CODE,
    CREDIT_CARD,
    GROUP,
    GROUP_OF,
    GROUPS,
    METHOD,
    METHODS,
    UNKNOWN,
    UNKNOWN_CODE,
    Keywords,
    account_names,
    codes_to_methods,
    codes_to_sources,
    infer_method_codes,
    load_keywords,
    single_company,
)
from ledgerlink.insights.money import as_currency, minor_units, to_decimal
from ledgerlink.insights.parameters import Parameters

EXCLUDED_BILL_STATUSES = ("void", "draft")

KEY = ["company_id", "supplier_source_id"]

# Per-supplier sums, in minor units or counts, that add up to the method rows.
_SUMS = (
    "n_bills",
    "n_bills_outstanding",
    "bills_minor",
    "bills_outstanding_minor",
    "n_bills_paid_late",
    "bills_paid_late_minor",
    "n_payments",
    "payments_minor",
    "n_expenses",
    "expenses_minor",
    "terms_weighted",
    "terms_weight",
    "settlement_weighted",
    "settlement_weight",
)

SUPPLIER_DETAIL_COLUMNS = (
    "contact_name",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
    "tax_number",
    "registration_number",
    "status",
)


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    """The Customer tab: who, which period, and the headline counts and amounts."""

    company_id: int | None
    company_name: str
    legal_name: str
    registration_number: str
    tax_number: str
    phone: str
    website: str
    addresses: tuple[str, ...]
    base_currency: str
    start: date
    end: date
    months_reviewed: Decimal
    min_supplier_annual_spend: Decimal
    suppliers_count: int
    bills_count: int
    bills_amount: Decimal
    payments_count: int
    payments_amount: Decimal
    expenses_count: int
    expenses_amount: Decimal
    total_spend: Decimal


@dataclass(frozen=True, slots=True)
class SpendAnalysis:
    """Everything the Spend Analysis workbook shows, plus what the other reports build on.

    - `methods`: the Spend Analysis tab, one row per method, group subtotal and total
      (`level` is "Method", "Group" or "Total"); money in currency units (Float64), shares as
      fractions (0.25 is 25 %), averages in days or currency units.
    - `suppliers`: every supplier active in the period, by total spend (highest first); the
      Supplier Analysis tab is `supplier_analysis()` (those above the threshold).
    - `bills`, `bill_payments`, `expenses`: the records used, with what was derived from
      them (base-currency amounts, terms, settlement, inferred methods); `bill_payments` and
      `expenses` cover the period only. `bills_tab()` and the like give the raw tabs.
    - `entities`: the Entity Spend Breakdown, or None for a single company.
    """

    parameters: Parameters
    customer: CustomerFacts
    methods: pl.DataFrame
    suppliers: pl.DataFrame
    bills: pl.DataFrame
    bill_payments: pl.DataFrame
    expenses: pl.DataFrame
    allocations: pl.DataFrame
    accounts: pl.DataFrame
    entities: pl.DataFrame | None

    @property
    def multi_entity(self) -> bool:
        return self.entities is not None

    @property
    def currency_decimals(self) -> int:
        return self.parameters.currency_decimals

    def supplier_analysis(self) -> pl.DataFrame:
        """Suppliers whose annual spend reaches the threshold, by total spend, highest first."""
        threshold = float(self.parameters.min_supplier_annual_spend)
        return self.suppliers.filter(pl.col("annual_spend") >= threshold)

    def bills_tab(self) -> pl.DataFrame:
        return bills_tab(self)

    def bill_payments_tab(self) -> pl.DataFrame:
        return bill_payments_tab(self)

    def expenses_tab(self) -> pl.DataFrame:
        return expenses_tab(self)


# --- selecting and preparing records ----------------------------------------------------------
#
# Wide frames are never joined here (a join copies every column): a lookup joins the key
# columns alone (`_lookup`) or, for a small table, uses `replace_strict`, and the result is
# added with `with_columns`, which shares the other columns. Suppliers are numbered (`sidx`)
# so that everything after runs on integers.


def _lookup(
    frame: pl.DataFrame,
    column: str,
    table: pl.DataFrame,
    table_column: str,
    value: str,
    single: bool,
) -> pl.Series:
    """Per row of `frame`, the `value` of the `table` row with the same (company, id).

    A narrow left join (only the key columns travel), so a wide frame is not copied.
    """
    dtype = table.schema[value]
    if table.height == 0 or frame.height == 0:
        return pl.Series(value, [None] * frame.height, dtype=dtype)
    on = [column] if single else ["company_id", column]
    right = table.select(
        *([] if single else ["company_id"]),
        pl.col(table_column).alias(column),
        pl.col(value).alias("_value"),
    )
    left = frame.select(on)
    joined = left.join(right, on=on, how="left", maintain_order="left")
    if joined.height != frame.height:  # duplicate ids in the table: the first one counts
        right = right.unique(subset=on, keep="first", maintain_order=True)
        joined = left.join(right, on=on, how="left", maintain_order="left")
    return joined.get_column("_value").alias(value)


def _period_bills(frames: LedgerFrames, params: Parameters) -> pl.DataFrame:
    d = params.currency_decimals
    statuses = [*EXCLUDED_BILL_STATUSES, *(s.upper() for s in EXCLUDED_BILL_STATUSES)]
    statuses += [s.title() for s in EXCLUDED_BILL_STATUSES]
    bills = frames.bills.filter(
        pl.col("issue_date").is_between(params.start, params.end)
        & ~pl.col("is_deleted")
        & ~pl.col("status").is_in(statuses)
    )
    return bills.with_columns(
        minor_units("total_amount", "exchange_rate", d).alias("amount_minor"),
        minor_units("amount_due", "exchange_rate", d).alias("due_minor"),
        (pl.col("due_date") - pl.col("issue_date")).dt.total_days().alias("terms_days"),
    )


def _settle(bills: pl.DataFrame, allocations: pl.DataFrame, single: bool) -> pl.DataFrame:
    """Add `settlement_date`, `settlement_days` and `paid_late` to the period's bills."""
    n = bills.height
    settled = bills.select(
        pl.int_range(n, dtype=pl.UInt32).alias("bidx"),
        "company_id",
        "source_id",
        (pl.col("amount_due") <= 0).alias("_settled"),
    ).filter("_settled")
    bidx = _lookup(allocations, "bill_source_id", settled, "source_id", "bidx", single)
    totals = bills.select(pl.col("total_amount").to_physical().cast(pl.Int64))["total_amount"]
    alloc = allocations.select(
        bidx,
        pl.coalesce("allocated_on", "payment_date").alias("_date"),
        pl.col("amount").to_physical().cast(pl.Int64).alias("_units"),
    ).filter(pl.col("bidx").is_not_null() & pl.col("_date").is_not_null())
    # In date order per bill; the cumulative amount crosses the total on the settlement date
    # (the order of allocations on one day cannot move that date). One Int64 sort key.
    day = pl.col("_date").cast(pl.Int32).clip(-400_000, 400_000) + 500_000  # within [0, 1e6)
    order = pl.col("bidx").cast(pl.Int64) * 1_000_000 + day
    alloc = alloc.sort(order)
    running = pl.col("_units").cum_sum()
    starts = (pl.col("bidx") != pl.col("bidx").shift(1)).fill_null(True)
    alloc = alloc.with_columns(
        (
            running
            - pl.when(starts).then(running - pl.col("_units")).otherwise(None).forward_fill()
        ).alias("_cum"),
        pl.lit(totals).gather(pl.col("bidx")).alias("_total"),
    )
    crossing = alloc.filter(pl.col("_cum") >= pl.col("_total")).filter(
        pl.col("bidx").is_first_distinct()
    )
    last = alloc.filter(pl.col("bidx").is_last_distinct())
    dates = pl.Series("settlement_date", [None] * n, dtype=pl.Date())
    if last.height:
        dates = dates.scatter(last["bidx"], last["_date"])
    if crossing.height:
        dates = dates.scatter(crossing["bidx"], crossing["_date"])
    out = bills.with_columns(dates)
    return out.with_columns(
        (pl.col("settlement_date") - pl.col("issue_date")).dt.total_days().alias("settlement_days"),
        (pl.col("settlement_date") > pl.col("due_date")).fill_null(False).alias("paid_late"),
    )


def _window(frame: pl.DataFrame, column: str, params: Parameters) -> pl.DataFrame:
    return frame.filter(
        pl.col(column).is_between(params.window_start, params.end) & ~pl.col("is_deleted")
    ).with_columns(pl.col(column).is_between(params.start, params.end).alias("in_period"))


def _resolve_payment_suppliers(
    payments: pl.DataFrame, frames: LedgerFrames, single: bool
) -> pl.DataFrame:
    """A payment that names no supplier gets the supplier of its largest allocation's bill."""
    blank = payments.filter(pl.col("supplier_source_id") == "")
    if blank.height == 0:
        return payments
    wanted = blank.select("company_id", pl.col("source_id").alias("payment_source_id"))
    alloc = frames.allocations.join(wanted, on=["company_id", "payment_source_id"], how="semi")
    bills = (
        frames.bills.filter(~pl.col("is_deleted") & (pl.col("supplier_source_id") != ""))
        .join(
            alloc.select("company_id", pl.col("bill_source_id").alias("source_id")),
            on=["company_id", "source_id"],
            how="semi",
        )
        .unique(subset=["company_id", "source_id"], keep="first")
    )
    picked = (
        alloc.with_columns(
            _lookup(
                alloc, "bill_source_id", bills, "source_id", "supplier_source_id", single
            ).alias("_supplier")
        )
        .filter(pl.col("_supplier").is_not_null())
        .sort("amount", descending=True)
        .unique(subset=["company_id", "payment_source_id"], keep="first", maintain_order=True)
    )
    found = _lookup(payments, "source_id", picked, "payment_source_id", "_supplier", single)
    return payments.with_columns(
        pl.when(pl.col("supplier_source_id") == "")
        .then(pl.lit(found).fill_null(""))
        .otherwise(pl.col("supplier_source_id"))
        .alias("supplier_source_id")
    )


def _name_key(column: str) -> pl.Expr:
    return pl.col(column).str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()


def _resolve_payees(
    expenses: pl.DataFrame, frames: LedgerFrames, params: Parameters
) -> pl.DataFrame:
    """An expense with a payee name but no supplier id gets the supplier of that name."""
    if not params.match_expense_payees:
        return expenses
    blank = (pl.col("supplier_source_id") == "") & (pl.col("supplier_name") != "")
    if expenses.filter(blank).height == 0:
        return expenses
    names = (
        frames.suppliers.filter(~pl.col("is_deleted") & (pl.col("name") != ""))
        .with_columns(
            pl.concat_str(
                [pl.col("company_id").cast(pl.String()), _name_key("name")], separator="\x1f"
            ).alias("_payee")
        )
        .group_by("_payee")
        .agg(pl.col("source_id").first(), pl.len().alias("_n"))
        .filter(pl.col("_n") == 1)
    )
    payee = pl.concat_str(
        [pl.col("company_id").cast(pl.String()), _name_key("supplier_name")], separator="\x1f"
    )
    found = (
        pl.when(blank).then(payee).replace_strict(names["_payee"], names["source_id"], default=None)
    )
    return expenses.with_columns(
        pl.when(blank)
        .then(found.fill_null(""))
        .otherwise(pl.col("supplier_source_id"))
        .alias("supplier_source_id")
    )


def _index_suppliers(
    frames: LedgerFrames, records: list[pl.DataFrame], single: bool
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Number the suppliers (`sidx`) and give each record its supplier's number.

    Ids that the suppliers frame lacks become suppliers of their own, named by the id.
    """
    keys = (
        frames.suppliers.sort("is_deleted")
        .unique(subset=["company_id", "source_id"], keep="first", maintain_order=True)
        .rename({"source_id": "supplier_source_id"})
        .with_row_index("sidx")
    )
    attached = [
        frame.with_columns(
            _lookup(frame, "supplier_source_id", keys, "supplier_source_id", "sidx", single)
            .cast(pl.UInt32)
            .alias("sidx")
        )
        for frame in records
    ]
    dangling = pl.concat(
        [
            frame.filter(pl.col("sidx").is_null() & (pl.col("supplier_source_id") != "")).select(
                "company_id", "company_name", "supplier_source_id"
            )
            for frame in attached
        ]
    ).unique(subset=KEY, keep="first", maintain_order=True)
    if dangling.height:
        extra = dangling.with_columns(
            pl.col("supplier_source_id").alias("name"),
            pl.int_range(keys.height, keys.height + dangling.height, dtype=pl.UInt32).alias("sidx"),
        )
        keys = pl.concat([keys, extra], how="diagonal_relaxed")
        attached = [
            frame.with_columns(
                pl.coalesce(
                    pl.col("sidx"),
                    pl.lit(
                        _lookup(
                            frame, "supplier_source_id", extra, "supplier_source_id", "sidx", single
                        )
                    ),
                ).cast(pl.UInt32)
            )
            for frame in attached
        ]
    return keys, attached


# --- per supplier ----------------------------------------------------------------------------


def _pick(counts: pl.DataFrame, column: str, alias: str) -> pl.DataFrame:
    """Per supplier, the `column` value with most records (`_n`); ties: higher amount
    (`_amount`), then the lower value (the earlier method; the fewer days)."""
    return (
        counts.group_by(["sidx", column])
        .agg(pl.col("_n").sum(), pl.col("_amount").sum())
        .sort(["sidx", "_n", "_amount", column], descending=[False, True, True, False])
        .filter(pl.col("sidx").is_first_distinct())
        .select("sidx", pl.col(column).alias(alias))
    )


_TERMS_SPAN = 1 << 21  # terms in days, offset into [1, 2^21 - 2]; 0 means no due date
_TERMS_OFFSET = 1 << 20


def _bill_cells(bills: pl.DataFrame) -> pl.DataFrame:
    """Bills summed per supplier and payment terms (one pass; per-supplier sums follow)."""
    amount = pl.col("amount_minor")
    zero = pl.lit(0, dtype=pl.Int64())
    has_terms = pl.col("terms_days").is_not_null()
    has_settlement = pl.col("settlement_days").is_not_null()
    terms = (
        pl.col("terms_days").clip(-_TERMS_OFFSET + 1, _TERMS_OFFSET - 2) + _TERMS_OFFSET
    ).fill_null(0)
    narrow = bills.select(
        (pl.col("sidx").cast(pl.Int64) * _TERMS_SPAN + terms).alias("_key"),
        "issue_date",
        amount,
        (pl.col("due_minor") > 0).alias("_outstanding"),
        pl.when(pl.col("due_minor") > 0).then(pl.col("due_minor")).otherwise(zero).alias("_due"),
        "paid_late",
        pl.when(pl.col("paid_late")).then(amount).otherwise(zero).alias("_late"),
        (amount.cast(pl.Float64) * pl.col("terms_days")).fill_null(0.0).alias("_tw"),
        pl.when(has_terms).then(amount).otherwise(zero).alias("_ta"),
        (amount.cast(pl.Float64) * pl.col("settlement_days")).fill_null(0.0).alias("_sw"),
        pl.when(has_settlement).then(amount).otherwise(zero).alias("_sa"),
    )
    cells = narrow.group_by("_key").agg(
        pl.len().alias("n_bills"),
        pl.col("_outstanding").sum().alias("n_bills_outstanding"),
        amount.sum().alias("bills_minor"),
        pl.col("_due").sum().alias("bills_outstanding_minor"),
        pl.col("paid_late").sum().alias("n_bills_paid_late"),
        pl.col("_late").sum().alias("bills_paid_late_minor"),
        pl.col("_tw").sum().alias("terms_weighted"),
        pl.col("_ta").sum().alias("terms_weight"),
        pl.col("_sw").sum().alias("settlement_weighted"),
        pl.col("_sa").sum().alias("settlement_weight"),
        pl.col("issue_date").max().alias("last_bill_date"),
    )
    code = pl.col("_key") % _TERMS_SPAN
    return cells.with_columns(
        (pl.col("_key") // _TERMS_SPAN).cast(pl.UInt32).alias("sidx"),
        pl.when(code == 0).then(None).otherwise(code - _TERMS_OFFSET).alias("terms_days"),
    ).drop("_key")


def _supplier_table(
    keys: pl.DataFrame,
    bills: pl.DataFrame,
    payments: pl.DataFrame,
    expenses: pl.DataFrame,
    params: Parameters,
) -> pl.DataFrame:
    d = params.currency_decimals
    cells = _bill_cells(bills.filter(pl.col("sidx").is_not_null()))
    bill_sums = cells.group_by("sidx").agg(
        *(pl.col(c).sum() for c in _SUMS[:6]),
        *(pl.col(c).sum() for c in _SUMS[10:]),
        pl.col("last_bill_date").max(),
    )
    terms = _pick(
        cells.filter(pl.col("terms_days").is_not_null()).select(
            "sidx",
            "terms_days",
            pl.col("n_bills").alias("_n"),
            pl.col("bills_minor").alias("_amount"),
        ),
        "terms_days",
        "common_terms_days",
    )
    # Payments and expenses in one pass: counted and summed per supplier and cell, a cell
    # being (kind, in the period, in the last 12 months, inferred method, ERP method).
    columns = ["sidx", "method_code", "erp_code", "amount_minor", "in_period"]
    txn = pl.concat(
        [
            payments.select(*columns, pl.col("payment_date").alias("day"), pl.lit(0).alias("kind")),
            expenses.select(*columns, pl.col("expense_date").alias("day"), pl.lit(1).alias("kind")),
        ],
        how="vertical_relaxed",
    ).filter(pl.col("sidx").is_not_null())
    recent_flag = (pl.col("day") >= params.card_lookback_start).cast(pl.Int64)
    cell = (
        ((pl.col("kind").cast(pl.Int64) * 2 + pl.col("in_period").cast(pl.Int64)) * 2 + recent_flag)
        * 8
        + pl.col("method_code").cast(pl.Int64)
    ) * 8 + pl.col("erp_code").cast(pl.Int64)
    grouped = txn.group_by((pl.col("sidx").cast(pl.Int64) * 512 + cell).alias("_key")).agg(
        pl.len().alias("_n"),
        pl.col("amount_minor").sum().alias("_amount"),
        pl.col("day").max().alias("_day"),
    )
    code = pl.col("_key") % 512
    grouped = grouped.select(
        (pl.col("_key") // 512).cast(pl.UInt32).alias("sidx"),
        (code // 256).alias("kind"),
        ((code // 128) % 2 == 1).alias("in_period"),
        ((code // 64) % 2 == 1).alias("recent"),
        ((code // 8) % 8).alias("method_code"),
        (code % 8).alias("erp_code"),
        "_n",
        "_amount",
        "_day",
    )
    recent = (
        grouped.filter("recent")
        .group_by("sidx")
        .agg(
            pl.col("_n").sum().alias("n_transactions_12m"),
            (pl.col("method_code") == CODE[CREDIT_CARD]).any().alias("card_accepted_12m"),
        )
    )
    period = grouped.filter("in_period")
    is_payment = pl.col("kind") == 0
    zero = pl.lit(0, dtype=pl.Int64())
    txn_sums = period.group_by("sidx").agg(
        pl.when(is_payment).then(pl.col("_n")).otherwise(0).sum().alias("n_payments"),
        pl.when(is_payment).then(pl.col("_amount")).otherwise(zero).sum().alias("payments_minor"),
        pl.when(is_payment).then(0).otherwise(pl.col("_n")).sum().alias("n_expenses"),
        pl.when(is_payment).then(zero).otherwise(pl.col("_amount")).sum().alias("expenses_minor"),
        pl.when(~is_payment).then(pl.col("_day")).max().alias("last_expense_date"),
    )
    inferred = _pick(period, "method_code", "method").with_columns(
        codes_to_methods(pl.col("method").cast(pl.UInt8))
    )
    erp = _pick(period.filter(pl.col("erp_code") != UNKNOWN_CODE), "erp_code", "method_erp")
    erp = erp.with_columns(codes_to_methods(pl.col("method_erp").cast(pl.UInt8)))
    table = pl.concat([bill_sums.select("sidx"), txn_sums.select("sidx")]).unique()
    for part in (bill_sums, terms, txn_sums, inferred, erp, recent):
        table = table.join(part, on="sidx", how="left")
    details = keys.select(
        "sidx",
        "company_id",
        "company_name",
        pl.col("supplier_source_id").alias("supplier_id"),
        "name",
        pl.col("first_seen_at").dt.date().alias("imported_date"),
        *SUPPLIER_DETAIL_COLUMNS,
    )
    table = table.join(details, on="sidx", how="left")
    zero_int = [c for c in _SUMS if c.startswith("n_") or c.endswith("_minor")]
    zero_float = [c for c in _SUMS if c not in zero_int]
    table = table.with_columns(
        *(pl.col(c).fill_null(0).cast(pl.Int64) for c in zero_int),
        *(pl.col(c).cast(pl.Float64).fill_null(0.0) for c in zero_float),
        pl.col("method").fill_null(UNKNOWN),
        pl.col("n_transactions_12m").fill_null(0).cast(pl.Int64),
        pl.col("card_accepted_12m").fill_null(False),
        pl.col("common_terms_days").cast(pl.Int64),
        *(pl.col(c).fill_null("") for c in ("name", "supplier_id", *SUPPLIER_DETAIL_COLUMNS)),
    )
    scale = float(10**d)
    months = float(params.months_reviewed)
    table = table.with_columns(
        (pl.col("bills_minor") + pl.col("expenses_minor")).alias("total_spend_minor"),
        pl.col("method")
        .cast(pl.String())
        .replace_strict(GROUP_OF, return_dtype=GROUP)
        .alias("group"),
    )
    out = table.with_columns(
        as_currency(pl.col("total_spend_minor"), d).alias("total_spend"),
        (pl.col("total_spend_minor").cast(pl.Float64) / scale * 12.0 / months).alias(
            "annual_spend"
        ),
        as_currency(pl.col("bills_minor"), d).alias("bills_amount"),
        as_currency(pl.col("bills_outstanding_minor"), d).alias("bills_outstanding_amount"),
        _share("bills_outstanding_minor", "bills_minor").alias("pct_outstanding"),
        as_currency(pl.col("bills_paid_late_minor"), d).alias("bills_paid_late_amount"),
        _share("bills_paid_late_minor", "bills_minor").alias("pct_paid_late"),
        as_currency(pl.col("payments_minor"), d).alias("payments_amount"),
        _average("payments_minor", "n_payments", scale).alias("avg_payment_amount"),
        _ratio("terms_weighted", "terms_weight").alias("avg_payment_terms"),
        _ratio("settlement_weighted", "settlement_weight").alias("avg_settlement_days"),
        as_currency(pl.col("expenses_minor"), d).alias("expenses_amount"),
    )
    return out.sort(
        ["total_spend_minor", "name", "supplier_id"], descending=[True, False, False]
    ).select(SUPPLIER_COLUMNS)


SUPPLIER_COLUMNS: tuple[str, ...] = (
    "sidx",
    "company_id",
    "company_name",
    "name",
    "method_erp",
    "method",
    "group",
    "card_accepted_12m",
    "imported_date",
    "total_spend",
    "annual_spend",
    "n_bills",
    "n_bills_outstanding",
    "bills_amount",
    "bills_outstanding_amount",
    "pct_outstanding",
    "n_bills_paid_late",
    "bills_paid_late_amount",
    "pct_paid_late",
    "last_bill_date",
    "n_payments",
    "payments_amount",
    "avg_payment_amount",
    "avg_payment_terms",
    "common_terms_days",
    "avg_settlement_days",
    "n_expenses",
    "expenses_amount",
    "last_expense_date",
    "supplier_id",
    *SUPPLIER_DETAIL_COLUMNS,
    "n_transactions_12m",
    *_SUMS,
    "total_spend_minor",
)
SUPPLIER_COLUMNS = tuple(dict.fromkeys(SUPPLIER_COLUMNS))


def _share(part: str, whole: str) -> pl.Expr:
    return (
        pl.when(pl.col(whole) != 0)
        .then(pl.col(part).cast(pl.Float64) / pl.col(whole).cast(pl.Float64))
        .otherwise(None)
    )


def _ratio(part: str, whole: str) -> pl.Expr:
    return pl.when(pl.col(whole) != 0).then(pl.col(part) / pl.col(whole)).otherwise(None)


def _average(total: str, count: str, scale: float) -> pl.Expr:
    return (
        pl.when(pl.col(count) > 0)
        .then(pl.col(total).cast(pl.Float64) / scale / pl.col(count).cast(pl.Float64))
        .otherwise(None)
    )


# --- per method ------------------------------------------------------------------------------


def _method_table(
    suppliers: pl.DataFrame,
    bills: pl.DataFrame,
    payments: pl.DataFrame,
    expenses: pl.DataFrame,
    params: Parameters,
) -> pl.DataFrame:
    d = params.currency_decimals
    per_supplier = suppliers.group_by("method").agg(
        pl.len().alias("n_suppliers"), *(pl.col(c).sum() for c in _SUMS)
    )
    # Records without a supplier: payments and expenses by their own method, bills Unknown.
    loose_payments = (
        payments.filter(pl.col("in_period") & pl.col("sidx").is_null())
        .with_columns(codes_to_methods(pl.col("method_code")).alias("method"))
        .group_by("method")
        .agg(pl.len().alias("n_payments"), pl.col("amount_minor").sum().alias("payments_minor"))
    )
    loose_expenses = (
        expenses.filter(pl.col("in_period") & pl.col("sidx").is_null())
        .with_columns(codes_to_methods(pl.col("method_code")).alias("method"))
        .group_by("method")
        .agg(pl.len().alias("n_expenses"), pl.col("amount_minor").sum().alias("expenses_minor"))
    )
    loose_bills = bills.filter(pl.col("sidx").is_null())
    loose_bill_sums = loose_bills.select(
        pl.lit(UNKNOWN, dtype=METHOD).alias("method"),
        pl.len().alias("n_bills"),
        (pl.col("due_minor") > 0).sum().alias("n_bills_outstanding"),
        pl.col("amount_minor").sum().alias("bills_minor"),
        pl.col("due_minor").filter(pl.col("due_minor") > 0).sum().alias("bills_outstanding_minor"),
        pl.col("paid_late").sum().alias("n_bills_paid_late"),
        pl.col("amount_minor").filter(pl.col("paid_late")).sum().alias("bills_paid_late_minor"),
    )
    skeleton = pl.DataFrame({"method": list(METHODS)}, schema={"method": METHOD})
    parts = [per_supplier, loose_payments, loose_expenses]
    if loose_bills.height:
        parts.append(loose_bill_sums)
    stacked = pl.concat(
        [skeleton, *(p.with_columns(pl.col("method").cast(METHOD)) for p in parts)],
        how="diagonal_relaxed",
    )
    sums = ["n_suppliers", *_SUMS]
    by_method = (
        stacked.group_by("method")
        .agg(*(pl.col(c).sum() for c in sums))
        .with_columns(
            pl.col("method")
            .cast(pl.String())
            .replace_strict(GROUP_OF, return_dtype=GROUP)
            .alias("group")
        )
    )
    rows: list[pl.DataFrame] = []
    for group in GROUPS:
        members = by_method.filter(pl.col("group") == group).sort("method")
        rows.append(
            members.select(
                pl.lit("Method").alias("level"),
                "group",
                pl.col("method").cast(pl.String()).alias("label"),
                *sums,
            )
        )
        rows.append(
            members.select(
                pl.lit("Group").alias("level"),
                pl.lit(group, dtype=GROUP).alias("group"),
                pl.lit(group).alias("label"),
                *(pl.col(c).sum() for c in sums),
            )
        )
    rows.append(
        by_method.select(
            pl.lit("Total").alias("level"),
            pl.lit(None, dtype=GROUP).alias("group"),
            pl.lit("Total").alias("label"),
            *(pl.col(c).sum() for c in sums),
        )
    )
    table = pl.concat(rows, how="vertical_relaxed").with_columns(
        *(pl.col(c).cast(pl.Int64) for c in sums if c.startswith("n_") or c.endswith("_minor"))
    )
    totals = table.filter(pl.col("level") == "Total").row(0, named=True)
    scale = float(10**d)

    def of_total(column: str) -> pl.Expr:
        whole = totals[column]
        if not whole:
            return pl.lit(None, dtype=pl.Float64())
        return pl.col(column).cast(pl.Float64) / float(whole)

    table = table.with_columns(
        (pl.col("bills_minor") + pl.col("expenses_minor")).alias("total_spend_minor")
    )
    return table.select(
        "level",
        "group",
        pl.col("label").alias("method"),
        "n_suppliers",
        of_total("n_suppliers").alias("pct_suppliers"),
        of_total("n_bills").alias("pct_bills_count"),
        of_total("bills_minor").alias("pct_bills_amount"),
        as_currency(pl.col("total_spend_minor"), d).alias("total_spend"),
        "n_bills",
        "n_bills_outstanding",
        as_currency(pl.col("bills_minor"), d).alias("bills_amount"),
        as_currency(pl.col("bills_outstanding_minor"), d).alias("bills_outstanding_amount"),
        _share("bills_outstanding_minor", "bills_minor").alias("pct_outstanding"),
        "n_bills_paid_late",
        as_currency(pl.col("bills_paid_late_minor"), d).alias("bills_paid_late_amount"),
        _share("bills_paid_late_minor", "bills_minor").alias("pct_paid_late"),
        "n_payments",
        as_currency(pl.col("payments_minor"), d).alias("payments_amount"),
        _average("payments_minor", "n_payments", scale).alias("avg_payment_amount"),
        _ratio("terms_weighted", "terms_weight").alias("avg_payment_terms"),
        _ratio("settlement_weighted", "settlement_weight").alias("avg_settlement_days"),
        of_total("n_expenses").alias("pct_expenses_count"),
        of_total("expenses_minor").alias("pct_expenses_amount"),
        "n_expenses",
        as_currency(pl.col("expenses_minor"), d).alias("expenses_amount"),
        "total_spend_minor",
        "bills_minor",
        "payments_minor",
        "expenses_minor",
    )


# --- customer and entities -------------------------------------------------------------------


def _company_row(frames: LedgerFrames, params: Parameters) -> dict[str, object]:
    companies = frames.companies
    if params.company_id is not None:
        chosen = companies.filter(pl.col("company_id") == params.company_id)
        if chosen.height:
            return chosen.row(0, named=True)
    if companies.height:
        return companies.sort("company_id").row(0, named=True)
    for frame in (frames.suppliers, frames.bills, frames.bill_payments, frames.expenses):
        if frame.height:
            return {
                "company_id": frame.item(0, "company_id"),
                "company_name": frame.item(0, "company_name"),
            }
    return {"company_id": params.company_id}


def _customer(
    frames: LedgerFrames, params: Parameters, methods: pl.DataFrame, suppliers: pl.DataFrame
) -> CustomerFacts:
    d = params.currency_decimals
    row = _company_row(frames, params)
    total = methods.filter(pl.col("level") == "Total").row(0, named=True)

    def text(key: str) -> str:
        value = row.get(key)
        return value if isinstance(value, str) else ""

    addresses = row.get("addresses")
    company_id = row.get("company_id")
    return CustomerFacts(
        company_id=company_id if isinstance(company_id, int) else None,
        company_name=text("company_name") or text("legal_name"),
        legal_name=text("legal_name") or text("company_name"),
        registration_number=text("registration_number"),
        tax_number=text("tax_number"),
        phone=text("phone"),
        website=text("website"),
        addresses=tuple(str(a) for a in addresses if a) if isinstance(addresses, list) else (),
        base_currency=text("base_currency"),
        start=params.start,
        end=params.end,
        months_reviewed=params.months_reviewed,
        min_supplier_annual_spend=params.min_supplier_annual_spend,
        suppliers_count=suppliers.height,
        bills_count=int(total["n_bills"]),
        bills_amount=to_decimal(int(total["bills_minor"]), d),
        payments_count=int(total["n_payments"]),
        payments_amount=to_decimal(int(total["payments_minor"]), d),
        expenses_count=int(total["n_expenses"]),
        expenses_amount=to_decimal(int(total["expenses_minor"]), d),
        total_spend=to_decimal(int(total["total_spend_minor"]), d),
    )


def _entities(
    frames: LedgerFrames, bills: pl.DataFrame, expenses: pl.DataFrame, params: Parameters
) -> pl.DataFrame | None:
    names = pl.concat(
        [
            frames.companies.select("company_id", "company_name"),
            *(
                f.select("company_id", "company_name").unique(subset="company_id")
                for f in (frames.suppliers, bills, frames.bill_payments, expenses)
            ),
        ]
    ).filter(pl.col("company_name") != "")
    ids = pl.concat(
        [
            frames.companies.select("company_id"),
            *(
                f.select("company_id").unique()
                for f in (frames.suppliers, bills, frames.bill_payments, expenses)
            ),
        ]
    ).unique()
    if ids.height <= 1:
        return None
    d = params.currency_decimals
    names = names.unique(subset="company_id", keep="first", maintain_order=True)
    bill_sums = bills.group_by("company_id").agg(pl.col("amount_minor").sum().alias("_bills"))
    exp_sums = (
        expenses.filter(pl.col("in_period"))
        .group_by("company_id")
        .agg(pl.col("amount_minor").sum().alias("_expenses"))
    )
    table = (
        ids.join(names, on="company_id", how="left")
        .join(bill_sums, on="company_id", how="left")
        .join(exp_sums, on="company_id", how="left")
        .with_columns(
            pl.col("company_name").fill_null(""),
            pl.col("_bills").fill_null(0),
            pl.col("_expenses").fill_null(0),
        )
        .sort("company_id")
    )
    return table.select(
        "company_id",
        "company_name",
        as_currency(pl.col("_bills"), d).alias("bills_amount"),
        as_currency(pl.col("_expenses"), d).alias("expenses_amount"),
        as_currency(pl.col("_bills") + pl.col("_expenses"), d).alias("total_spend"),
        (pl.col("_bills") + pl.col("_expenses")).alias("total_spend_minor"),
    )


# --- the analysis ----------------------------------------------------------------------------


def analyse_spend(
    frames: LedgerFrames, params: Parameters, *, keywords: Keywords | None = None
) -> SpendAnalysis:
    """The Spend Analysis of the frames over `params`' period."""
    words = keywords or load_keywords(params.languages, params.extra_keywords)
    d = params.currency_decimals
    single = single_company(
        frames.suppliers, frames.bills, frames.bill_payments, frames.expenses, frames.accounts
    )

    bills = _settle(_period_bills(frames, params), frames.allocations, single)
    payments = _window(frames.bill_payments, "payment_date", params)
    payments = _resolve_payment_suppliers(payments, frames, single)
    payments = infer_method_codes(payments, frames.accounts, words, single=single).with_columns(
        minor_units("amount", "exchange_rate", d).alias("amount_minor")
    )
    expenses = _window(frames.expenses, "expense_date", params).filter(pl.col("amount") > 0)
    expenses = _resolve_payees(expenses, frames, params)
    expenses = infer_method_codes(expenses, frames.accounts, words, single=single).with_columns(
        minor_units("amount", "exchange_rate", d).alias("amount_minor")
    )
    keys, (bills, payments, expenses) = _index_suppliers(
        frames, [bills, payments, expenses], single
    )
    suppliers = _supplier_table(keys, bills, payments, expenses, params)
    methods = _method_table(suppliers, bills, payments, expenses, params)
    customer = _customer(frames, params, methods, suppliers)
    entities = _entities(frames, bills, expenses, params)
    return SpendAnalysis(
        parameters=params,
        customer=customer,
        methods=methods,
        suppliers=suppliers,
        bills=bills,
        bill_payments=payments.filter(pl.col("in_period")),
        expenses=expenses.filter(pl.col("in_period")),
        allocations=frames.allocations,
        accounts=frames.accounts,
        entities=entities,
    )


# --- raw tabs --------------------------------------------------------------------------------


def _supplier_lookup(analysis: SpendAnalysis) -> pl.DataFrame:
    return analysis.suppliers.select(
        "sidx", pl.col("name").alias("_supplier_name"), pl.col("method").alias("supplier_method")
    )


def bills_tab(analysis: SpendAnalysis) -> pl.DataFrame:
    """The Bills tab: each bill of the period with its base amounts, terms and settlement."""
    d = analysis.currency_decimals
    bills = analysis.bills.join(_supplier_lookup(analysis), on="sidx", how="left")
    return bills.sort(["issue_date", "company_id", "source_id"]).select(
        "company_id",
        "company_name",
        pl.col("source_id").alias("bill_id"),
        "reference",
        pl.col("supplier_source_id").alias("supplier_id"),
        pl.col("_supplier_name").fill_null("").alias("supplier_name"),
        "issue_date",
        "due_date",
        "status",
        "currency",
        pl.col("exchange_rate").cast(pl.Float64),
        pl.col("total_amount").cast(pl.Float64),
        pl.col("amount_due").cast(pl.Float64),
        as_currency(pl.col("amount_minor"), d).alias("total_base"),
        as_currency(pl.col("due_minor"), d).alias("amount_due_base"),
        (pl.col("due_minor") > 0).alias("outstanding"),
        "terms_days",
        "settlement_date",
        "settlement_days",
        "paid_late",
        pl.col("supplier_method").fill_null(UNKNOWN).alias("spend_analysis_row"),
    )


def _allocated_bills(analysis: SpendAnalysis) -> pl.DataFrame:
    return analysis.allocations.group_by(["company_id", "payment_source_id"]).agg(
        pl.col("bill_source_id").str.join(", ").alias("bills_paid")
    )


def bill_payments_tab(analysis: SpendAnalysis) -> pl.DataFrame:
    """The Bill Payments tab: each payment of the period, its method and the bills it paid."""
    d = analysis.currency_decimals
    payments = analysis.bill_payments.join(_supplier_lookup(analysis), on="sidx", how="left").join(
        _allocated_bills(analysis),
        left_on=["company_id", "source_id"],
        right_on=["company_id", "payment_source_id"],
        how="left",
    )
    single = single_company(payments, analysis.accounts)
    return payments.sort(["payment_date", "company_id", "source_id"]).select(
        "company_id",
        "company_name",
        pl.col("source_id").alias("payment_id"),
        pl.col("supplier_source_id").alias("supplier_id"),
        pl.col("_supplier_name").fill_null("").alias("supplier_name"),
        "payment_date",
        "currency",
        pl.col("exchange_rate").cast(pl.Float64),
        pl.col("amount").cast(pl.Float64),
        as_currency(pl.col("amount_minor"), d).alias("amount_base"),
        "method_raw",
        codes_to_methods(pl.col("erp_code")).alias("erp_method"),
        account_names(payments, analysis.accounts, single).alias("account_name"),
        "reference",
        codes_to_methods(pl.col("method_code")).alias("method"),
        codes_to_sources(pl.col("source_code")).alias("method_source"),
        pl.col("bills_paid").fill_null(""),
        pl.coalesce(pl.col("supplier_method"), codes_to_methods(pl.col("method_code"))).alias(
            "spend_analysis_row"
        ),
    )


def expenses_tab(analysis: SpendAnalysis) -> pl.DataFrame:
    """The Expenses tab: each expense of the period (refunds excluded) and its method."""
    d = analysis.currency_decimals
    expenses = analysis.expenses.join(_supplier_lookup(analysis), on="sidx", how="left")
    single = single_company(expenses, analysis.accounts)
    return expenses.sort(["expense_date", "company_id", "source_id"]).select(
        "company_id",
        "company_name",
        pl.col("source_id").alias("expense_id"),
        pl.col("supplier_source_id").alias("supplier_id"),
        pl.coalesce(
            pl.when(pl.col("_supplier_name") != "").then(pl.col("_supplier_name")),
            pl.col("supplier_name"),
        ).alias("supplier_name"),
        "expense_date",
        "currency",
        pl.col("exchange_rate").cast(pl.Float64),
        pl.col("amount").cast(pl.Float64),
        as_currency(pl.col("amount_minor"), d).alias("amount_base"),
        "method_raw",
        codes_to_methods(pl.col("erp_code")).alias("erp_method"),
        account_names(expenses, analysis.accounts, single).alias("account_name"),
        "reference",
        codes_to_methods(pl.col("method_code")).alias("method"),
        codes_to_sources(pl.col("source_code")).alias("method_source"),
        pl.coalesce(pl.col("supplier_method"), codes_to_methods(pl.col("method_code"))).alias(
            "spend_analysis_row"
        ),
    )
