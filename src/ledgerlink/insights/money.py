"""Exact conversion of ledger amounts to whole minor units of the base currency."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import polars as pl

AMOUNT_SCALE = 4  # Decimal(20, 4)
RATE_SCALE = 10  # Decimal(20, 10)


def minor_units(amount: str, rate: str | None, decimals: int) -> pl.Expr:
    """`amount × rate` in minor units (Int64), rounded half away from zero, computed exactly.

    Both columns are Decimals; their unscaled integers are multiplied in 128 bits, so no
    product of the ledger's ranges (20 digits each) loses a digit.
    """
    units = pl.col(amount).cast(pl.Decimal(20, AMOUNT_SCALE)).to_physical().cast(pl.Int128)
    if rate is None:
        shift = AMOUNT_SCALE - decimals
        product = units
    else:
        rate_units = pl.col(rate).cast(pl.Decimal(20, RATE_SCALE)).to_physical().cast(pl.Int128)
        shift = AMOUNT_SCALE + RATE_SCALE - decimals
        product = units * rate_units
    if shift == 0:
        return product.cast(pl.Int64)
    divisor = 10**shift
    half = divisor // 2
    # Floor division; for a negative product, ceil((p - half) / divisor), so that halves go
    # away from zero (Polars cannot negate 128-bit integers).
    rounded = (
        pl.when(product >= 0)
        .then((product + half) // divisor)
        .otherwise((product - half + divisor - 1) // divisor)
    )
    return rounded.cast(pl.Int64)


def to_decimal(units: int, decimals: int) -> Decimal:
    """Minor units as an exact Decimal amount."""
    return Decimal(units).scaleb(-decimals).quantize(Decimal(1).scaleb(-decimals))


def round_money(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def as_currency(units: pl.Expr, decimals: int) -> pl.Expr:
    """Minor units as Float64 currency units (the double nearest the exact amount)."""
    return units.cast(pl.Float64) / float(10**decimals)
