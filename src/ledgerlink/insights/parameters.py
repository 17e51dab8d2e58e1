"""What a report is computed for: the period and the organisation's report settings."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clipped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def default_period(generation_date: date, months: int = 12) -> tuple[date, date]:
    """The `months` full calendar months before the generation date's month."""
    if months < 1:
        raise ValueError("a period has at least one month")
    end = month_start(generation_date) - timedelta(days=1)
    start = add_months(month_start(end), -(months - 1))
    return start, end


def months_between(start: date, end: date) -> Decimal:
    """Months in `start`..`end` inclusive: whole months, plus the rest as a share of a month.

    Full calendar months give a whole number (1 Jan–31 Dec is 12); 15 Jan–14 Mar is 2.
    The rest is counted in days of the month that follows the whole months, to two decimals.
    """
    if end < start:
        raise ValueError("the period ends before it starts")
    stop = end + timedelta(days=1)  # exclusive
    whole = (stop.year - start.year) * 12 + stop.month - start.month
    while whole > 0 and _shift(start, whole) > stop:
        whole -= 1
    anchor = _shift(start, whole)
    rest = (stop - anchor).days
    if rest == 0:
        return Decimal(whole)
    span = (_shift(start, whole + 1) - anchor).days
    return (Decimal(whole) + Decimal(rest) / Decimal(span)).quantize(Decimal("0.01"))


def _shift(start: date, months: int) -> date:
    # Month arithmetic anchored on the start day; a start on the 1st stays on the 1st.
    return add_months(start, months)


@dataclass(frozen=True, slots=True)
class CashbackTier:
    """`rate` applies to the part of the cardable spend up to `up_to` (None: no limit)."""

    rate: Decimal
    up_to: Decimal | None = None


DEFAULT_TIERS = (
    CashbackTier(rate=Decimal("0.02"), up_to=Decimal(1_000_000)),
    CashbackTier(rate=Decimal("0.01"), up_to=None),
)

NETWORKS = ("mastercard", "visa", "wex", "paytech")


@dataclass(frozen=True, slots=True)
class Parameters:
    """One report's inputs besides the ledger.

    - `start`, `end`: the reporting period, inclusive (`Parameters.for_generation` gives the
      default: the 12 full months before the generation date).
    - `generation_date`: the day the report is built (Ongoing Insights looks back from it).
    - `min_supplier_annual_spend`: Supplier Analysis (and the vendor-match files) list the
      suppliers whose annual spend (total spend × 12 / months reviewed) is at least this.
    - `cashback_tiers`: marginal tiers over the annual cardable spend, in order; the last
      tier has no limit.
    - `minutes_per_payment`, `hourly_cost`: the time a card saves per payment and what an
      hour costs, for "time saved".
    - `company_id`: the company the report is about (the parent of a multi-entity report);
      its CompanyInfo fills the Customer tab. None: the first company in the frames.
    - `languages`: keyword lists used to infer payment methods (None: all shipped ones).
    - `currency_decimals`: minor-unit decimals of the base currency (2; 0 for JPY).
    - `match_expense_payees`: an expense with no supplier id is given to the company's
      supplier whose name is the same (case and spacing aside), if exactly one is.
    """

    start: date
    end: date
    generation_date: date
    min_supplier_annual_spend: Decimal = Decimal(0)
    cashback_tiers: tuple[CashbackTier, ...] = DEFAULT_TIERS
    minutes_per_payment: Decimal = Decimal(3)
    hourly_cost: Decimal = Decimal(40)
    company_id: int | None = None
    languages: tuple[str, ...] | None = None
    currency_decimals: int = 2
    match_expense_payees: bool = True
    extra_keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("the period ends before it starts")
        if not self.cashback_tiers:
            raise ValueError("at least one cashback tier is needed")
        limits = [tier.up_to for tier in self.cashback_tiers]
        if limits[-1] is not None or any(limit is None for limit in limits[:-1]):
            raise ValueError("only the last cashback tier is unbounded")
        bounded = [limit for limit in limits if limit is not None]
        if bounded != sorted(bounded) or len(set(bounded)) != len(bounded):
            raise ValueError("cashback tier limits must increase")
        if any(tier.rate < 0 for tier in self.cashback_tiers):
            raise ValueError("cashback rates cannot be negative")
        if self.min_supplier_annual_spend < 0:
            raise ValueError("the minimum supplier spend cannot be negative")
        if not 0 <= self.currency_decimals <= 4:
            raise ValueError("currency decimals must be 0 to 4")

    @classmethod
    def for_generation(
        cls, generation_date: date, *, months: int = 12, **kwargs: Any
    ) -> Parameters:
        """Parameters with the default period: the `months` full months before the date."""
        start, end = default_period(generation_date, months)
        return cls(start=start, end=end, generation_date=generation_date, **kwargs)

    @property
    def months_reviewed(self) -> Decimal:
        return months_between(self.start, self.end)

    @property
    def card_lookback_start(self) -> date:
        """First day of the 12 months that end on the period end."""
        return add_months(self.end + timedelta(days=1), -12)

    @property
    def window_start(self) -> date:
        """Earliest day any figure needs a payment or expense from."""
        return min(self.start, self.card_lookback_start)

    def with_period(self, start: date, end: date) -> Parameters:
        return replace(self, start=start, end=end)

    def annualise(self, value: Decimal) -> Decimal:
        return value * Decimal(12) / self.months_reviewed
