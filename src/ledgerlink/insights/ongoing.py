"""Ongoing Insights: the latest quarter against the one before (spec, "Ongoing Insights").

- Latest quarter: the last three full calendar months with data (a bill, bill payment or
  expense dated in them), a full month being one that ended before the generation date;
  prior period: the three months before it.
- New suppliers: spend (a bill or an expense) in the latest quarter and none in the prior
  period.
- Summary: for the new suppliers over the latest quarter and for the prior period's
  suppliers (those with spend in it) over the prior period: supplier count, bills, payments
  and expenses (count and amount) and the amount-weighted settlement days, with the change.
- Spend Analysis: each method's share of bills by amount, prior against latest, and the
  change in percentage points (each period analysed on its own, as the Spend Analysis does).
- New Suppliers: the Supplier Analysis columns for the new suppliers over the latest quarter
  (no spend threshold).

`quarters` tells whether a report can be built: None when there is no full month of data.
`OngoingInsights.has_prior_data` says whether any data falls in the prior period; the
scheduler should wait for it ("once a full quarter of data exists").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from ledgerlink.insights.frames import LedgerFrames
from ledgerlink.insights.methods import Keywords, load_keywords
from ledgerlink.insights.money import to_decimal
from ledgerlink.insights.parameters import Parameters, add_months, month_end, month_start
from ledgerlink.insights.spend import EXCLUDED_BILL_STATUSES, SpendAnalysis, analyse_spend


@dataclass(frozen=True, slots=True)
class Quarters:
    prior_start: date
    prior_end: date
    latest_start: date
    latest_end: date


@dataclass(frozen=True, slots=True)
class OngoingInsights:
    quarters: Quarters
    has_prior_data: bool
    # Rows: metric, new_suppliers, prior_suppliers, change (Float64; amounts in currency).
    summary: pl.DataFrame
    # Rows per method/group/total: method, level, prior_share, latest_share, change_pp.
    spend_analysis: pl.DataFrame
    # Supplier Analysis columns (as SpendAnalysis.suppliers) for the new suppliers.
    new_suppliers: pl.DataFrame
    latest: SpendAnalysis
    prior: SpendAnalysis


def _last_data_day(frames: LedgerFrames, before: date) -> date | None:
    dates: list[date] = []
    bills = frames.bills.filter(
        ~pl.col("is_deleted") & ~pl.col("status").str.to_lowercase().is_in(EXCLUDED_BILL_STATUSES)
    )
    for frame, column in (
        (bills, "issue_date"),
        (frames.bill_payments.filter(~pl.col("is_deleted")), "payment_date"),
        (frames.expenses.filter(~pl.col("is_deleted") & (pl.col("amount") > 0)), "expense_date"),
    ):
        found = frame.filter(pl.col(column) < before).get_column(column).max()
        if isinstance(found, date):
            dates.append(found)
    return max(dates) if dates else None


def _first_data_day(frames: LedgerFrames) -> date | None:
    dates = [
        value
        for frame, column in (
            (frames.bills, "issue_date"),
            (frames.bill_payments, "payment_date"),
            (frames.expenses, "expense_date"),
        )
        if isinstance(value := frame.get_column(column).min(), date)
    ]
    return min(dates) if dates else None


def quarters(frames: LedgerFrames, generation_date: date) -> Quarters | None:
    """The latest quarter with data before the generation date's month, and the prior one."""
    last = _last_data_day(frames, month_start(generation_date))
    if last is None:
        return None
    latest_end = month_end(last)
    latest_start = add_months(month_start(last), -2)
    prior_end = latest_start - timedelta(days=1)
    prior_start = add_months(latest_start, -3)
    return Quarters(prior_start, prior_end, latest_start, latest_end)


_METRICS = (
    ("Suppliers", "suppliers"),
    ("Bills", "n_bills"),
    ("Bills amount", "bills_minor"),
    ("Bill payments", "n_payments"),
    ("Bill payments amount", "payments_minor"),
    ("Expenses", "n_expenses"),
    ("Expenses amount", "expenses_minor"),
    ("Settlement days (amount-weighted)", "settlement"),
)


def _figures(suppliers: pl.DataFrame, decimals: int) -> dict[str, float | None]:
    sums = suppliers.select(
        pl.len().alias("suppliers"),
        *(
            pl.col(c).sum()
            for c in (
                "n_bills",
                "bills_minor",
                "n_payments",
                "payments_minor",
                "n_expenses",
                "expenses_minor",
                "settlement_weighted",
                "settlement_weight",
            )
        ),
    ).row(0, named=True)
    out: dict[str, float | None] = {}
    for _, key in _METRICS:
        if key == "settlement":
            weight = sums["settlement_weight"] or 0
            out[key] = sums["settlement_weighted"] / weight if weight else None
        elif key.endswith("_minor"):
            out[key] = float(to_decimal(int(sums[key] or 0), decimals))
        else:
            out[key] = float(sums[key] or 0)
    return out


def _spending(suppliers: pl.DataFrame) -> pl.DataFrame:
    return suppliers.filter((pl.col("n_bills") + pl.col("n_expenses")) > 0)


def ongoing_insights(
    frames: LedgerFrames, params: Parameters, *, keywords: Keywords | None = None
) -> OngoingInsights | None:
    """The Ongoing Insights as of `params.generation_date` (its period fields are ignored)."""
    window = quarters(frames, params.generation_date)
    if window is None:
        return None
    words = keywords or load_keywords(params.languages, params.extra_keywords)
    latest = analyse_spend(
        frames, params.with_period(window.latest_start, window.latest_end), keywords=words
    )
    prior = analyse_spend(
        frames, params.with_period(window.prior_start, window.prior_end), keywords=words
    )
    first = _first_data_day(frames)
    has_prior = first is not None and first <= window.prior_end

    key = ["company_id", "supplier_id"]
    prior_spending = _spending(prior.suppliers)
    new = _spending(latest.suppliers).join(prior_spending.select(key), on=key, how="anti")
    new = new.sort(["total_spend_minor", "name", "supplier_id"], descending=[True, False, False])

    d = params.currency_decimals
    new_figures = _figures(new, d)
    prior_figures = _figures(prior_spending, d)
    rows = []
    for label, metric in _METRICS:
        a, b = new_figures[metric], prior_figures[metric]
        rows.append(
            {
                "metric": label,
                "new_suppliers": a,
                "prior_suppliers": b,
                "change": None if a is None or b is None else a - b,
            }
        )
    summary = pl.DataFrame(
        rows,
        schema={
            "metric": pl.String(),
            "new_suppliers": pl.Float64(),
            "prior_suppliers": pl.Float64(),
            "change": pl.Float64(),
        },
    )
    shares = (
        prior.methods.select("level", "method", pl.col("pct_bills_amount").alias("prior_share"))
        .with_row_index("_order")
        .join(
            latest.methods.select(
                "level", "method", pl.col("pct_bills_amount").alias("latest_share")
            ),
            on=["level", "method"],
            how="left",
            maintain_order="left",
        )
        .sort("_order")
        .drop("_order")
        .with_columns(((pl.col("latest_share") - pl.col("prior_share")) * 100).alias("change_pp"))
    )
    return OngoingInsights(
        quarters=window,
        has_prior_data=has_prior,
        summary=summary,
        spend_analysis=shares,
        new_suppliers=new,
        latest=latest,
        prior=prior,
    )


def quarter_label(start: date, end: date) -> str:
    return f"{start:%b %Y} – {end:%b %Y}"


__all__ = ["OngoingInsights", "Quarters", "ongoing_insights", "quarter_label", "quarters"]
