"""Spend Summary: the card opportunity in a few headline figures (spec, "Spend Summary").

- Cardable spend: total spend of the suppliers whose most common inferred method is in the
  Non-card group, annualised (× 12 / months reviewed).
- Cashback: the tiered rates applied to the cardable spend, each to its own slice.
- Time saved: the cardable suppliers' bill payments and expenses, annualised, × minutes per
  payment, in hours; valued at the hourly cost.
- Annual card benefits = cashback + value of the time saved.
- Top opportunities: the three suppliers with the highest annual spend (above zero) whose
  most common inferred method is not Credit Card.

Money is exact (Decimal, rounded to the currency's decimals at the end); hours to 2 decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from ledgerlink.insights.methods import CREDIT_CARD, GROUPS, NON_CARD
from ledgerlink.insights.money import round_money, to_decimal
from ledgerlink.insights.parameters import CashbackTier
from ledgerlink.insights.spend import SpendAnalysis

TOP = 3


@dataclass(frozen=True, slots=True)
class Opportunity:
    supplier_id: str
    name: str
    company_name: str
    annual_spend: Decimal
    common_terms_days: int | None
    current_method: str


@dataclass(frozen=True, slots=True)
class CashbackSlice:
    """One tier's part: `spend` of the cardable spend earns `cashback` at `rate`."""

    start: Decimal
    up_to: Decimal | None
    rate: Decimal
    spend: Decimal
    cashback: Decimal


@dataclass(frozen=True, slots=True)
class SpendSummary:
    company_name: str
    base_currency: str
    start: date
    end: date
    months_reviewed: Decimal
    total_spend: Decimal
    # Total spend of the period per method group (Card, Non-card, Unknown), not annualised.
    spend_by_group: dict[str, Decimal]
    cardable_suppliers: int
    cardable_spend: Decimal
    cashback: Decimal
    cashback_slices: tuple[CashbackSlice, ...]
    cardable_payments: Decimal
    minutes_per_payment: Decimal
    hours_saved: Decimal
    hourly_cost: Decimal
    time_saved_value: Decimal
    annual_card_benefits: Decimal
    top_opportunities: tuple[Opportunity, ...]


def tiered_cashback(
    spend: Decimal, tiers: tuple[CashbackTier, ...], decimals: int = 2
) -> tuple[Decimal, tuple[CashbackSlice, ...]]:
    """Cashback on `spend`: each tier's rate on the slice of spend that falls in it."""
    slices: list[CashbackSlice] = []
    floor = Decimal(0)
    total = Decimal(0)
    for tier in tiers:
        ceiling = tier.up_to
        if ceiling is None:
            part = max(spend - floor, Decimal(0))
        else:
            part = max(min(spend, ceiling) - floor, Decimal(0))
        earned = round_money(part * tier.rate, decimals)
        slices.append(CashbackSlice(floor, ceiling, tier.rate, part, earned))
        total += earned
        if ceiling is None:
            break
        floor = ceiling
    return total, tuple(slices)


def spend_summary(analysis: SpendAnalysis) -> SpendSummary:
    params = analysis.parameters
    d = params.currency_decimals
    months = params.months_reviewed
    suppliers = analysis.suppliers
    cardable = suppliers.filter(pl.col("group") == NON_CARD)
    cardable_minor = int(cardable.get_column("total_spend_minor").sum())
    cardable_spend = round_money(to_decimal(cardable_minor, d) * 12 / months, d)
    cashback, slices = tiered_cashback(cardable_spend, params.cashback_tiers, d)
    count = int(cardable.select((pl.col("n_payments") + pl.col("n_expenses")).sum()).item())
    payments = (Decimal(count) * 12 / months).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    hours = (payments * params.minutes_per_payment / 60).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    value = round_money(hours * params.hourly_cost, d)

    groups = analysis.methods.filter(pl.col("level") == "Group")
    by_group = {
        str(row["method"]): to_decimal(int(row["total_spend_minor"]), d)
        for row in groups.iter_rows(named=True)
    }
    by_group = {group: by_group.get(group, to_decimal(0, d)) for group in GROUPS}
    total = analysis.methods.filter(pl.col("level") == "Total").item(0, "total_spend_minor")

    top = (
        suppliers.filter(
            (pl.col("method").cast(pl.String()) != CREDIT_CARD) & (pl.col("total_spend_minor") > 0)
        )
        .sort(["total_spend_minor", "name", "supplier_id"], descending=[True, False, False])
        .head(TOP)
    )
    opportunities = tuple(
        Opportunity(
            supplier_id=row["supplier_id"],
            name=row["name"],
            company_name=row["company_name"] or "",
            annual_spend=round_money(to_decimal(row["total_spend_minor"], d) * 12 / months, d),
            common_terms_days=row["common_terms_days"],
            current_method=str(row["method"]),
        )
        for row in top.iter_rows(named=True)
    )
    customer = analysis.customer
    return SpendSummary(
        company_name=customer.company_name or customer.legal_name,
        base_currency=customer.base_currency,
        start=params.start,
        end=params.end,
        months_reviewed=months,
        total_spend=to_decimal(int(total), d),
        spend_by_group=by_group,
        cardable_suppliers=cardable.height,
        cardable_spend=cardable_spend,
        cashback=cashback,
        cashback_slices=slices,
        cardable_payments=payments,
        minutes_per_payment=params.minutes_per_payment,
        hours_saved=hours,
        hourly_cost=params.hourly_cost,
        time_saved_value=value,
        annual_card_benefits=cashback + value,
        top_opportunities=opportunities,
    )
